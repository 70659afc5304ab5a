import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { renderPlanFiles } from "../config-templates/files";
import { StackPlan } from "../config-templates/plan";
import { placeholderSecrets } from "../facts/secrets";
import { STACKS, fakeSecrets, planFor } from "./helpers";
import { parseEnvFile, parseTurnserverConf, parseYaml } from "./parse-formats";
import { NpmProxyHost, advancedLocation, wellKnownLocationsOf } from "../config-templates/npm-proxy-hosts";
import { turnRestCredentials } from "../verify/turn-client";

const secrets = fakeSecrets();
const filesOf = (stack: string, changes: Record<string, unknown> = {}) =>
  renderPlanFiles(planFor(stack, changes, secrets));

const render = (plan: StackPlan) => renderPlanFiles(plan);

describe("Synapse homeserver.yaml", () => {
  it("delegates produktor.io to chat.produktor.io and whitelists exactly its two peers", () => {
    const hs = parseYaml(filesOf("produktor").homeserver!);
    assert.equal(hs.server_name, "produktor.io");
    assert.equal(hs.public_baseurl, "https://chat.produktor.io/");
    assert.equal(hs.report_stats, false);
    assert.deepEqual(hs.federation_domain_whitelist, ["pro-dukt.de", "medex-pflegedienst.de"]);
    assert.deepEqual(hs.trusted_key_servers, []);
  });

  it("writes an empty whitelist for moda1, which Synapse reads as: federate with nobody", () => {
    const hs = parseYaml(filesOf("moda1").homeserver!);
    assert.ok("federation_domain_whitelist" in hs, "an absent whitelist would mean open federation");
    assert.deepEqual(hs.federation_domain_whitelist, []);
  });

  it("enables MatrixRTC for old and new clients: msc4143 with a non-empty transport, msc4222, delayed events, rate limits", () => {
    const hs = parseYaml(filesOf("pro-dukt").homeserver!);
    assert.deepEqual(hs.experimental_features, { msc4143_enabled: true, msc4222_enabled: true });
    assert.deepEqual(hs.matrix_rtc, {
      transports: [{ type: "livekit", livekit_service_url: "https://matrix-rtc.pro-dukt.de/livekit/jwt" }],
    });
    assert.equal(hs.max_event_delay_duration, "24h");
    assert.deepEqual(hs.rc_message, { per_second: 0.5, burst_count: 30 });
    // lk-jwt-service 0.6.0 restarts 80 members' leave events from one address: 80 / 8 s x 1.5 = 15/s, burst 120.
    assert.deepEqual(hs.rc_delayed_event_mgmt, { per_second: 15, burst_count: 120 });
  });

  it("leaves MatrixRTC keys out where LiveKit is not deployed (moda1)", () => {
    const hs = parseYaml(filesOf("moda1").homeserver!);
    assert.equal(hs.experimental_features, undefined);
    assert.equal(hs.matrix_rtc, undefined);
  });

  it("hands out TURN URIs on coturn's ports, UDP and TCP, plus TURNS where TLS is on", () => {
    assert.deepEqual(parseYaml(filesOf("produktor").homeserver!).turn_uris, [
      "turn:turn.produktor.io:3478?transport=udp",
      "turn:turn.produktor.io:3478?transport=tcp",
      "turns:turn.produktor.io:5349?transport=tcp",
    ]);
    assert.deepEqual(parseYaml(filesOf("medex").homeserver!).turn_uris, [
      "turn:turn.medex-pflegedienst.de:3478?transport=udp",
      "turn:turn.medex-pflegedienst.de:3478?transport=tcp",
    ]);
  });

  it("serves client + federation (which includes openid for lk-jwt-service) behind the proxy", () => {
    const hs = parseYaml(filesOf("produktor").homeserver!);
    const [listener] = hs.listeners as Array<Record<string, unknown>>;
    assert.equal(listener!.x_forwarded, true);
    assert.equal(listener!.port, 8008);
    assert.deepEqual((listener!.resources as Array<{ names: string[] }>)[0]!.names, ["client", "federation"]);
  });

  it("uses PostgreSQL with the generated password", () => {
    const hs = parseYaml(filesOf("produktor").homeserver!);
    const database = hs.database as { name: string; args: Record<string, unknown> };
    assert.equal(database.name, "psycopg2");
    assert.equal(database.args.password, secrets.postgres_password);
  });

  it("writes a Python logging dictConfig as log config", () => {
    const log = parseYaml(filesOf("produktor").synapseLogConfig!);
    assert.equal(log.version, 1);
    assert.deepEqual((log.root as { handlers: string[] }).handlers, ["console"]);
  });
});

