/**
 * verify's checks of issue #29 against the fake network: LiveKit's WebSocket through the proxy (field failure 6),
 * coturn's TLS listener (20, 21), TURN on the second address's 443 (32), members and peers joining calls (29, 7).
 * Each failure names its cause; the Docker lab runs the same checks against the deployed fleet.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { judgeUpgradeAnswer } from "../verify/livekit-websocket";
import { CheckFailure } from "../verify/context";
import { FakeNetwork, result, verify } from "./fake-verify-network";
import { orgFor } from "./helpers";

const org = orgFor("produktor");
const WS = "LiveKit WebSocket answers";

describe("verify: LiveKit's WebSocket through the proxy (field failure 6)", () => {
  it("passes on LiveKit's own refusal of a token-less join, asked on the signalling path", async () => {
    const network = new FakeNetwork(org);
    const r = result(await verify(org, network), WS);
    assert.equal(r.outcome, "pass", r.detail);
    assert.deepEqual(network.upgrades, ["https://matrix-rtc.produktor.io/livekit/sfu/rtc"]);
    assert.match(r.detail, /401 "no permissions to access the room": LiveKit's own refusal/);
  });

  it("names the proxy's dropped WebSocket headers when LiveKit answers as to a plain request (404, no body)", async () => {
    const network = new FakeNetwork(org);
    network.upgradeAnswer = { status: 404, body: "" };
    const r = result(await verify(org, network), WS);
    assert.equal(r.outcome, "fail");
    assert.match(r.detail, /the proxy dropped the Upgrade and Connection headers/);
    assert.match(r.fix!, /advanced config, where a regenerated file keeps it.*NginxProxyManager#5699/);
  });

  it("names the proxy for any other answer: its 502, its own 404 page, a 401 that is not LiveKit's", () => {
    const url = "https://matrix-rtc.produktor.io/livekit/sfu/rtc";
    const failure = (answer: { status: number; body: string; server?: string }) => {
      try {
        judgeUpgradeAnswer(url, answer);
      } catch (error) {
        assert.ok(error instanceof CheckFailure);
        return error.message;
      }
      return assert.fail("passed");
    };
    assert.match(
      failure({ status: 502, body: "<html>Bad Gateway</html>", server: "openresty" }),
      /reaches no LiveKit/,
    );
    assert.match(
      failure({ status: 404, body: "<html><h1>404 Not Found</h1></html>" }),
      /no \/livekit\/sfu\/ route/,
    );
    assert.match(
      failure({ status: 401, body: "<html>401 Authorization Required</html>", server: "openresty" }),
      /answered 401 \(Server: openresty\): 401 Authorization Required: the proxy, not LiveKit, answered/,
    );
  });
});

describe("verify: coturn's TLS listener, told apart from outside (field failures 20, 21)", () => {
  const name = "coturn's TLS certificate on 5349";

  it("no TLS listener while coturn answers TURN over TCP: it could not read its key or certificate", async () => {
    const network = new FakeNetwork(org);
    network.turnListeners.delete("203.0.113.10:5349");
    const results = await verify(org, network);
    assert.equal(result(results, "TURN allocation over TCP").outcome, "pass");
    const r = result(results, name);
    assert.equal(r.outcome, "fail");
    assert.match(
      r.detail,
      /nothing listens on 203\.0\.113\.10:5349 while coturn answers TURN over TCP on 3478/,
    );
    assert.match(r.detail, /cannot read its key or certificate \(uid 65534 reads them\)/);
    assert.match(r.fix!, /readable by uid 65534.*docker restart matrix-produktor-coturn/);
  });

  it("no TLS listener and no coturn at all: only that nothing listens, not a guess about the key", async () => {
    const network = new FakeNetwork(org);
    network.turnListeners.clear();
    const r = result(await verify(org, network), name);
    assert.match(r.detail, /^no TLS listener on 203\.0\.113\.10:5349 \(connection refused\)$/);
  });

  it("a listener that fails the handshake holds a certificate and key OpenSSL refused", async () => {
    const network = new FakeNetwork(org);
    network.handshakeError = "ECONNRESET";
    const r = result(await verify(org, network), name);
    assert.match(r.detail, /takes the connection but fails the handshake \(ECONNRESET\)/);
    assert.match(r.fix!, /full chain and private key of one certificate for turn\.produktor\.io/);
  });
});

describe("verify: TURN on 443 of a second WAN address (field failure 32)", () => {
  const on443 = orgFor("produktor", { turn: { tls: true, port443Ip: "203.0.113.11" } });

  function network443(): FakeNetwork {
    const network = new FakeNetwork(on443);
    network.addresses.set(on443.hosts.turn, "203.0.113.11");
    network.turnListeners = new Set(["203.0.113.11:3478", "203.0.113.11:5349", "203.0.113.11:443"]);
    network.route(`https://${on443.hosts.homeserver}/_matrix/client/v3/voip/turnServer`, {
      status: 200,
      body: {
        username: "1:@verify",
        password: "p",
        uris: [
          "turn:turn.produktor.io:3478?transport=udp",
          "turn:turn.produktor.io:3478?transport=tcp",
          "turns:turn.produktor.io:5349?transport=tcp",
          "turn:turn.produktor.io:443?transport=tcp",
          "turns:turn.produktor.io:443?transport=tcp",
        ],
        ttl: 3600,
      },
    });
    return network;
  }

  it("the TURN name resolves to the second address, and both 443 URIs allocate there", async () => {
    const network = network443();
    const results = await verify(on443, network);
    assert.equal(result(results, "TURN host resolves to the public IP").outcome, "pass");
    for (const check of [
      "TURN allocation over TCP (turn:turn.produktor.io:443?transport=tcp)",
      "TURN allocation over TLS (turns:turn.produktor.io:443?transport=tcp)",
    ])
      assert.equal(result(results, check).outcome, "pass", check);
    assert.ok(
      network.allocations.some((a) => a.host === "203.0.113.11" && a.port === 443 && a.transport === "tls"),
    );
    // The relay stays on the main address: coturn's external-ip.
    assert.equal(result(results, "TURN allocation over UDP").outcome, "pass");
  });

  it("a router without the 443 forward: the failure names the second address and coturn's TLS port", async () => {
    const network = network443();
    network.turnListeners.delete("203.0.113.11:443");
    const r = result(
      await verify(on443, network),
      "TURN allocation over TLS (turns:turn.produktor.io:443?transport=tcp)",
    );
    assert.equal(r.outcome, "fail");
    assert.match(r.fix!, /forward tcp\/443 of 203\.0\.113\.11 to coturn's TLS port 5349/);
  });

  it("a TURN name still on the main address", async () => {
    const network = network443();
    network.addresses.set(on443.hosts.turn, "203.0.113.10");
    const r = result(await verify(on443, network), "TURN host resolves to the public IP");
    assert.equal(r.outcome, "fail");
    assert.match(
      r.fix!,
      /turn\.port443Ip 203\.0\.113\.11, the address whose TCP 443 the router forwards to coturn/,
    );
  });
});

describe("verify: who may join calls (field failures 29 and 7)", () => {
  it("new rooms of every preset let a member send the call membership", async () => {
    const r = result(await verify(org, new FakeNetwork(org)), "members may join calls in new rooms");
    assert.equal(r.outcome, "pass", r.detail);
    assert.match(r.detail, /private_chat 0\/0, trusted_private_chat 0\/0, public_chat 0\/0/);
  });

  it("Synapse's own levels (no override): only moderators can join calls, and the fix says where", async () => {
    const network = new FakeNetwork(org);
    network.roomLevels = { users_default: 0, state_default: 50, events: { "m.room.name": 50 } };
    const r = result(await verify(org, network), "members may join calls in new rooms");
    assert.equal(r.outcome, "fail");
    assert.match(
      r.detail,
      /in a new private_chat room org\.matrix\.msc3401\.call\.member needs level 50 and a member has 0/,
    );
    assert.match(r.fix!, /default_power_level_content_override.*rooms made before keep their levels/);
  });

  it("a peer's user gets a token from our lk-jwt-service, checked at the peer's names", async () => {
    const network = new FakeNetwork(org);
    network.route("https://pro-dukt.de/.well-known/matrix/client", {
      status: 200,
      body: { "m.homeserver": { base_url: "https://chat.pro-dukt.de" } },
    });
    network.route("https://pro-dukt.de/.well-known/matrix/server", {
      status: 200,
      body: { "m.server": "chat.pro-dukt.de:443" },
    });
    network.route("https://chat.pro-dukt.de/_matrix/client/v3/account/whoami", {
      status: 200,
      body: { user_id: "@verify:pro-dukt.de" },
    });
    network.route(
      `https://chat.pro-dukt.de/_matrix/client/v3/user/${encodeURIComponent("@verify:pro-dukt.de")}/openid/request_token`,
      { status: 200, body: { access_token: "peer-openid", matrix_server_name: "pro-dukt.de" } },
    );
    const name = "MatrixRTC token for a pro-dukt.de user from our lk-jwt-service";
    const passed = result(await verify(org, network, { "pro-dukt.de": "peer-token" }), name);
    assert.equal(passed.outcome, "pass", passed.detail);
    assert.deepEqual(network.guests[0]!.names, ["pro-dukt.de", "chat.pro-dukt.de"]);
    assert.equal(network.guests[0]!.userId, "@verify:pro-dukt.de");
    network.guestAnswers = false;
    const failed = result(await verify(org, network, { "pro-dukt.de": "peer-token" }), name);
    assert.equal(failed.outcome, "fail");
    const skipped = result(await verify(org, network), name);
    assert.equal(skipped.outcome, "skip");
    assert.match(skipped.detail, /no test token for pro-dukt\.de/);
  });
});
