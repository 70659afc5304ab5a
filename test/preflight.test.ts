import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { preflight } from "../checks/preflight";
import { NpmLocation } from "../config-templates/npm-proxy-hosts";
import { StackPlan, buildStackPlan } from "../config-templates/plan";
import { deployedPorts } from "../config-templates/deployed-ports";
import { Problem } from "../config/problems";
import { placeholderSecrets } from "../facts/secrets";
import { STACKS, describeProblems, fakeSecrets, orgFor, parseProblems, planFor } from "./helpers";

/** The problems preflight finds after applying `changes` to a real stack's config. */
function problemsWith(
  stack: string,
  changes: Record<string, unknown>,
  secrets = placeholderSecrets(),
): Problem[] {
  return preflight(planFor(stack, changes, secrets));
}

/** Asserts exactly one problem with that key, whose message matches, and returns it. */
/** A problem at `key` saying `message`, among others there (e.g. a secret in clear beside its drift). */
function expectSome(problems: Problem[], key: string, message: RegExp): Problem {
  const found = problems.find((p) => p.key === `matrix-fleet:${key}` && message.test(p.message));
  assert.ok(found, `expected a problem at ${key} saying ${message}, got:\n${describeProblems(problems)}`);
  assert.ok(found.fix.length > 10, "every problem says how to fix it");
  return found;
}

function expectOne(problems: Problem[], key: string, message: RegExp): Problem {
  const matching = problems.filter((p) => p.key === `matrix-fleet:${key}`);
  assert.equal(matching.length, 1, `expected one problem at ${key}, got:\n${describeProblems(problems)}`);
  const [found] = matching;
  assert.match(found!.message, message);
  assert.ok(found!.fix.length > 10, "every problem says how to fix it");
  return found!;
}

/** The produktor plan with one proxy location changed, as a broken renderer would emit it. */
function withLocation(path: string, change: Partial<NpmLocation>): StackPlan {
  const plan = planFor("produktor");
  return {
    ...plan,
    proxyHosts: plan.proxyHosts.map((h) => ({
      ...h,
      locations: h.locations.map((l) => (l.path === path ? { ...l, ...change } : l)),
    })),
  };
}

describe("preflight on the real stacks", () => {
  for (const stack of STACKS) {
    it(`finds nothing wrong with ${stack}`, () => {
      const problems = preflight(planFor(stack, {}, fakeSecrets()));
      assert.equal(problems.length, 0, describeProblems(problems));
    });
  }
});