describe("coturn turnserver.conf", () => {
  it("shares the TURN secret with Synapse through use-auth-secret, never lt-cred-mech", () => {
    const files = filesOf("produktor");
    const conf = parseTurnserverConf(files.coturn!);
    const hs = parseYaml(files.homeserver!);
    assert.deepEqual(conf.get("use-auth-secret"), [""]);
    assert.equal(conf.has("lt-cred-mech"), false);
    assert.deepEqual(conf.get("static-auth-secret"), [hs.turn_shared_secret]);
    assert.equal(hs.turn_shared_secret, secrets.turn_shared_secret);
  });

  it("announces public/private external-ip, the relay range and realm", () => {
    const conf = parseTurnserverConf(filesOf("produktor").coturn!);
    assert.deepEqual(conf.get("external-ip"), ["203.0.113.10/192.0.2.10"]);
    assert.deepEqual(conf.get("min-port"), ["49160"]);
    assert.deepEqual(conf.get("max-port"), ["49200"]);
    assert.deepEqual(conf.get("realm"), ["produktor.io"]);
    assert.deepEqual(conf.get("listening-port"), ["3478"]);
    assert.deepEqual(conf.get("tls-listening-port"), ["5349"]);
  });

  it("uses only the public address when the host is not behind NAT (moda1)", () => {
    const conf = parseTurnserverConf(filesOf("moda1").coturn!);
    assert.deepEqual(conf.get("external-ip"), ["198.51.100.40"]);
  });

  it("carries Synapse's recommended hardening", () => {
    const conf = parseTurnserverConf(filesOf("medex").coturn!);
    for (const flag of ["no-tcp-relay", "no-multicast-peers"]) assert.ok(conf.has(flag), flag);
    const denied = conf.get("denied-peer-ip") ?? [];
    for (const range of [
      "10.0.0.0-10.255.255.255",
      "172.16.0.0-172.31.255.255",
      "192.168.0.0-192.168.255.255",
      "127.0.0.0-127.255.255.255",
      "100.64.0.0-100.127.255.255",
      "169.254.0.0-169.254.255.255",
      "fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
      "::1",
    ]) {
      assert.ok(denied.includes(range), `denied-peer-ip ${range}`);
    }
    assert.deepEqual(conf.get("user-quota"), ["12"]);
    assert.deepEqual(conf.get("total-quota"), ["1200"]);
  });
});

describe("Synapse for shared-IP offices (field failures 14, 15)", () => {
  it("renders the rate limits Element Call documents and takes the client's address from the proxy", () => {
    const hs = parseYaml(filesOf("pro-dukt").homeserver!);
    // element-call v0.24.0 docs/self_hosting.md: rc_message 0.5/30, rc_delayed_event_mgmt 1/20; both are
    // RatelimitSettings sections {per_second, burst_count} in synapse 1.157.1 config/ratelimiting.py.
    assert.deepEqual(hs.rc_message, { per_second: 0.5, burst_count: 30 });
    assert.deepEqual(hs.rc_delayed_event_mgmt, { per_second: 15, burst_count: 120 });
    // config/server.py parse_listener_def: x_forwarded defaults to false for TCP listeners.
    const listeners = hs.listeners as Array<Record<string, unknown>>;
    assert.deepEqual(
      listeners.filter((l) => l.type === "http").map((l) => [l.port, l.x_forwarded]),
      [[8008, true]],
    );
  });

  it("renders Element Call's own rc_delayed_event_mgmt where lk-jwt-service delegates no leave (0.5.0)", () => {
    // Each member restarts its own leave event, per user with its token (Synapse 1.156.0 and later): Element Call's
    // documented 1/s, burst 20 (element-call v0.24.0 docs/self_hosting.md).
    const hs = parseYaml(
      filesOf("pro-dukt", { images: { lkJwt: "ghcr.io/element-hq/lk-jwt-service:0.5.0" } }).homeserver!,
    );
    assert.deepEqual(hs.rc_delayed_event_mgmt, { per_second: 1, burst_count: 20 });
  });

  it("renders no MatrixRTC rate limits where there is no MatrixRTC, and keeps x_forwarded", () => {
    const hs = parseYaml(filesOf("moda1").homeserver!);
    assert.equal(hs.rc_message, undefined);
    assert.equal(hs.rc_delayed_event_mgmt, undefined);
    assert.equal((hs.listeners as Array<Record<string, unknown>>)[0]!.x_forwarded, true);
  });
});

