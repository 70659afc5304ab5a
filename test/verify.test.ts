/**
 * verify's conclusions, against a fake network (issue #16): each failure names its real cause. The fake answers as
 * Synapse, coturn and the proxy would; what the real servers do is proven in the lab (lab/calls.test.ts, and the
 * faults in lab/faults.ts, which need a lab run).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DAY, FakeNetwork, probeRun, result, targetOf, verify } from "./fake-verify-network";
import { verifyStack } from "../verify/verify";
import { parseTurnUri } from "../verify/turn-checks";
import { orgFor } from "./helpers";

describe("verify reads the certificate coturn serves on its TLS port (field failure 21)", () => {
  const org = orgFor("produktor");
  const name = "coturn's TLS certificate on 5349";

  it("passes a certificate for the TURN host with most of its lifetime left", async () => {
    const r = result(await verify(org, new FakeNetwork(org)), name);
    assert.equal(r.outcome, "pass", r.detail);
    assert.match(r.detail, /^for turn\.produktor\.io, valid until \d{4}-\d{2}-\d{2} \(7\d days left\)$/);
  });

  it("fails a certificate past the point a renewal would have replaced it, naming the reload coturn needs", async () => {
    const network = new FakeNetwork(org);
    network.certificate = {
      validFrom: new Date(Date.now() - 80 * DAY),
      validTo: new Date(Date.now() + 10 * DAY),
      dnsNames: ["turn.produktor.io"],
    };
    const r = result(await verify(org, network), name);
    assert.equal(r.outcome, "fail");
    assert.match(
      r.detail,
      /in (9|10) days, under a quarter of its lifetime\): a renewal would have happened by now/,
    );
    assert.match(
      r.fix!,
      /send coturn SIGUSR2 \(the deploy hook in summary\.md\), or docker restart matrix-produktor-coturn/,
    );
  });

  it("fails an expired certificate and one for another name", async () => {
    const network = new FakeNetwork(org);
    network.certificate = { ...network.certificate, validTo: new Date(Date.now() - DAY) };
    assert.match(
      result(await verify(org, network), name).detail,
      /still serves a certificate that expired on/,
    );
    network.certificate = { ...network.certificate, dnsNames: ["chat.produktor.io"] };
    const other = result(await verify(org, network), name);
    assert.match(other.detail, /presents a certificate for chat\.produktor\.io, not turn\.produktor\.io/);
  });

  it("is not run without TURN over TLS", async () => {
    const medex = orgFor("medex");
    const results = await verify(medex, new FakeNetwork(medex));
    assert.ok(!results.some((r) => r.name.startsWith("coturn's TLS certificate")));
  });
});

describe("verify's TURN checks use what Synapse hands out", () => {
  const org = orgFor("produktor");

  it("pass over every URI Synapse hands out, with the relay on the public IP", async () => {
    const network = new FakeNetwork(org);
    const results = await verify(org, network);
    for (const name of ["TURN allocation over UDP", "TURN allocation over TCP", "TURN allocation over TLS"]) {
      const r = result(results, name);
      assert.equal(r.outcome, "pass", `${name}: ${r.detail}`);
    }
    assert.equal(
      result(results, "TURN allocation over UDP").detail,
      "relay 203.0.113.10:49170 via 203.0.113.10:3478",
    );
    assert.deepEqual(
      network.allocations.map((s) => `${s.transport} ${s.port}`),
      ["udp 3478", "tcp 3478", "tls 5349"],
    );
  });

  it("fail when Synapse hands out TURN URIs on 443, naming the port and coturn's, without trying the proxy", async () => {
    const network = new FakeNetwork(org);
    network.route(`https://${org.hosts.homeserver}/_matrix/client/v3/voip/turnServer`, {
      status: 200,
      body: {
        username: "u",
        password: "p",
        uris: ["turn:turn.produktor.io:443?transport=udp", "turns:turn.produktor.io:443?transport=tcp"],
      },
    });
    const results = await verify(org, network);
    const udp = result(results, "TURN allocation over UDP");
    assert.equal(udp.outcome, "fail");
    assert.match(
      udp.detail,
      /Synapse hands out turn:turn\.produktor\.io:443\?transport=udp: port 443 belongs to the reverse proxy/,
    );
    assert.match(udp.fix!, /coturn listens on 3478 \(ports\.turn\)/);
    const tls = result(results, "TURN allocation over TLS");
    assert.match(tls.fix!, /coturn listens on 5349 \(ports\.turnTls\)/);
    assert.match(
      result(results, "TURN allocation over TCP").detail,
      /Synapse hands out no turn: \?transport=tcp URI/,
    );
    assert.deepEqual(network.allocations, [], "nothing was sent to the proxy's port");
  });

  it("fail when Synapse names a port coturn does not listen on", async () => {
    const network = new FakeNetwork(org);
    network.route(`https://${org.hosts.homeserver}/_matrix/client/v3/voip/turnServer`, {
      status: 200,
      body: { username: "u", password: "p", uris: ["turn:turn.produktor.io:3479?transport=udp"] },
    });
    const udp = result(await verify(org, network), "TURN allocation over UDP");
    assert.equal(udp.outcome, "fail");
    assert.match(
      udp.detail,
      /no TURN answer at turn:turn\.produktor\.io:3479\?transport=udp \(203\.0\.113\.10:3479\)/,
    );
    assert.match(udp.fix!, /Synapse names port 3479, but coturn listens on 3478 \(ports\.turn\)/);
  });

  it("fail when coturn reports a relay address that is not the public IP (its external-ip)", async () => {
    const network = new FakeNetwork(org);
    network.relayAddress = "198.51.100.77";
    const results = await verify(org, network);
    for (const name of ["TURN allocation over UDP", "TURN allocation over TCP", "TURN allocation over TLS"]) {
      const r = result(results, name);
      assert.equal(r.outcome, "fail");
      assert.match(
        r.detail,
        /coturn reports relay 198\.51\.100\.77:49170, not on the public IP 203\.0\.113\.10/,
      );
      assert.match(r.fix!, /coturn's external-ip must be the public IP/);
    }
  });

  it("say why there is no credential when Synapse answers {} (a TURN lifetime of 0, say)", async () => {
    const network = new FakeNetwork(org);
    network.route(`https://${org.hosts.homeserver}/_matrix/client/v3/voip/turnServer`, {
      status: 200,
      body: {},
    });
    const results = await verify(org, network);
    const credentials = result(results, "TURN credentials from Synapse");
    assert.equal(credentials.outcome, "fail");
    assert.match(credentials.fix!, /turn_uris, turn_shared_secret and a turn_user_lifetime above 0/);
    assert.equal(result(results, "TURN allocation over UDP").outcome, "skip");
  });

  it("read URIs as RFC 7065 writes them", () => {
    assert.deepEqual(parseTurnUri("turn:turn.example.org?transport=tcp"), {
      uri: "turn:turn.example.org?transport=tcp",
      host: "turn.example.org",
      port: 3478,
      transport: "tcp",
    });
    assert.equal(parseTurnUri("turns:Turn.Example.org")?.port, 5349);
    assert.equal(parseTurnUri("stun:turn.example.org:3478"), undefined);
  });
});

describe("verify names the real cause of a federation or MatrixRTC failure", () => {
  const org = orgFor("produktor");
  const peerBase = "https://chat.pro-dukt.de";

  /** A peer pro-dukt.de whose side works; `createRoom` on our side answers as given. */
  function withPeer(network: FakeNetwork, ourCreateRoom: { status: number; body?: unknown }): void {
    network.route("https://pro-dukt.de/.well-known/matrix/server", {
      status: 200,
      body: { "m.server": "chat.pro-dukt.de:443" },
    });
    network.route("https://chat.pro-dukt.de:443/_matrix/key/v2/server", {
      status: 200,
      body: { server_name: "pro-dukt.de" },
    });
    network.route("https://chat.pro-dukt.de:443/_matrix/federation/v1/version", {
      status: 200,
      body: { server: {} },
    });
    network.route("https://pro-dukt.de/.well-known/matrix/client", {
      status: 200,
      body: { "m.homeserver": { base_url: peerBase } },
    });
    network.route(`${peerBase}/_matrix/client/v3/account/whoami`, {
      status: 200,
      body: { user_id: "@verify:pro-dukt.de" },
    });
    network.route(`https://${org.hosts.homeserver}/_matrix/client/v3/createRoom`, ourCreateRoom);
  }

  it("a listener without the federation/openid resource: our API and OpenID fail, and the join blames them", async () => {
    const network = new FakeNetwork(org);
    network.lkJwtAnswers = false;
    withPeer(network, { status: 403, body: { errcode: "M_FORBIDDEN", error: "Failed to verify signature" } });
    const target = `https://${org.hosts.homeserver}:443`;
    for (const path of [
      "/_matrix/key/v2/server",
      "/_matrix/federation/v1/version",
      "/_matrix/federation/v1/openid/userinfo?access_token=openid-token",
    ])
      network.routes.delete(`${target}${path}`);
    const results = await verify(org, network, { "pro-dukt.de": "peer-token" });

    const own = result(results, "federation API of produktor.io");
    assert.equal(own.outcome, "fail");
    assert.match(
      own.detail,
      /key\/v2\/server answered HTTP 404: .*no Synapse listener serves the federation resource/,
    );
    assert.match(own.fix!, /add 'federation' to the resources of Synapse's listener/);

    const openid = result(results, "OpenID userinfo (what lk-jwt-service asks Synapse)");
    assert.equal(openid.outcome, "fail");
    assert.match(
      openid.detail,
      /openid\/userinfo answered HTTP 404: no Synapse listener serves the openid resource/,
    );

    const join = result(results, "federation both ways with pro-dukt.de");
    assert.equal(join.outcome, "fail");
    assert.match(
      join.fix!,
      /produktor\.io's own federation API is not served \(see 'federation API of produktor\.io'\)/,
    );
    assert.doesNotMatch(join.fix!, /whitelist/, "the whitelist is not blamed");

    for (const endpoint of ["get_token", "sfu/get"]) {
      const token = result(results, `MatrixRTC token via /${endpoint} and a LiveKit join`);
      assert.equal(token.outcome, "fail");
      assert.match(token.fix!, /Synapse does not answer lk-jwt-service's OpenID check/);
    }
  });

  it("a whitelist without the peer is named as ours, from Synapse's 'Federation denied' answer", async () => {
    const network = new FakeNetwork(org);
    withPeer(network, {
      status: 403,
      body: { errcode: "M_FORBIDDEN", error: "Federation denied with pro-dukt.de." },
    });
    const join = result(
      await verify(org, network, { "pro-dukt.de": "peer-token" }),
      "federation both ways with pro-dukt.de",
    );
    assert.match(join.detail, /produktor\.io → pro-dukt\.de: room with invite failed: HTTP 403/);
    assert.match(join.fix!, /produktor\.io's federation_domain_whitelist does not list pro-dukt\.de/);
  });

  it("the peer's whitelist is named when the peer denies us", async () => {
    const network = new FakeNetwork(org);
    withPeer(network, {
      status: 403,
      body: { errcode: "M_FORBIDDEN", error: "Federation denied with produktor.io." },
    });
    const join = result(
      await verify(org, network, { "pro-dukt.de": "peer-token" }),
      "federation both ways with pro-dukt.de",
    );
    assert.match(join.fix!, /pro-dukt\.de's federation_domain_whitelist does not list produktor\.io/);
  });

  it("a stack that federates with nobody and runs no MatrixRTC skips its own federation API", async () => {
    const moda1 = orgFor("moda1");
    const results = await verify(moda1, new FakeNetwork(moda1));
    assert.equal(result(results, "federation API of moda1.uk").outcome, "skip");
    assert.ok(!results.some((r) => r.name.startsWith("OpenID")));
  });
});

describe("verify checks the homeserver as Element X meets it (issue #26)", () => {
  const org = orgFor("produktor");
  const hs = `https://${org.hosts.homeserver}`;
  const sync = `${hs}/_matrix/client/unstable/org.matrix.simplified_msc3575/sync?timeout=0`;
  const clientWellKnown = `https://${org.hosts.wellKnown}/.well-known/matrix/client`;
  const healthy = (extra: Record<string, unknown> = {}) => {
    const network = new FakeNetwork(org);
    network.route(clientWellKnown, {
      status: 200,
      body: {
        "m.homeserver": { base_url: hs },
        "org.matrix.msc4143.rtc_foci": [
          { type: "livekit", livekit_service_url: `https://${org.hosts.rtc}/livekit/jwt` },
        ],
        ...extra,
      },
    });
    // Synapse answers a sliding sync body it can parse (a list needs ranges, required_state, timeline_limit).
    network.route(sync, (init) => {
      const body = JSON.parse(String(init?.body)) as { lists?: Record<string, Record<string, unknown>> };
      const list = Object.values(body.lists ?? {})[0];
      const valid =
        list !== undefined && ["ranges", "required_state", "timeline_limit"].every((k) => k in list);
      const authorised = new Headers(init?.headers).get("authorization") === "Bearer t";
      if (!authorised) return { status: 401, body: { errcode: "M_MISSING_TOKEN" } };
      return valid ? { status: 200, body: { pos: "0", lists: { all: { count: 0 } } } } : { status: 400 };
    });
    return network;
  };

  it("passes a password login and one sliding sync request, and a client well-known without a proxy key", async () => {
    const results = await verify(org, healthy());
    assert.equal(result(results, "test user login").outcome, "pass");
    assert.equal(
      result(results, "Element X sliding sync").outcome,
      "pass",
      result(results, "Element X sliding sync").detail,
    );
    assert.equal(result(results, "well-known client").outcome, "pass");
  });

  it("fails a homeserver without sliding sync (404), naming the route and the Synapse flag", async () => {
    const network = healthy();
    network.routes.delete(sync);
    const check = result(await verify(org, network), "Element X sliding sync");
    assert.equal(check.outcome, "fail");
    assert.match(check.detail, /HTTP 404/);
    assert.match(check.fix ?? "", /simplified_msc3575.*msc3575_enabled/);
  });

  it("fails a client well-known that still names the sliding-sync proxy", async () => {
    const network = healthy({ "org.matrix.msc3575.proxy": { url: "https://slidingsync.produktor.io" } });
    const check = result(await verify(org, network), "well-known client");
    assert.equal(check.outcome, "fail");
    assert.match(check.detail, /org\.matrix\.msc3575\.proxy is still published/);
  });

  it("skips the sliding sync request without a test user", async () => {
    const results = await verifyStack(targetOf(org), { network: healthy(), timeoutMs: 50 });
    assert.equal(result(results, "Element X sliding sync").outcome, "skip");
  });
});

describe("verify reads every proxy host's certificate (issue #27)", () => {
  const org = orgFor("produktor");

  it("passes each host's own certificate and records when it ends", async () => {
    const network = new FakeNetwork(org);
    const run = await probeRun(org, network);
    for (const host of targetOf(org).proxiedHosts) {
      const r = result(run.results, `TLS certificate of ${host}`);
      assert.equal(r.outcome, "pass", r.detail);
      assert.match(r.detail, /^valid until \d{4}-\d{2}-\d{2} \((79|80) days left\)$/);
    }
    const seen = run.certificates.map((c) => `${c.host}:${c.port}`).sort();
    assert.deepEqual(
      seen,
      [...targetOf(org).proxiedHosts.map((h) => `${h}:443`), "turn.produktor.io:5349"].sort(),
    );
  });

  it("fails an expired certificate and one for another name, naming the host", async () => {
    const network = new FakeNetwork(org);
    network.proxyCertificates.set("element.produktor.io", {
      validFrom: new Date(Date.now() - 100 * DAY),
      validTo: new Date(Date.now() - DAY),
      dnsNames: ["element.produktor.io"],
    });
    network.proxyCertificates.set("chat.produktor.io", {
      validFrom: new Date(Date.now() - DAY),
      validTo: new Date(Date.now() + 89 * DAY),
      dnsNames: ["npm.example.org"],
    });
    const results = await verify(org, network);
    const expired = result(results, "TLS certificate of element.produktor.io");
    assert.equal(expired.outcome, "fail");
    assert.match(expired.detail, /serves a certificate that expired on/);
    assert.match(expired.fix!, /Renew Now/);
    const other = result(results, "TLS certificate of chat.produktor.io");
    assert.match(other.detail, /presents a certificate for npm\.example\.org: clients refuse it/);
    assert.equal(result(results, "TLS certificate of meet.produktor.io").outcome, "pass");
  });
});

describe("verify checks from outside that no metrics endpoint answers (issue #27)", () => {
  const org = orgFor("produktor");

  it("passes when the ports are closed and Synapse's metrics are not proxied", async () => {
    const network = new FakeNetwork(org);
    const results = await verify(org, network);
    assert.equal(result(results, "Synapse metrics not served through the proxy").outcome, "pass");
    const ports = result(results, "metrics ports closed from outside");
    assert.equal(ports.outcome, "pass", ports.detail);
    assert.equal(ports.detail, "9090, 9093, 6789, 9641 on 203.0.113.10: no connection");
  });

  it("fails naming each port that answers, and Synapse's metrics through the proxy", async () => {
    const network = new FakeNetwork(org);
    network.closedPorts = new Set([9090, 9093]);
    network.route("https://chat.produktor.io/_synapse/metrics", { status: 200 });
    const results = await verify(org, network);
    const ports = result(results, "metrics ports closed from outside");
    assert.equal(ports.outcome, "fail");
    assert.match(
      ports.detail,
      /6789 \(LiveKit's metrics, ports\.livekitMetrics\), .*9641 \(coturn's exporter/,
    );
    assert.match(
      result(results, "Synapse metrics not served through the proxy").detail,
      /HTTP 200: anyone can read/,
    );
  });

  it("with TURN on 443, checks the second WAN address too, and names a port open there", async () => {
    const on443 = orgFor("produktor", { turn: { tls: true, port443Ip: "203.0.113.11" } });
    const network = new FakeNetwork(on443);
    network.addresses.set(on443.hosts.turn, "203.0.113.11");
    const closed = result(await verify(on443, network), "metrics ports closed from outside");
    assert.equal(closed.detail, "9090, 9093, 6789, 9641 on 203.0.113.10 and 203.0.113.11: no connection");
    assert.ok(network.connections.includes("203.0.113.11:6789"));
    // The router forwards everything of the second address, not just 443 and TURN's ports.
    const open = new FakeNetwork(on443);
    open.tcpConnects = async (host: string, port: number) => {
      if (host !== "203.0.113.11" && open.closedPorts.has(port))
        throw new Error(`connect ECONNREFUSED ${host}:${port}`);
    };
    const exposed = result(await verify(on443, open), "metrics ports closed from outside");
    assert.equal(exposed.outcome, "fail");
    assert.match(exposed.detail, /^203\.0\.113\.11:9090 \(Prometheus, ports\.prometheus\), /);
    assert.doesNotMatch(exposed.detail, /203\.0\.113\.10:/);
  });

  it("are skipped by the call probe and without the monitoring", async () => {
    const network = new FakeNetwork(org);
    const run = await probeRun(org, network);
    assert.ok(!run.results.some((r) => /metrics/.test(r.name)));
    const off = orgFor("produktor", { components: { monitoring: false } });
    const results = await verify(off, new FakeNetwork(off));
    assert.ok(!results.some((r) => /metrics/.test(r.name)));
  });
});

describe("the call probe's run is bounded (issue #27)", () => {
  const org = orgFor("produktor");

  it("allocates once (UDP), asks one token and joins once, shares no room and logs its session out", async () => {
    const network = new FakeNetwork(org);
    const joins: string[] = [];
    network.tokenAndJoin = async (endpoint: string) => {
      joins.push(endpoint);
      return `joined via /${endpoint}`;
    };
    const run = await probeRun(org, network);
    assert.deepEqual(
      network.allocations.map((s) => `${s.transport} ${s.port}`),
      ["udp 3478"],
    );
    assert.deepEqual(joins, ["get_token"]);
    assert.ok(!run.results.some((r) => r.name.startsWith("federation both ways")));
    assert.ok(!run.results.some((r) => r.name.includes("/sfu/get")));
    assert.equal(network.requests.at(-1), "POST https://chat.produktor.io/_matrix/client/v3/logout");
    // No room a run would leave behind, and no peer's token to ask with (issue #29's checks are verify's alone).
    assert.ok(!network.requests.some((r) => r.endsWith("/createRoom")), network.requests.join("\n"));
    assert.ok(!run.results.some((r) => r.name === "members may join calls in new rooms"));
    assert.deepEqual(network.guests, []);
    for (const name of ["TURN allocation over UDP", "MatrixRTC token via /get_token and a LiveKit join"])
      assert.equal(result(run.results, name).outcome, "pass", name);
  });

  it("from the LAN: skips the TURN host's DNS check and reaches LiveKit's ICE/TCP port at the LAN address", async () => {
    const network = new FakeNetwork(org);
    const run = await probeRun(org, network, { lanAddresses: { "203.0.113.10": "192.0.2.10" } });
    assert.equal(result(run.results, "TURN host resolves to the public IP").outcome, "skip");
    const ice = result(run.results, "LiveKit ICE/TCP port");
    assert.equal(ice.detail, "203.0.113.10:7881 accepts connections (reached at 192.0.2.10 on the LAN)");
    assert.ok(network.connections.includes("192.0.2.10:7881"));
  });
});