describe("preflight catches each known failure mode", () => {
  it("relay ranges that overlap (coturn vs LiveKit)", () => {
    const problems = problemsWith("produktor", { ports: { livekitUdp: "49190-49300" } });
    expectOne(problems, "ports.livekitUdp", /overlaps coturn relay range \(udp\/49160-49200/);
  });

  it("JVB inside a relay range", () => {
    const problems = problemsWith("produktor", { ports: { jvb: 50150 } });
    expectOne(problems, "ports.jvb", /overlaps LiveKit media range/);
  });

  it("a relay range the router does not forward", () => {
    const problems = problemsWith("produktor", {
      network: {
        routerForwards: [
          "tcp/80",
          "tcp/443",
          "udp/3478",
          "tcp/3478",
          "tcp/5349",
          "udp/49160-49200",
          "tcp/7881",
          "udp/10000",
        ],
      },
    });
    const p = expectOne(problems, "network.routerForwards", /udp\/50100-50200 \(LiveKit/);
    assert.match(p.fix, /forward udp\/50100-50200 to 192\.0\.2\.10/);
  });

  it("a forward that covers only part of a range", () => {
    const problems = problemsWith("medex", {
      network: {
        routerForwards: [
          "tcp/80",
          "tcp/443",
          "udp/3478",
          "tcp/3478",
          "udp/49160-49199",
          "tcp/7881",
          "udp/50100-50200",
        ],
      },
    });
    expectOne(problems, "network.routerForwards", /udp\/49160-49200 \(coturn/);
  });

  it("LiveKit node_ip differing from coturn's external-ip", () => {
    const problems = problemsWith("produktor", {
      overrides: { livekit: { rtc: { node_ip: "172.18.0.5" } } },
    });
    expectOne(problems, "overrides.livekit.rtc.node_ip", /differs from coturn external-ip '203\.0\.113\.10'/);
  });

  it("coturn external-ip overridden away from LiveKit's node_ip", () => {
    const problems = problemsWith("produktor", { overrides: { coturn: { "external-ip": "198.51.100.99" } } });
    expectOne(problems, "overrides.coturn.external-ip", /differs from coturn external-ip '198\.51\.100\.99'/);
  });

  it("LiveKit use_external_ip turned on", () => {
    const problems = problemsWith("pro-dukt", { overrides: { livekit: { rtc: { use_external_ip: true } } } });
    expectOne(problems, "overrides.livekit.rtc.use_external_ip", /STUN discovery overrides node_ip/);
  });

  it("LIVEKIT_URL that is not the public wss://<rtc host>/livekit/sfu", () => {
    const problems = problemsWith("produktor", {
      overrides: { lkJwt: { LIVEKIT_URL: "ws://livekit:7880" } },
    });
    expectOne(
      problems,
      "overrides.lkJwt.LIVEKIT_URL",
      /not the public wss:\/\/matrix-rtc\.produktor\.io\/livekit\/sfu/,
    );
  });

  it("TURN URIs on port 443", () => {
    const problems = problemsWith("produktor", {
      overrides: { synapse: { turn_uris: ["turn:turn.produktor.io:443?transport=tcp"] } },
    });
    expectOne(problems, "overrides.synapse.turn_uris", /uses port 443/);
  });

  it("a TURN hostname that is a proxied HTTPS vhost", () => {
    const problems = problemsWith("produktor", { hosts: { turn: "chat.produktor.io" } });
    expectOne(problems, "hosts.turn", /TURN host 'chat\.produktor\.io' is also a proxied HTTPS vhost/);
  });

  it("msc4143 enabled without transports", () => {
    const problems = problemsWith("produktor", {
      overrides: { synapse: { matrix_rtc: { transports: [] } } },
    });
    expectOne(problems, "overrides.synapse.matrix_rtc.transports", /Synapse answers \{\}/);
  });

  it("msc4143 turned on for a stack without MatrixRTC (moda1) and no transports", () => {
    const problems = problemsWith("moda1", {
      overrides: { synapse: { experimental_features: { msc4143_enabled: true } } },
    });
    expectOne(problems, "overrides.synapse.matrix_rtc.transports", /no matrix_rtc\.transports/);
  });

  it("delayed events switched off", () => {
    const problems = problemsWith("pro-dukt", { overrides: { synapse: { max_event_delay_duration: null } } });
    expectOne(problems, "overrides.synapse.max_event_delay_duration", /delayed events are off/);
  });

  it("rate limits as Synapse reads them: per sub-key defaults, and the legacy keys without an rc_message section", () => {
    const legacy = problemsWith("medex", {
      overrides: { synapse: { rc_message: null, rc_messages_per_second: 1, rc_message_burst_count: 50 } },
    });
    assert.deepEqual(legacy, [], describeProblems(legacy));
    const noBurst = problemsWith("medex", { overrides: { synapse: { rc_message: { burst_count: null } } } });
    // RatelimitSettings.parse: a missing burst_count falls back to rc_message's default 10, not to the rendered 30.
    expectOne(noBurst, "overrides.synapse.rc_message", /rc_message is 0\.5\/s with a burst of 10, below/);
  });

  it("no openid/federation resource for lk-jwt-service", () => {
    const problems = problemsWith("produktor", {
      overrides: {
        synapse: {
          listeners: [
            { port: 8008, type: "http", x_forwarded: true, resources: [{ names: ["client"] }] },
            { port: 9000, type: "metrics" },
          ],
        },
      },
    });
    expectSome(problems, "overrides.synapse.listeners", /lk-jwt-service cannot validate users/);
    expectSome(
      problems,
      "overrides.synapse.listeners",
      /no federation resource, while federation\.peers lists/,
    );
  });

  it("room.auto_create true", () => {
    const problems = problemsWith("produktor", { overrides: { livekit: { room: { auto_create: true } } } });
    expectOne(problems, "overrides.livekit.room.auto_create", /auto_create is not false/);
  });

  it("lk-jwt full-access homeserver that is not our own server name", () => {
    const problems = problemsWith("medex", {
      overrides: { lkJwt: { LIVEKIT_FULL_ACCESS_HOMESERVERS: "matrix.org" } },
    });
    expectOne(
      problems,
      "overrides.lkJwt.LIVEKIT_FULL_ACCESS_HOMESERVERS",
      /does not name this server \(medex-pflegedienst\.de\)/,
    );
  });

  describe("LIVEKIT_FULL_ACCESS_HOMESERVERS, read as lk-jwt-service v0.5.0 reads it", () => {
    const fullAccess = (value: string) =>
      problemsWith("produktor", { overrides: { lkJwt: { LIVEKIT_FULL_ACCESS_HOMESERVERS: value } } }).filter(
        (p) => p.key === "matrix-fleet:overrides.lkJwt.LIVEKIT_FULL_ACCESS_HOMESERVERS",
      );
    // Accepted where lk-jwt-service's strings.Fields(ReplaceAll(v, ",", " ")) yields a list naming produktor.io
    // or exactly ["*"] (each list checked by running Go 1.26's strings.Fields on the same string).
    for (const value of [
      "*",
      " * ",
      "produktor.io pro-dukt.de",
      "pro-dukt.de,produktor.io",
      "pro-dukt.de, ,produktor.io",
      "pro-dukt.de\tproduktor.io\n",
      "pro-dukt.de\u00a0produktor.io",
      "pro-dukt.de\u0085produktor.io",
    ]) {
      it(`accepts ${JSON.stringify(value)}`, () => {
        assert.deepEqual(fullAccess(value), []);
      });
    }

    it("refuses an empty value: lk-jwt-service does not start", () => {
      expectOne(
        fullAccess(""),
        "overrides.lkJwt.LIVEKIT_FULL_ACCESS_HOMESERVERS",
        /empty: lk-jwt-service refuses to start/,
      );
    });

    for (const value of [" ", ",", " , "]) {
      it(`refuses ${JSON.stringify(value)}: separators only, nobody may create rooms`, () => {
        expectOne(
          fullAccess(value),
          "overrides.lkJwt.LIVEKIT_FULL_ACCESS_HOMESERVERS",
          /only separators.*404/,
        );
      });
    }

    for (const [value, why] of [
      ["*,pro-dukt.de", /\* counts as everyone only when it is the only entry/],
      ["Produktor.io", /does not name this server \(produktor\.io\)/],
      // U+FEFF is JavaScript whitespace but not Go's: upstream reads one name "pro-dukt.de\uFEFFproduktor.io".
      ["pro-dukt.de\ufeffproduktor.io", /does not name this server/],
      ["pro-dukt.de;produktor.io", /does not name this server/],
    ] as const) {
      it(`refuses ${JSON.stringify(value)}`, () => {
        expectOne(fullAccess(value), "overrides.lkJwt.LIVEKIT_FULL_ACCESS_HOMESERVERS", why);
      });
    }
  });

  it("a loopback proxy.lanIp, which lk-jwt-service's host entries would make the container itself", () => {
    // Parsing refuses a loopback proxy.lanIp for every stack since #16 (no router forwards 80/443 to it), so the
    // plan is built from a parsed config changed afterwards, as another caller of the checks could build it.
    const org = orgFor("produktor");
    const plan = buildStackPlan(
      { ...org, proxy: { ...org.proxy, lanIp: "127.0.0.1" } },
      placeholderSecrets(),
    );
    expectOne(
      preflight(plan),
      "proxy.lanIp",
      /loopback address: lk-jwt-service reaches produktor\.io, chat\.produktor\.io, matrix-rtc\.produktor\.io/,
    );
    // Without MatrixRTC no container gets host entries; the stack file is refused while parsing all the same.
    const moda1 = orgFor("moda1");
    const withoutRtc = buildStackPlan(
      { ...moda1, proxy: { ...moda1.proxy, lanIp: "127.0.0.1" } },
      placeholderSecrets(),
    );
    assert.deepEqual(
      preflight(withoutRtc).filter((p) => p.key === "matrix-fleet:proxy.lanIp"),
      [],
    );
    assert.match(
      parseProblems("moda1", { proxy: { lanIp: "127.0.0.1" } }).find(
        (p) => p.key === "matrix-fleet:proxy.lanIp",
      )!.message,
      /'127\.0\.0\.1' is a loopback \(127\.0\.0\.0\/8\) address, not one a host on the network can be reached at/,
    );
  });

  it("LiveKit secret shorter than 32 characters", () => {
    const secrets = { ...fakeSecrets(), livekit_api_secret: "too-short-secret" };
    const problems = problemsWith("produktor", {}, secrets);
    expectOne(problems, "secrets.livekit_api_secret", /16 characters; LiveKit requires at least 32/);
  });

  it("an unknown LiveKit key, which LiveKit's strict parser refuses", () => {
    const problems = problemsWith("produktor", {
      overrides: { livekit: { rtc: { node_ipp: "203.0.113.10" } } },
    });
    expectOne(problems, "overrides.livekit.rtc.node_ipp", /strict parser/);
  });

  it("lt-cred-mech mixed with use-auth-secret", () => {
    const problems = problemsWith("moda1", { overrides: { coturn: { "lt-cred-mech": true } } });
    expectOne(problems, "overrides.coturn.lt-cred-mech", /Cannot find credentials/);
  });

  it("coturn's static-auth-secret drifting from Synapse's turn_shared_secret", () => {
    const problems = problemsWith("produktor", {
      overrides: { coturn: { "static-auth-secret": "something-else" } },
    });
    expectSome(problems, "overrides.coturn.static-auth-secret", /every TURN allocation gets 401/);
    expectSome(
      problems,
      "overrides.coturn.static-auth-secret",
      /is a secret: an override writes it in clear/,
    );
  });

  it("LiveKit's TURN entries that coturn would refuse or never answer", () => {
    const entry = (protocol: string, port: number, secret = "{{secret:turn_shared_secret}}") => ({
      host: "turn.medex-pflegedienst.de",
      port,
      protocol,
      secret,
    });
    const udpOnly = problemsWith("medex", {
      overrides: { livekit: { rtc: { turn_servers: [entry("udp", 3478)] } } },
    });
    expectOne(udpOnly, "overrides.livekit.rtc.turn_servers", /offers TURN over UDP only/);
    const problems = problemsWith("medex", {
      overrides: {
        livekit: { rtc: { turn_servers: [entry("udp", 3479), entry("tls", 5349), entry("tcp", 3478, "x")] } },
      },
    });
    const messages = problems.map((p) => p.message);
    assert.ok(
      messages.some((m) => /\[0\] offers udp on port 3479, but coturn's listening-port is 3478/.test(m)),
    );
    assert.ok(messages.some((m) => /\[1\] offers TURN over TLS, but coturn has no TLS listener/.test(m)));
    assert.ok(messages.some((m) => /\[2\] carry a secret other than coturn's static-auth-secret/.test(m)));
    assert.ok(problems.every((p) => p.key === "matrix-fleet:overrides.livekit.rtc.turn_servers"));
  });

  it("lk-jwt-service's key pair drifting from LiveKit's keys", () => {
    const problems = problemsWith("pro-dukt", {
      overrides: { lkJwt: { LIVEKIT_SECRET: "another-secret-another-secret-xx" } },
    });
    expectSome(problems, "overrides.lkJwt.LIVEKIT_SECRET", /not a key pair LiveKit knows/);
    expectSome(problems, "overrides.lkJwt.LIVEKIT_SECRET", /is a secret: an override writes it in clear/);
  });

  it("both LIVEKIT_JWT_PORT and LIVEKIT_JWT_BIND set", () => {
    const problems = problemsWith("produktor", {
      overrides: { lkJwt: { LIVEKIT_JWT_PORT: "8080", LIVEKIT_JWT_BIND: ":8081" } },
    });
    expectOne(problems, "overrides.lkJwt.LIVEKIT_JWT_PORT", /refuses to start/);
  });

  it("well-known served without the CORS header", () => {
    const plan = planFor("produktor");
    const broken: StackPlan = {
      ...plan,
      proxyHosts: plan.proxyHosts.map((h) => ({
        ...h,
        advanced_config: h.advanced_config.replace(
          /\s*add_header Access-Control-Allow-Origin "\*" always;/g,
          "",
        ),
      })),
    };
    const problems = preflight(broken).filter((p) => p.key === "matrix-fleet:proxy");
    assert.equal(problems.length, 4, describeProblems(problems)); // server + client on two hosts
    assert.match(problems[0]!.message, /without 'Access-Control-Allow-Origin: \*'/);
  });

  it("a Synapse location with a forward_path (nginx rewrites the URI, federation signatures break)", () => {
    const broken = withLocation("/_matrix", { forward_path: "/_matrix" });
    const problems = preflight(broken);
    assert.equal(problems.length, 1, describeProblems(problems));
    assert.match(
      problems[0]!.message,
      /chat\.produktor\.io\/_matrix forwards with forward_path '\/_matrix'.*Invalid signature/,
    );
  });

  it("a LiveKit location that keeps its prefix", () => {
    const broken = withLocation("/livekit/jwt/", { forward_path: "" });
    const problems = preflight(broken);
    assert.equal(problems.length, 1, describeProblems(problems));
    assert.match(problems[0]!.message, /\/livekit\/jwt\/ does not strip its prefix/);
  });

  /** produktor's plan with the RTC host's advanced_config rewritten. */
  function withRtcAdvanced(edit: (text: string) => string): StackPlan {
    const plan = planFor("produktor");
    return {
      ...plan,
      proxyHosts: plan.proxyHosts.map((h) =>
        h.domain_names[0] === "matrix-rtc.produktor.io"
          ? { ...h, advanced_config: edit(h.advanced_config) }
          : h,
      ),
    };
  }

  for (const [dropped, named] of [
    ["proxy_set_header Upgrade $http_upgrade;", "Upgrade"],
    ["proxy_set_header Connection $http_connection;", "Connection"],
    ["proxy_http_version 1.1;", "HTTP/1.1"],
  ] as const) {
    it(`LiveKit's signalling location without ${named} (field failure 6)`, () => {
      const problems = preflight(withRtcAdvanced((text) => text.replace(dropped, "")));
      assert.equal(problems.length, 1, describeProblems(problems));
      assert.match(problems[0]!.message, new RegExp(`/livekit/sfu/ lacks ${named.replace("/", "\\/")}`));
    });
  }

  it("LiveKit's signalling location that keeps its prefix", () => {
    const problems = preflight(withRtcAdvanced((text) => text.replace(":7880/;", ":7880;")));
    assert.equal(problems.length, 1, describeProblems(problems));
    assert.match(problems[0]!.message, /lacks a proxy_pass to LiveKit that strips the prefix/);
  });

  it("LiveKit's signalling as an NPM custom location, whose headers hang on the host's flag", () => {
    const plan = withRtcAdvanced(() => "");
    const rtc = plan.proxyHosts.find((h) => h.domain_names[0] === "matrix-rtc.produktor.io")!;
    const custom = { ...rtc.locations[0]!, path: "/livekit/sfu/", forward_port: 7880 };
    const moved = {
      ...plan,
      proxyHosts: plan.proxyHosts.map((h) => (h === rtc ? { ...h, locations: [...h.locations, custom] } : h)),
    };
    const problems = preflight(moved);
    assert.equal(problems.length, 1, describeProblems(problems));
    assert.match(
      problems[0]!.message,
      /is an NPM custom location, whose WebSocket headers depend on the host's flag/,
    );
  });

  it("a proxy host NPM's schema would refuse", () => {
    const problems = preflight(withLocation("/livekit/jwt/", { forward_port: 70000 }));
    assert.equal(problems.length, 1, describeProblems(problems));
    assert.match(
      problems[0]!.message,
      /proxy host matrix-rtc\.produktor\.io: locations\[0\]\.forward_port must be a port 1-65535/,
    );
  });

  it("a removed federation whitelist (open federation)", () => {
    const problems = problemsWith("moda1", { overrides: { synapse: { federation_domain_whitelist: null } } });
    expectOne(problems, "overrides.synapse.federation_domain_whitelist", /federates with every server/);
  });

  it("report_stats removed and experimental_features null", () => {
    const problems = preflight({
      ...planFor("produktor"),
      synapse: {
        ...planFor("produktor").synapse,
        homeserver: {
          ...planFor("produktor").synapse.homeserver,
          report_stats: undefined,
          experimental_features: null,
        },
      },
    });
    expectOne(problems, "overrides.synapse.report_stats", /refuses to start/);
    expectOne(problems, "overrides.synapse.experimental_features", /rejects it/);
  });

  it("a moving image tag", () => {
    const problems = problemsWith("produktor", { images: { livekit: "livekit/livekit-server:latest" } });
    expectOne(problems, "images.livekit", /not pinned/);
  });

  it("a proxy body limit below Synapse's upload limit", () => {
    const problems = problemsWith("produktor", { synapse: { maxUploadSize: "100M" } });
    expectOne(problems, "proxy.clientMaxBodySize", /fail with 413/);
  });

  it("a stack listing itself as federation peer", () => {
    const problems = problemsWith("produktor", {
      federation: { peers: ["pro-dukt.de", "medex-pflegedienst.de", "produktor.io"] },
    });
    expectOne(problems, "federation.peers", /own server name/);
  });

  it("reports every problem at once", () => {
    const problems = problemsWith("produktor", {
      ports: { livekitUdp: "49190-49300" },
      overrides: { livekit: { room: { auto_create: true } }, lkJwt: { LIVEKIT_URL: "ws://x" } },
    });
    const keys = new Set(problems.map((p) => p.key));
    for (const key of [
      "ports.livekitUdp",
      "overrides.livekit.room.auto_create",
      "overrides.lkJwt.LIVEKIT_URL",
    ]) {
      assert.ok(keys.has(`matrix-fleet:${key}`), key);
    }
    assert.ok(problems.every((p) => p.stack === "produktor"));
  });
});

/**
 * Preflight reads ports, capacity, the whitelist and coturn's hardening from the documents that would be deployed:
 * a document changed while the config stays as it is (what an override or a renderer bug does) is judged as is.
 */
describe("preflight judges the rendered documents, not the keys behind them", () => {
  const plan = planFor("moda1");
  const coturnWith = (
    change: (lines: NonNullable<StackPlan["coturn"]>) => StackPlan["coturn"],
  ): StackPlan => {
    const coturn = change(plan.coturn!)!;
    const rebuilt = buildStackPlan(plan.org, placeholderSecrets());
    const docs = { homeserver: rebuilt.synapse.homeserver, coturn, livekit: undefined, jitsi: undefined };
    return { ...rebuilt, coturn, ports: deployedPorts(plan.org, docs) };
  };

  it("ports: a relay range moved in turnserver.conf alone clashes with coturn's own listener", () => {
    const moved = coturnWith((lines) =>
      lines.map(([o, v]) => (o === "min-port" ? [o, 3400] : o === "max-port" ? [o, 3500] : [o, v])),
    );
    expectOne(
      preflight(moved),
      "ports.turnRelay",
      /coturn relay range \(udp\/3400-3500\) overlaps coturn listener \(udp\/3478/,
    );
    assert.equal(preflight(plan).length, 0);
  });

  it("capacity: a user quota raised in turnserver.conf alone", () => {
    const raised = coturnWith((lines) => lines.map(([o, v]) => (o === "user-quota" ? [o, 41] : [o, v])));
    expectOne(preflight(raised), "turn.userQuota", /may hold 41 allocations, and coturn grants 41/);
  });

  it("whitelist: a peer added to homeserver.yaml alone", () => {
    const homeserver = { ...plan.synapse.homeserver, federation_domain_whitelist: ["matrix.org"] };
    const problems = preflight({ ...plan, synapse: { ...plan.synapse, homeserver } });
    expectOne(problems, "federation.peers", /adds matrix\.org, which federation\.peers does not list/);
  });

  it("hardening: denied-peer-ip dropped from turnserver.conf alone", () => {
    const open = coturnWith((lines) => lines.filter(([o]) => o !== "denied-peer-ip"));
    expectOne(preflight(open), "overrides.coturn.denied-peer-ip", /every private and special range/);
  });

  it("and each through an override, naming the override", () => {
    // An override that moves a port is also refused for moving it (checkOverriddenPorts): two problems, one key.
    const clash = problemsWith("pro-dukt", {
      overrides: { livekit: { rtc: { port_range_start: 49180, port_range_end: 49260 } } },
    }).filter((p) => p.key === "matrix-fleet:overrides.livekit.rtc.port_range_start");
    assert.ok(
      clash.some((p) =>
        /LiveKit media range \(udp\/49180-49260\) overlaps coturn relay range/.test(p.message),
      ),
      describeProblems(clash),
    );
    expectOne(
      problemsWith("moda1", { overrides: { coturn: { "user-quota": 50 } } }),
      "overrides.coturn.user-quota",
      /may hold 50 allocations, and coturn grants 41/,
    );
    expectOne(
      problemsWith("produktor", { overrides: { synapse: { federation_domain_whitelist: [] } } }),
      "overrides.synapse.federation_domain_whitelist",
      /is empty, so Synapse federates with nobody/,
    );
    expectOne(
      problemsWith("moda1", { overrides: { coturn: { "denied-peer-ip": false } } }),
      "overrides.coturn.denied-peer-ip",
      /SSRF/,
    );
  });
});

describe("preflight keeps the monitoring's metrics off the proxy and where Prometheus scrapes them (issue #27)", () => {
  const proxied = { port: 8008, type: "http", x_forwarded: true };

  it("Synapse's metrics on the proxied listener: refused, with or without the monitoring", () => {
    for (const monitoring of [true, false]) {
      const problems = problemsWith("pro-dukt", {
        components: { monitoring },
        overrides: {
          synapse: {
            listeners: [
              { ...proxied, resources: [{ names: ["client", "federation", "metrics"] }] },
              { port: 9000, type: "metrics" },
            ],
          },
        },
      });
      expectOne(problems, "overrides.synapse.listeners", /serves Synapse's metrics: anyone could read them/);
    }
  });

  it("an override of Synapse's listeners without the metrics listener, or enable_metrics off", () => {
    expectOne(
      problemsWith("pro-dukt", {
        overrides: {
          synapse: { listeners: [{ ...proxied, resources: [{ names: ["client", "federation"] }] }] },
        },
      }),
      "overrides.synapse.listeners",
      /no Synapse listener serves metrics on 9000, where the stack's Prometheus scrapes them/,
    );
    expectOne(
      problemsWith("pro-dukt", { overrides: { synapse: { enable_metrics: false } } }),
      "overrides.synapse.enable_metrics",
      /is what matrix-fleet writes from synapse\.enableMetrics \(true\); the override makes it false/,
    );
    // Without the monitoring, neither is needed.
    const off = problemsWith("pro-dukt", {
      components: { monitoring: false },
      overrides: {
        synapse: { listeners: [{ ...proxied, resources: [{ names: ["client", "federation"] }] }] },
      },
    });
    assert.deepEqual(describeProblems(off), "");
  });

  it("LiveKit's metrics on another port or without their password", () => {
    expectOne(
      problemsWith("pro-dukt", { overrides: { livekit: { prometheus: { port: 6790 } } } }),
      "overrides.livekit.prometheus",
      /LiveKit serves its metrics on 6790, but the stack's Prometheus scrapes 6789/,
    );
    expectOne(
      problemsWith("pro-dukt", { overrides: { livekit: { prometheus: { password: null } } } }),
      "overrides.livekit.prometheus.password",
      /is removed: matrix-fleet generates it/,
    );
  });

  it("coturn's exporter switched off or moved by an override while Prometheus scrapes it", () => {
    expectOne(
      problemsWith("moda1", { overrides: { coturn: { prometheus: false } } }),
      "overrides.coturn.prometheus",
      /switched off by an override/,
    );
    expectOne(
      problemsWith("moda1", { overrides: { coturn: { "prometheus-port": 9700 } } }),
      "overrides.coturn.prometheus",
      /listens on 9700, but the stack's Prometheus scrapes 9641/,
    );
    // Debian's coturn 4.6.1 has no exporter: monitoring.coturnExporter false renders none and scrapes none.
    const plan = planFor("moda1", { monitoring: { coturnExporter: false } });
    assert.ok(!plan.coturn!.some(([option]) => option.startsWith("prometheus")));
    assert.equal(describeProblems(preflight(plan)), "");
  });

  it("a monitoring port on another service's port is a clash", () => {
    const problems = problemsWith("pro-dukt", { ports: { prometheus: 7880 } });
    assert.ok(
      problems.some((p) =>
        /Prometheus \(loopback\).*LiveKit signalling|LiveKit signalling.*Prometheus/.test(p.message),
      ),
      describeProblems(problems),
    );
  });
});