describe("LiveKit and lk-jwt-service", () => {
  it("pins node_ip to the public IP coturn announces, with STUN discovery off", () => {
    const files = filesOf("produktor");
    const livekit = parseYaml(files.livekit!);
    const rtc = livekit.rtc as Record<string, unknown>;
    assert.equal(rtc.node_ip, "203.0.113.10");
    assert.equal(rtc.use_external_ip, false);
    const coturnExternal = parseTurnserverConf(files.coturn!).get("external-ip")![0]!.split("/")[0];
    assert.equal(rtc.node_ip, coturnExternal);
    assert.equal(rtc.tcp_port, 7881);
    assert.equal(rtc.port_range_start, 50100);
    assert.equal(rtc.port_range_end, 50200);
    assert.deepEqual(livekit.room, { auto_create: false });
  });

  // The yaml tags of TURNServer, livekit-server@v1.13.5 pkg/config/config.go lines 165-179.
  const TURN_SERVER_TAGS = [
    "host",
    "port",
    "protocol",
    "username",
    "credential",
    "secret",
    "secret_file",
    "ttl",
  ];
  // Docker's local-scope default address pools (docker/docker@v28.5.2 libnetwork/ipamutils/utils.go), as ranges.
  const DOCKER_POOLS: Array<[string, string]> = [
    ["172.17.0.0", "172.31.255.255"],
    ["192.168.0.0", "192.168.255.255"],
  ];
  const ipv4 = (a: string) => a.split(".").reduce((n, p) => n * 256 + Number(p), 0);

  it("hands LiveKit's clients the stack's coturn, with coturn's own secret, on coturn's own ports", () => {
    const files = filesOf("produktor");
    const rtc = parseYaml(files.livekit!).rtc as Record<string, unknown>;
    const conf = parseTurnserverConf(files.coturn!);
    const hs = parseYaml(files.homeserver!);
    const servers = rtc.turn_servers as Array<Record<string, unknown>>;
    for (const server of servers) {
      for (const key of Object.keys(server))
        assert.ok(TURN_SERVER_TAGS.includes(key), `TURNServer has ${key}`);
      // With secret set, iceServersForParticipant mints "<expiry>:<participant>" / HMAC-SHA1 credentials, the
      // TURN REST scheme coturn's use-auth-secret checks against static-auth-secret.
      assert.equal(server.secret, conf.get("static-auth-secret")![0]);
      assert.equal(server.secret, hs.turn_shared_secret);
      assert.ok(conf.has("use-auth-secret"));
      assert.equal(server.username, undefined, "static credentials coturn would refuse");
      assert.ok(Number(server.ttl) > 0, "0 would mean LiveKit's default, unwritten");
    }
    // Each entry is one of Synapse's TURN URIs: the same host and ports coturn listens on.
    const uris = servers.map((s) =>
      s.protocol === "tls"
        ? `turns:${String(s.host)}:${String(s.port)}?transport=tcp`
        : `turn:${String(s.host)}:${String(s.port)}?transport=${String(s.protocol)}`,
    );
    assert.deepEqual(uris.sort(), [...(hs.turn_uris as string[])].sort());
    assert.equal(String(servers.find((s) => s.protocol === "tls")!.port), conf.get("tls-listening-port")![0]);
    assert.equal(String(servers.find((s) => s.protocol === "udp")!.port), conf.get("listening-port")![0]);
  });

  it("has LiveKit mint from that secret the credentials coturn accepts from Synapse's scheme", () => {
    const secret = "coturn-static-auth-secret";
    const now = 1_780_000_000_000;
    // livekit-server@v1.13.5 pkg/service/roommanager.go 1098-1112, transcribed: expiry = now + ttl (unix seconds),
    // username = "<expiry>:<participant SID>", credential = base64.StdEncoding(HMAC-SHA1(secret, username)).
    const ttl = Number(
      (parseYaml(filesOf("produktor").livekit!).rtc as { turn_servers: Array<{ ttl: number }> })
        .turn_servers[0]!.ttl,
    );
    const username = `${Math.floor(now / 1000) + ttl}:PA_participant`;
    const credential = createHmac("sha1", secret).update(username).digest("base64");
    // The TURN REST credentials the labs allocate on the real coturn with (verify/turn-client.ts, Synapse's voip.py).
    assert.deepEqual(turnRestCredentials(secret, "PA_participant", ttl, now), {
      username,
      password: credential,
    });
  });

  it("offers no TLS entry when coturn has no TLS listener, and no TURN servers without coturn", () => {
    const servers = (parseYaml(filesOf("medex").livekit!).rtc as Record<string, unknown>).turn_servers;
    assert.deepEqual(
      (servers as Array<Record<string, unknown>>).map((s) => s.protocol),
      ["udp", "tcp"],
    );
    const noCoturn = parseYaml(filesOf("medex", { components: { coturn: false } }).livekit!);
    assert.equal((noCoturn.rtc as Record<string, unknown>).turn_servers, undefined);
  });

  it("lets LiveKit gather ICE candidates only on the Docker host's own address, never a bridge", () => {
    for (const [stack, address] of [
      ["produktor", "192.0.2.10"],
      ["medex", "192.0.2.40"],
    ] as const) {
      const rtc = parseYaml(filesOf(stack).livekit!).rtc as Record<string, unknown>;
      // rtcconfig.IPsConfig {includes, excludes}: CIDRs for net.ParseCIDR, tested on the local address.
      assert.deepEqual(rtc.ips, { includes: [`${address}/32`] });
      for (const [first, last] of DOCKER_POOLS)
        assert.ok(ipv4(address) < ipv4(first) || ipv4(address) > ipv4(last), `${address} outside ${first}`);
    }
    const onPublic = parseYaml(filesOf("pro-dukt", { network: { lanIp: null, lanAccess: null } }).livekit!);
    assert.deepEqual((onPublic.rtc as Record<string, unknown>).ips, { includes: ["203.0.113.20/32"] });
  });

  it("gives lk-jwt-service the key pair LiveKit knows and the public WSS URL", () => {
    const files = filesOf("pro-dukt");
    const livekit = parseYaml(files.livekit!);
    const env = parseEnvFile(files.lkJwt!);
    assert.deepEqual(livekit.keys, { [secrets.livekit_api_key]: secrets.livekit_api_secret });
    assert.equal(env.LIVEKIT_KEY, secrets.livekit_api_key);
    assert.equal(env.LIVEKIT_SECRET, secrets.livekit_api_secret);
    assert.equal(env.LIVEKIT_URL, "wss://matrix-rtc.pro-dukt.de/livekit/sfu");
    assert.equal(env.LIVEKIT_FULL_ACCESS_HOMESERVERS, "pro-dukt.de");
    assert.equal(
      env.LIVEKIT_JWT_BIND,
      undefined,
      "any bind value breaks the healthcheck newer images build from it",
    );
    assert.equal(env.LIVEKIT_JWT_PORT, undefined);
  });

  it("points lk-jwt-service's own public names at the proxy's LAN address, for exactly those names", () => {
    const produktor = planFor("produktor");
    // OpenID (server-name resolution, then userinfo on m.server) and LIVEKIT_URL's RoomService.
    assert.deepEqual(
      produktor.lkJwtHosts!.map(({ name, ip }) => [name, ip]),
      [
        ["produktor.io", "192.0.2.20"],
        ["chat.produktor.io", "192.0.2.20"],
        ["matrix-rtc.produktor.io", "192.0.2.20"],
      ],
    );
    assert.match(
      render(produktor).summary!,
      /\| matrix-rtc\.produktor\.io \| 192\.0\.2\.20 \| room creation/,
    );
    assert.match(render(produktor).summary!, /no hairpin NAT|needs no hairpin NAT/);
    // A delegated well-known host is reached after the server name's redirect; a server name served elsewhere
    // (here: the homeserver host is the server name's own) gets one entry, and only the proxy's own names count.
    const delegated = planFor("pro-dukt", {
      hosts: { wellKnown: "www.pro-dukt.de", homeserver: "pro-dukt.de" },
      proxy: { lanIp: "192.0.2.99" },
    });
    // The homeserver host (here the server name) is also where lk-jwt-service 0.6.0 restarts delegated leave events.
    assert.deepEqual(
      delegated.lkJwtHosts!.map(({ name, ip, why }) => [name, ip, why.split(";").length]),
      [
        ["pro-dukt.de", "192.0.2.99", 3],
        ["www.pro-dukt.de", "192.0.2.99", 1],
        ["matrix-rtc.pro-dukt.de", "192.0.2.99", 1],
      ],
    );
    const previous = planFor("pro-dukt", {
      hosts: { wellKnown: "www.pro-dukt.de", homeserver: "pro-dukt.de" },
      proxy: { lanIp: "192.0.2.99" },
      images: { lkJwt: "ghcr.io/element-hq/lk-jwt-service:0.5.0" },
    });
    assert.deepEqual(
      previous.lkJwtHosts!.map(({ why }) => why.includes("delegated leave")),
      [false, false, false],
      "lk-jwt-service 0.5.0 delegates nothing",
    );
    // An LIVEKIT_URL override naming a host the proxy does not serve gets no entry (preflight refuses it anyway).
    const internal = planFor("medex", { overrides: { lkJwt: { LIVEKIT_URL: "ws://livekit:7880" } } });
    assert.deepEqual(
      internal.lkJwtHosts!.map((e) => e.name),
      ["medex-pflegedienst.de", "chat.medex-pflegedienst.de"],
    );
    assert.equal(planFor("moda1").lkJwtHosts, undefined);
    assert.doesNotMatch(render(planFor("moda1")).summary!, /lk-jwt-service reaches/);
  });

  it("renders no LiveKit or lk-jwt file for moda1", () => {
    const files = filesOf("moda1");
    assert.equal(files.livekit, undefined);
    assert.equal(files.lkJwt, undefined);
    assert.equal(files.jitsiJvb, undefined);
  });
});

