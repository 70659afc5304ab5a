/**
 * The lab's call scenarios, one copy for both labs (lab/target.ts): real servers driven the way Element clients
 * and lk-jwt-service drive them. Assertion messages name the rendered setting that would explain a failure.
 * `callScenarios(target)` registers them; lab/calls.test.ts runs them on the process lab, lab/deploy/lab.test.ts
 * on the organisations deployed with the real `pulumi up`.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as https from "node:https";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import { lookup } from "node:dns/promises";
import * as fs from "node:fs";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";
import { AccessToken, RoomServiceClient } from "livekit-server-sdk";
import { TurnSession, TurnTransport, turnRestCredentials } from "../../verify/turn-client";
import { MatrixError, Session, call, get, login, post, registerWithSharedSecret } from "../matrix-client";
import { LabTarget } from "../target";
import { audioCall as placeCall, lkJwtEnv as renderedLkJwtEnv } from "../audio-call";

export function callScenarios(lab: LabTarget): void {
  type Homeserver = Record<string, unknown> & {
    registration_shared_secret: string;
    turn_shared_secret: string;
    turn_uris: string[];
  };
  const homeserver = (stack: string) =>
    yaml.load(lab.rendered(stack, "synapse/homeserver.yaml")) as Homeserver;
  const hsUrl = (stack: string) => `https://${lab.organisation(stack).hostnames[1]}`;
  const password = () => randomBytes(12).toString("hex");

  /** One user per organisation, registered with the rendered shared secret (directly: moda1 has no admin vhost). */
  const users = new Map<string, Session>();
  async function userOf(stack: string): Promise<Session> {
    const existing = users.get(stack);
    if (existing) return existing;
    const direct = `http://${lab.organisation(stack).hostAddress}:8008`;
    const name = `alice-${stack.replace(/[^a-z0-9]/g, "")}`;
    const secret = password();
    await registerWithSharedSecret(direct, homeserver(stack).registration_shared_secret, name, secret, false);
    const session = await login(hsUrl(stack), name, secret);
    users.set(stack, session);
    return session;
  }

  describe("Synapse on PostgreSQL behind the nginx front built from the rendered proxy hosts", () => {
    for (const stack of ["produktor", "pro-dukt"]) {
      it(`${stack}: answers /_matrix/client/versions over HTTPS`, async () => {
        const body = (await call(hsUrl(stack), "GET", "/_matrix/client/versions")) as { versions: string[] };
        assert.ok(body.versions.includes("v1.11"), JSON.stringify(body.versions));
      });

      it(`${stack}: serves both well-known files as JSON with Access-Control-Allow-Origin: * and HSTS`, async () => {
        const serverName = lab.organisation(stack).serverName;
        for (const file of ["server", "client"]) {
          const response = await fetch(`https://${serverName}/.well-known/matrix/${file}`);
          assert.equal(response.status, 200, `well-known/${file}`);
          assert.equal(
            response.headers.get("access-control-allow-origin"),
            "*",
            `well-known/${file} lacks the CORS header (proxy host advanced_config)`,
          );
          assert.match(response.headers.get("content-type") ?? "", /application\/json/);
          // The location's own add_header hides the server's HSTS header unless it repeats it (issue #18).
          assert.equal(
            response.headers.get("strict-transport-security"),
            "max-age=63072000; preload",
            `well-known/${file} lacks HSTS (proxy host advanced_config)`,
          );
          const rendered = JSON.parse(lab.rendered(stack, `well-known/${file}`));
          assert.deepEqual(await response.json(), rendered);
        }
        const client = JSON.parse(lab.rendered(stack, "well-known/client"));
        assert.ok(
          Array.isArray(client["org.matrix.msc4143.rtc_foci"]) &&
            client["org.matrix.msc4143.rtc_foci"].length === 1,
          "rtc_foci missing from the client well-known",
        );
      });
    }
  });

  describe("first admin with the rendered registration shared secret", () => {
    it("produktor: registers an admin through the homeserver vhost", async () => {
      const admin = await registerWithSharedSecret(
        hsUrl("produktor"),
        homeserver("produktor").registration_shared_secret,
        "admin",
        password(),
        true,
      );
      assert.equal(admin.userId, "@admin:produktor.io");
      const whois = await get(admin, `/_synapse/admin/v2/users/${encodeURIComponent(admin.userId)}`);
      assert.equal(whois.admin, true);
    });

    it("refuses a registration MAC made with another secret", async () => {
      await assert.rejects(
        registerWithSharedSecret(hsUrl("produktor"), "not-the-rendered-secret", "mallory", password(), true),
        (error: unknown) => error instanceof MatrixError && error.status === 403,
      );
    });
  });

  async function turnTarget(
    uri: string,
  ): Promise<{ host: string; address: string; port: number; transport: TurnTransport }> {
    const match = /^(turns?):([^:?]+):(\d+)\?transport=(udp|tcp)$/.exec(uri);
    assert.ok(match, `unexpected TURN URI ${uri}`);
    const [, scheme, host, port, transport] = match;
    const { address } = await lookup(host!);
    return {
      host: host!,
      address,
      port: Number(port),
      transport: scheme === "turns" ? "tls" : (transport as TurnTransport),
    };
  }

  describe("capacity: concurrent relays on the rendered relay range", () => {
    // Runs before any other moda1 allocation: coturn does not hand a released relay port out again at once.
    it("matches what render's summary tells the operator", async () => {
      const summary = lab.rendered("moda1", "summary.md");
      const promised = Number(/\*\*(\d+) concurrent relay allocations\*\*/.exec(summary)?.[1]);
      assert.ok(promised > 0, "summary.md states the relay capacity");
      const secret = homeserver("moda1").turn_shared_secret;
      const sessions: TurnSession[] = [];
      let allocated = 0;
      let refusal = "";
      try {
        // Bounded: never more than twice the promise.
        for (let i = 0; i < promised * 2; i++) {
          const session = await TurnSession.open({
            host: lab.organisation("moda1").publicAddress,
            port: 3478,
            transport: "udp",
          });
          sessions.push(session);
          // One user per allocation: the per-user quota is a separate limit.
          const { username, password: pass } = turnRestCredentials(secret, `@user${i}:moda1.uk`, 3600);
          const result = await session.allocate(username, pass);
          if (!result.relay) {
            refusal = `${result.errorCode} ${result.errorReason}`;
            break;
          }
          allocated++;
        }
      } finally {
        await Promise.all(sessions.map((session) => session.close()));
      }
      assert.equal(
        allocated,
        promised,
        `coturn allocated ${allocated} relays before refusing (${refusal}); summary.md promised ${promised}`,
      );
    });
  });

  describe("classic 1:1 VoIP: Synapse's TURN credentials on the real coturn", () => {
    for (const stack of ["produktor", "moda1"]) {
      it(`${stack}: /voip/turnServer hands out the rendered URIs, and they allocate relays (UDP, TCP${stack === "produktor" ? ", TLS" : ""})`, async () => {
        const session = await userOf(stack);
        const turn = (await get(session, "/_matrix/client/v3/voip/turnServer")) as {
          username: string;
          password: string;
          uris: string[];
          ttl: number;
        };
        assert.deepEqual(turn.uris, homeserver(stack).turn_uris);
        assert.ok(turn.ttl > 0);
        for (const uri of turn.uris) {
          const target = await turnTarget(uri);
          assert.equal(
            target.address,
            lab.organisation(stack).publicAddress,
            `${target.host} must resolve to the TURN server's own address`,
          );
          const turnSession = await TurnSession.open({
            host: target.address,
            port: target.port,
            transport: target.transport,
            servername: target.host,
            ca: fs.readFileSync(lab.organisation(stack).caFile, "utf8"),
          });
          try {
            const result = await turnSession.allocate(turn.username, turn.password);
            assert.ok(
              result.relay,
              `${uri}: allocation refused with ${result.errorCode} ${result.errorReason}: Synapse's turn_shared_secret and coturn's static-auth-secret must be one secret`,
            );
            assert.equal(result.relay.address, lab.organisation(stack).publicAddress);
          } finally {
            await turnSession.close();
          }
        }
      });
    }

    it("a credential made with a wrong secret gets 401", async () => {
      const { username, password: wrong } = turnRestCredentials("wrong-secret", "@eve:produktor.io", 3600);
      const session = await TurnSession.open({
        host: lab.organisation("produktor").publicAddress,
        port: 3478,
        transport: "udp",
      });
      try {
        const result = await session.allocate(username, wrong);
        assert.equal(result.relay, undefined);
        assert.equal(result.errorCode, 401);
      } finally {
        await session.close();
      }
    });

    it("the hardening refuses relaying towards a private-range peer, and allows a public one", async () => {
      const { username, password: secret } = turnRestCredentials(
        homeserver("produktor").turn_shared_secret,
        "@alice:produktor.io",
        3600,
      );
      const session = await TurnSession.open({
        host: lab.organisation("produktor").publicAddress,
        port: 3478,
        transport: "udp",
      });
      try {
        assert.ok((await session.allocate(username, secret)).relay);
        const denied = await session.createPermission("10.1.2.3");
        assert.equal(denied.ok, false, "denied-peer-ip must cover 10.0.0.0/8");
        assert.equal(denied.errorCode, 403);
        // A permission only installs state in coturn; no packet is sent to the peer.
        const allowed = await session.createPermission("8.8.8.8");
        assert.equal(allowed.ok, true, `public peer refused: ${allowed.errorCode} ${allowed.errorReason}`);
      } finally {
        await session.close();
      }
    });
  });

  describe("MatrixRTC: Synapse transports, OpenID as lk-jwt-service checks it, LiveKit with the rendered key pair", () => {
    it("Synapse's MSC4143 endpoint returns the LiveKit transport", async () => {
      const session = await userOf("produktor");
      const body = await get(session, "/_matrix/client/unstable/org.matrix.msc4143/rtc/transports");
      assert.deepEqual(
        body.rtc_transports,
        [{ type: "livekit", livekit_service_url: "https://matrix-rtc.produktor.io/livekit/jwt" }],
        "msc4143_enabled needs non-empty matrix_rtc.transports",
      );
    });

    it("an OpenID token from Synapse validates through the federation openid/userinfo endpoint", async () => {
      const session = await userOf("pro-dukt");
      const token = (await post(
        session,
        `/_matrix/client/v3/user/${encodeURIComponent(session.userId)}/openid/request_token`,
      )) as { access_token: string; matrix_server_name: string };
      assert.equal(token.matrix_server_name, "pro-dukt.de");
      // lk-jwt-service: resolve the server name's delegation, then ask the homeserver who the token belongs to.
      const delegation = (await call(
        `https://${token.matrix_server_name}`,
        "GET",
        "/.well-known/matrix/server",
      )) as { "m.server": string };
      const info = await call(
        `https://${delegation["m.server"]}`,
        "GET",
        `/_matrix/federation/v1/openid/userinfo?access_token=${encodeURIComponent(token.access_token)}`,
      );
      assert.equal(info.sub, session.userId);
    });

    it("LiveKit accepts a token minted with lk-jwt-service's rendered key pair, through the /livekit/sfu/ proxy path, and rejects another", async () => {
      const env = Object.fromEntries(
        lab
          .rendered("produktor", "lk-jwt/env")
          .split("\n")
          .filter((l) => l.includes("=") && !l.startsWith("#"))
          .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
      ) as Record<string, string>;
      assert.equal(env.LIVEKIT_URL, "wss://matrix-rtc.produktor.io/livekit/sfu");
      const validate = async (key: string, secret: string) => {
        const token = new AccessToken(key, secret, { identity: "@alice:produktor.io:DEVICE" });
        token.addGrant({ room: "lab-room", roomJoin: true, canPublish: true, canSubscribe: true });
        const url = `${env.LIVEKIT_URL!.replace("wss://", "https://")}/rtc/validate?access_token=${await token.toJwt()}`;
        return fetch(url, { signal: AbortSignal.timeout(10_000) });
      };
      // room.auto_create is false: like lk-jwt-service for a full-access user, create the room first. (The Node
      // server SDK drops a URL's path, so it talks to LiveKit's own listener rather than the /livekit/sfu/ prefix.)
      const rooms = new RoomServiceClient(
        `http://${lab.organisation("produktor").hostAddress}:7880`,
        env.LIVEKIT_KEY!,
        env.LIVEKIT_SECRET!,
      );
      const unknownRoom = await validate(env.LIVEKIT_KEY!, env.LIVEKIT_SECRET!);
      assert.notEqual(
        unknownRoom.status,
        401,
        `LiveKit refused lk-jwt-service's key pair: ${await unknownRoom.clone().text()}`,
      );
      assert.equal(
        unknownRoom.status,
        404,
        "a token for a room nobody created must not open it (room.auto_create: false)",
      );
      await rooms.createRoom({ name: "lab-room", emptyTimeout: 60 });
      const good = await validate(env.LIVEKIT_KEY!, env.LIVEKIT_SECRET!);
      assert.equal(good.status, 200, `LiveKit refused lk-jwt-service's key pair: ${await good.text()}`);
      const bad = await validate(env.LIVEKIT_KEY!, "x".repeat(48));
      assert.equal(bad.status, 401);
    });
  });

  describe("the /livekit/sfu/ proxy location carries LiveKit's WebSocket", () => {
    it("upgrades wss://<rtc host>/livekit/sfu/rtc to LiveKit's signalling WebSocket", async () => {
      const env = renderedLkJwtEnv(lab, "produktor");
      const token = new AccessToken(env.LIVEKIT_KEY!, env.LIVEKIT_SECRET!, { identity: "@ws:lab" });
      token.addGrant({ room: "lab-room", roomJoin: true });
      const url = new URL(
        `${env.LIVEKIT_URL!.replace("wss://", "https://")}/rtc?access_token=${await token.toJwt()}`,
      );
      const status = await new Promise<number>((resolve, reject) => {
        const request = https.request(url, {
          headers: {
            Connection: "Upgrade",
            Upgrade: "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": randomBytes(16).toString("base64"),
          },
          timeout: 10_000,
        });
        request.on("upgrade", (response, socket) => {
          socket.destroy();
          resolve(response.statusCode ?? 0);
        });
        request.on("response", (response) => resolve(response.statusCode ?? 0));
        request.on("timeout", () => request.destroy(new Error("no answer in 10 s")));
        request.on("error", reject);
        request.end();
      });
      assert.equal(status, 101, "the proxy must pass Upgrade/Connection and strip /livekit/sfu for LiveKit");
    });
  });

  describe("federation follows the rendered whitelists", () => {
    it("a pro-dukt user joins a produktor room over federation", async () => {
      const alice = await userOf("produktor");
      const bob = await userOf("pro-dukt");
      try {
        const room = (await post(alice, "/_matrix/client/v3/createRoom", {
          preset: "public_chat",
          invite: [bob.userId],
        })) as { room_id: string };
        const joined = await post(
          bob,
          `/_matrix/client/v3/join/${encodeURIComponent(room.room_id)}?server_name=produktor.io`,
        );
        assert.equal(joined.room_id, room.room_id);
      } catch (error) {
        throw new Error(
          `federation between produktor.io and pro-dukt.de failed; each must list the other in federation_domain_whitelist: ${(error as Error).message}`,
          { cause: error },
        );
      }
    });

    it("moda1 federates with nobody: its user cannot join a produktor room, nor be invited", async () => {
      const alice = await userOf("produktor");
      const carol = await userOf("moda1");
      const room = (await post(alice, "/_matrix/client/v3/createRoom", { preset: "public_chat" })) as {
        room_id: string;
      };
      await assert.rejects(
        post(carol, `/_matrix/client/v3/join/${encodeURIComponent(room.room_id)}?server_name=produktor.io`),
        (error: unknown) => error instanceof MatrixError && error.status >= 400,
        "moda1 joined a produktor room: its federation_domain_whitelist is not empty",
      );
      await assert.rejects(
        post(alice, `/_matrix/client/v3/rooms/${encodeURIComponent(room.room_id)}/invite`, {
          user_id: carol.userId,
        }),
        (error: unknown) => error instanceof MatrixError && error.status >= 400,
        "produktor invited a moda1 user: moda1.uk must not be on produktor's whitelist",
      );
    });
  });

  /** A call between two participants (lab/audio-call.ts); its audio frames, or a failure naming the cause. */
  async function audioCall(stack: string, roomName: string): Promise<number> {
    const outcome = await placeCall(lab, stack, roomName);
    assert.ok(
      outcome.audible !== undefined,
      `no audio reached the other participant: ${outcome.error}; a failure before LiveKit names its step (well-known, login, rtc-transports, openid, lk-jwt-service); after it, check LiveKit rtc.node_ip (it must be the address clients reach) and the UDP range`,
    );
    return outcome.audible;
  }

  // On the Docker lab each participant goes the user's whole way (login, OpenID, lk-jwt-service through the proxy:
  // lab/audio-call.ts); the process lab runs no lk-jwt-service and mints the tokens with its key pair.
  describe("a call on the real LiveKit, twice (MatrixRTC's way where lk-jwt-service runs)", () => {
    it("the first call carries audio between two participants", { timeout: 60_000 }, async () => {
      assert.ok((await audioCall("produktor", "call-one")) >= 20);
    });

    it("the second call connects too", { timeout: 60_000 }, async () => {
      assert.ok((await audioCall("produktor", "call-two")) >= 20);
    });
  });

  /** Runs `npm run verify` against a lab organisation, with a lab test user from the environment. */
  async function runVerify(
    stack: string,
    peerTokens: Record<string, string> = {},
  ): Promise<{ status: number | null; stdout: string }> {
    const name = `verify-${stack.replace(/[^a-z0-9]/g, "")}`;
    const secret = password();
    await registerWithSharedSecret(
      `http://${lab.organisation(stack).hostAddress}:8008`,
      homeserver(stack).registration_shared_secret,
      name,
      secret,
      false,
    );
    const result = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(__dirname, "..", "..", "cli", "verify.ts"),
        "--stack",
        stack,
        "--expect-ip",
        lab.organisation(stack).publicAddress,
      ],
      {
        encoding: "utf8",
        timeout: 120_000,
        env: {
          ...process.env,
          MATRIX_FLEET_VERIFY_USER: name,
          MATRIX_FLEET_VERIFY_PASSWORD: secret,
          MATRIX_FLEET_VERIFY_PEER_TOKENS: JSON.stringify(peerTokens),
        },
      },
    );
    return { status: result.status, stdout: result.stdout };
  }

  describe("verify reports on the lab organisations", () => {
    // What the lab does not run fails verify, as it should: medex is not among the lab organisations, and
    // lk-jwt-service and Jitsi cannot be had on this machine (docs/development/process-lab.md, "What the lab cannot prove here"); each lab
    // says which checks that is (LabTarget.verifyFailsHere).
    it(
      "produktor: every check passes but those for what the lab does not run",
      { timeout: 120_000 },
      async () => {
        const { status, stdout } = await runVerify("produktor", {
          "pro-dukt.de": (await userOf("pro-dukt")).accessToken,
        });
        const failed = stdout.split("\n").filter((l) => l.startsWith("FAIL"));
        assert.deepEqual(
          failed.map((l) => l.split(":")[0]),
          lab.verifyFailsHere.produktor ?? [],
          stdout,
        );
        assert.equal(status, 1);
        for (const name of [
          "well-known server",
          "well-known client",
          "client API versions",
          "test user login",
          "Element X sliding sync",
          "MSC4143 RTC transports",
          "federation peer pro-dukt.de",
          "federation both ways with pro-dukt.de",
          "federation both ways with pro-dukt.de",
          "TURN host resolves to the public IP",
          "TURN allocation over UDP",
          "TURN allocation over TCP",
          "TURN allocation over TLS",
          "LiveKit WebSocket answers",
          "LiveKit ICE/TCP port",
          // Issue #29: the certificate coturn serves (field failure 21) and new rooms' levels (29).
          "coturn's TLS certificate on 5349",
          "members may join calls in new rooms",
          // The Docker lab runs the lk-jwt-service contract double (lab/doubles/) where the process lab has none.
          ...(lab.kind === "docker"
            ? [
                "lk-jwt-service health",
                "MatrixRTC token via /get_token and a LiveKit join",
                "MatrixRTC token via /sfu/get and a LiveKit join",
                "MatrixRTC token for a pro-dukt.de user from our lk-jwt-service",
              ]
            : []),
        ]) {
          assert.match(stdout, new RegExp(`^PASS ${name}:`, "m"), name);
        }
      },
    );

    it(
      "moda1: passes without MatrixRTC checks and with no federation peers",
      { timeout: 120_000 },
      async () => {
        const { status, stdout } = await runVerify("moda1");
        assert.equal(status, 0, stdout);
        assert.doesNotMatch(stdout, /LiveKit|federation peer/);
        assert.match(stdout, /^PASS TURN allocation over TCP:/m);
        assert.match(stdout, /^PASS Element X sliding sync:/m);
      },
    );
  });
}