describe("well-known files", () => {
  it("delegate federation to the homeserver on 443 and publish rtc_foci", () => {
    const files = filesOf("medex");
    assert.deepEqual(JSON.parse(files.wellKnownServer!), { "m.server": "chat.medex-pflegedienst.de:443" });
    assert.deepEqual(JSON.parse(files.wellKnownClient!), {
      "m.homeserver": { base_url: "https://chat.medex-pflegedienst.de" },
      "org.matrix.msc4143.rtc_foci": [
        { type: "livekit", livekit_service_url: "https://matrix-rtc.medex-pflegedienst.de/livekit/jwt" },
      ],
    });
  });

  it("omit rtc_foci without MatrixRTC", () => {
    assert.deepEqual(JSON.parse(filesOf("moda1").wellKnownClient!), {
      "m.homeserver": { base_url: "https://synapse.server.moda1.uk" },
    });
  });
});

describe("Element Web, Jitsi, Ketesa", () => {
  it("points Element at the homeserver with default_server_config only", () => {
    const config = JSON.parse(filesOf("produktor").elementWeb!);
    assert.deepEqual(config.default_server_config, {
      "m.homeserver": { base_url: "https://chat.produktor.io", server_name: "produktor.io" },
    });
    assert.equal(config.default_server_name, undefined);
    assert.equal(config.default_hs_url, undefined);
    assert.deepEqual(config.jitsi, { preferred_domain: "meet.produktor.io" });
  });

  it("gives Jitsi the shared TURN secret, coturn's TLS port and the public IP", () => {
    const files = filesOf("produktor");
    const prosody = parseEnvFile(files.jitsiProsody!);
    assert.equal(prosody.TURN_CREDENTIALS, secrets.turn_shared_secret);
    assert.equal(prosody.TURN_HOST, "turn.produktor.io");
    assert.equal(prosody.TURN_PORT, "3478");
    assert.equal(prosody.TURNS_PORT, "5349", "the image's default TURNS_PORT 443 collides with the proxy");
    const jvb = parseEnvFile(files.jitsiJvb!);
    // produktor's LAN resolves our names with split DNS (network.lanAccess): LAN clients get the Docker host's LAN
    // address too, each a static mapping of the container's own (docker-jitsi-meet jvb/rootfs/defaults/jvb.conf).
    assert.equal(jvb.JVB_ADVERTISE_IPS, "203.0.113.10,192.0.2.10");
    assert.equal(jvb.JVB_PORT, "10000");
    assert.equal(jvb.JVB_AUTH_PASSWORD, secrets.jvb_auth_password);
    assert.equal(parseEnvFile(files.jitsiJicofo!).JICOFO_AUTH_PASSWORD, secrets.jicofo_auth_password);
    assert.equal(prosody.JICOFO_AUTH_PASSWORD, secrets.jicofo_auth_password);
    assert.equal(parseEnvFile(files.jitsiWeb!).PUBLIC_URL, "https://meet.produktor.io");
  });

  it("sets on each Jitsi container only variables that service reads", () => {
    const files = filesOf("produktor", { jitsi: { enableAuth: true } });
    const reads = JSON.parse(
      fs.readFileSync(path.join(__dirname, "fixtures", "docker-jitsi-meet-env.json"), "utf8"),
    );
    const envs: Record<string, string> = {
      web: files.jitsiWeb!,
      prosody: files.jitsiProsody!,
      jicofo: files.jitsiJicofo!,
      jvb: files.jitsiJvb!,
    };
    for (const [service, text] of Object.entries(envs)) {
      const unknown = Object.keys(parseEnvFile(text)).filter((name) => !reads[service].includes(name));
      assert.deepEqual(unknown, [], `${service} does not read these`);
    }
  });

  it("locks Ketesa to the organisation's homeserver", () => {
    assert.deepEqual(JSON.parse(filesOf("pro-dukt").ketesa!), {
      restrictBaseUrl: "https://chat.pro-dukt.de",
    });
  });
});

describe("Nginx Proxy Manager proxy hosts", () => {
  const hostsOf = (stack: string): NpmProxyHost[] => JSON.parse(filesOf(stack).proxyHosts!);
  const byDomain = (stack: string, domain: string): NpmProxyHost => {
    const host = hostsOf(stack).find((h) => h.domain_names.includes(domain));
    assert.ok(host, `no proxy host for ${domain}`);
    return host;
  };

  it("routes /_matrix and /_synapse/client to Synapse", () => {
    const host = byDomain("produktor", "chat.produktor.io");
    const paths = host.locations.map((l) => [l.path, l.forward_port]);
    assert.deepEqual(paths.slice(0, 2), [
      ["/_matrix", 8008],
      ["/_synapse/client", 8008],
    ]);
    assert.equal(host.forward_host, "192.0.2.10");
    assert.equal(host.ssl_forced, true);
  });

  it("routes /livekit/jwt/ and /livekit/sfu/ with the prefix stripped, WebSocket upgrade and long timeouts", () => {
    const host = byDomain("produktor", "matrix-rtc.produktor.io");
    assert.equal(host.allow_websocket_upgrade, true);
    const jwt = host.locations.find((l) => l.path === "/livekit/jwt/")!;
    assert.equal(jwt.forward_port, 8082);
    assert.equal(jwt.forward_path, "/");
    // LiveKit's location is in the host's own text (NginxProxyManager#5699 regenerates files without the flag's
    // headers): NPM pastes advanced_config verbatim (backend/templates/proxy_host.conf @ v2.15.1).
    assert.deepEqual(
      host.locations.map((l) => l.path),
      ["/livekit/jwt/"],
    );
    const sfu = advancedLocation(host, "/livekit/sfu/")!;
    assert.ok(sfu, host.advanced_config);
    for (const line of [
      "proxy_set_header Upgrade $http_upgrade;",
      "proxy_set_header Connection $http_connection;",
      "proxy_http_version 1.1;",
      "proxy_set_header X-Forwarded-For $remote_addr;",
      "proxy_read_timeout 120s;",
      "proxy_pass http://192.0.2.10:7880/;",
    ])
      assert.ok(sfu.includes(line), `${line} in ${sfu}`);
  });

  it("lets the Jitsi host upgrade to WebSocket (the web container proxies XMPP over WebSocket to prosody), and only the hosts that need it", () => {
    // docker-jitsi-meet web/rootfs/defaults/meet.conf (docs/upstream/jitsi.md): with ENABLE_XMPP_WEBSOCKET (default
    // on) clients connect to /xmpp-websocket, which NPM passes on only with allow_websocket_upgrade.
    const jitsi = byDomain("produktor", "meet.produktor.io");
    assert.equal(jitsi.allow_websocket_upgrade, true);
    assert.equal(jitsi.forward_port, 8083);
    const upgrading = hostsOf("produktor")
      .filter((h) => h.allow_websocket_upgrade)
      .map((h) => h.domain_names[0]);
    assert.deepEqual(upgrading.sort(), ["matrix-rtc.produktor.io", "meet.produktor.io"]);
    assert.equal(
      hostsOf("medex").some((h) => h.domain_names[0]!.startsWith("meet.")),
      false,
      "no Jitsi host without Jitsi",
    );
  });

  it("serves both well-known files with Access-Control-Allow-Origin: * on the server name and the homeserver", () => {
    for (const domain of ["produktor.io", "chat.produktor.io"]) {
      const config = byDomain("produktor", domain).advanced_config;
      for (const file of ["server", "client"]) {
        const block = new RegExp(
          `location = /\\.well-known/matrix/${file} \\{[^}]*add_header Access-Control-Allow-Origin "\\*" always;[^}]*\\}`,
        );
        assert.match(config, block, `${domain} ${file}`);
      }
    }
  });

  it("never proxies the TURN host", () => {
    for (const stack of STACKS) {
      const domains = hostsOf(stack).flatMap((h) => h.domain_names);
      assert.ok(!domains.some((d) => d.startsWith("turn.")), `${stack}: ${domains.join(", ")}`);
    }
  });

  it("marks hosts for a Let's Encrypt certificate without the meta NPM v2.15 would not read", () => {
    const host = byDomain("medex", "chat.medex-pflegedienst.de");
    assert.equal(host.certificate_id, "new", "the NpmCertificate of its names (never sent to NPM as 'new')");
    assert.deepEqual(host.meta, {});
  });

  it("sends HSTS from the well-known locations too: their own add_header replaces the server's", () => {
    // nginx inherits add_header only into a level without one; NPM's HSTS line sits at server level
    // (docs/upstream/nginx-proxy-manager.md §6.7), so each location with a CORS header must repeat it.
    let checked = 0;
    for (const stack of STACKS) {
      for (const host of hostsOf(stack)) {
        for (const location of wellKnownLocationsOf(host)) {
          checked++;
          assert.match(location.nginx, /add_header Access-Control-Allow-Origin/);
          assert.match(
            location.nginx,
            /add_header Strict-Transport-Security \$hsts_header always;/,
            `${host.domain_names[0]}${location.path}`,
          );
        }
      }
    }
    assert.ok(checked >= 2 * STACKS.length, `${checked} well-known locations`);
  });
});

describe("placeholders and determinism", () => {
  it("writes one stable placeholder per secret, the same in every file that shares it", () => {
    const files = renderPlanFiles(planFor("produktor", {}, placeholderSecrets()));
    const turn = "{{secret:turn_shared_secret}}";
    assert.ok(files.homeserver!.includes(turn));
    assert.ok(files.coturn!.includes(`static-auth-secret=${turn}`));
    assert.ok(files.jitsiProsody!.includes(`TURN_CREDENTIALS=${turn}`));
    assert.ok(files.livekit!.includes('"{{secret:livekit_api_key}}": "{{secret:livekit_api_secret}}"'));
    assert.ok(files.lkJwt!.includes("LIVEKIT_SECRET={{secret:livekit_api_secret}}"));
  });

  it("renders byte-identical output for the same input", () => {
    assert.deepEqual(filesOf("produktor"), filesOf("produktor"));
  });
});
