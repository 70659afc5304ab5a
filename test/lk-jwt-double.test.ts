/**
 * The lk-jwt-service v0.5.0 contract double (lab/doubles/) against fakes: a homeserver's well-known and federation
 * userinfo over HTTPS, and LiveKit's Twirp RoomService. Expected values come from docs/upstream/lk-jwt-service.md
 * ("v0.5.0 request handling"); tokens are checked with livekit-server-sdk's TokenVerifier and rooms decoded with
 * @livekit/protocol, not with the double's own code.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { TokenVerifier } from "livekit-server-sdk";
import { PROJECT_DIR } from "../config/stack-files";
import { LkJwtConfig, RunningDouble, configFromEnv, startLkJwtDouble } from "../lab/doubles/lk-jwt-service";
import { FakeHomeserver, startFakeHomeserver } from "./fake-homeserver";
import { FakeLivekit, startFakeLivekit } from "./fake-livekit";
import { TestPki, makeTestPki } from "./test-pki";

const KEY = "APIdoubletest";
const SECRET = "double-test-secret-".padEnd(40, "s");
const NAMES = ["produktor.test", "chat.produktor.test", "pro-dukt.test", "chat.pro-dukt.test"];

/** sha256 → unpadded standard base64 of the JSON array: ASCII inputs, where Go's and JavaScript's JSON agree. */
const hashOf = (parts: string[]) =>
  createHash("sha256").update(JSON.stringify(parts)).digest("base64").replace(/=+$/, "");

let pki: TestPki;
let homeserver: FakeHomeserver;
let livekit: FakeLivekit;

before(async () => {
  pki = makeTestPki(NAMES);
  homeserver = await startFakeHomeserver(pki);
  livekit = await startFakeLivekit(KEY, SECRET);
  homeserver.wellKnown.set("produktor.test", { "m.server": "chat.produktor.test:443" });
  homeserver.wellKnown.set("pro-dukt.test", { "m.server": "chat.pro-dukt.test:443" });
  homeserver.tokens.set("alice-token", "@alice:produktor.test");
  homeserver.tokens.set("bob-token", "@bob:pro-dukt.test");
  homeserver.tokens.set("mallory-token", "@mallory:pro-dukt.test");
});
after(async () => {
  await homeserver.close();
  await livekit.close();
});

/** The public names as the host entries make them: every name of the fake homeserver is reachable on loopback. */
const reachable = (host: string, port: number) =>
  host === "127.0.0.1"
    ? { host, port }
    : NAMES.includes(host) && port === 443
      ? { host: "127.0.0.1", port: homeserver.port }
      : undefined;

async function withDouble<T>(
  env: Record<string, string>,
  run: (double: RunningDouble, log: string[]) => Promise<T>,
  connectTo = reachable,
): Promise<T> {
  const config: LkJwtConfig = configFromEnv({
    LIVEKIT_URL: livekit.url,
    LIVEKIT_KEY: KEY,
    LIVEKIT_SECRET: SECRET,
    LIVEKIT_FULL_ACCESS_HOMESERVERS: "produktor.test",
    LIVEKIT_JWT_BIND: "127.0.0.1:0",
    ...env,
  });
  const log: string[] = [];
  const double = await startLkJwtDouble(config, {
    connectTo,
    ca: pki.ca,
    srv: async () => [],
    log: (line) => log.push(line),
    timeoutMs: 5000,
  });
  try {
    return await run(double, log);
  } finally {
    await double.close();
  }
}

const openid = (token: string, server: string) => ({
  access_token: token,
  token_type: "Bearer",
  matrix_server_name: server,
  expires_in: 3600,
});

const currentBody = (token: string, server: string, user: string, room = "!call:produktor.test") => ({
  room_id: room,
  slot_id: "m.call#ROOM",
  openid_token: openid(token, server),
  member: { id: "member-1", claimed_user_id: user, claimed_device_id: "DEVICE" },
});

async function post(double: RunningDouble, route: string, body: unknown) {
  const response = await fetch(`${double.url}${route}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: text ? JSON.parse(text) : undefined,
  };
}

describe("lk-jwt-service double: configuration from the environment (parseConfig)", () => {
  const base = { LIVEKIT_URL: "wss://x/livekit/sfu", LIVEKIT_KEY: "k", LIVEKIT_SECRET: "s" };
  it("refuses what v0.5.0 refuses, with its message", () => {
    assert.throws(
      () => configFromEnv({ LIVEKIT_KEY: "k", LIVEKIT_SECRET: "s" }),
      /LIVEKIT_KEY\[_FILE\], LIVEKIT_SECRET\[_FILE\] and LIVEKIT_URL environment variables must be set/,
    );
    assert.throws(
      () => configFromEnv(base),
      /LIVEKIT_FULL_ACCESS_HOMESERVERS environment variable must be set/,
    );
    assert.throws(
      () => configFromEnv({ ...base, LIVEKIT_FULL_ACCESS_HOMESERVERS: "" }),
      /must be set to the homeserver/,
    );
    assert.throws(
      () =>
        configFromEnv({
          ...base,
          LIVEKIT_FULL_ACCESS_HOMESERVERS: "*",
          LIVEKIT_JWT_BIND: ":1",
          LIVEKIT_JWT_PORT: "2",
        }),
      /MUST NOT be set together/,
    );
  });

  it("parses the full-access list with commas and whitespace, binds :8080 by default, :<port> from LIVEKIT_JWT_PORT", () => {
    const config = configFromEnv({ ...base, LIVEKIT_FULL_ACCESS_HOMESERVERS: " a.org,b.org\tc.org,, " });
    assert.deepEqual(config.fullAccessHomeservers, ["a.org", "b.org", "c.org"]);
    assert.equal(config.bind, ":8080");
    assert.equal(
      configFromEnv({ ...base, LIVEKIT_FULL_ACCESS_HOMESERVERS: " " }).fullAccessHomeservers.length,
      0,
    );
    assert.equal(
      configFromEnv({ ...base, LIVEKIT_FULL_ACCESS_HOMESERVERS: "*", LIVEKIT_JWT_PORT: "9000" }).bind,
      ":9000",
    );
    assert.equal(configFromEnv({ ...base, LIVEKIT_FULL_ACCESS_HOMESERVERS: "*" }).skipVerifyTls, false);
    assert.equal(
      configFromEnv({
        ...base,
        LIVEKIT_FULL_ACCESS_HOMESERVERS: "*",
        LIVEKIT_INSECURE_SKIP_VERIFY_TLS: "YES_I_KNOW_WHAT_I_AM_DOING",
      }).skipVerifyTls,
      true,
    );
  });

  it("reads key and secret from files: LIVEKIT_KEY_FILE wins, _FROM_FILE overrides its variable, spaces/CR/LF trimmed", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lk-jwt-double-"));
    try {
      const file = (name: string, text: string) => (
        fs.writeFileSync(path.join(dir, name), text),
        path.join(dir, name)
      );
      const env = { ...base, LIVEKIT_FULL_ACCESS_HOMESERVERS: "*" };
      const fromFiles = configFromEnv({ ...env, LIVEKIT_SECRET_FROM_FILE: file("secret", " from-file\r\n") });
      assert.deepEqual([fromFiles.key, fromFiles.secret], ["k", "from-file"]);
      const pair = configFromEnv({
        ...env,
        LIVEKIT_KEY_FILE: file("pair", "APIkey: secret\n"),
        LIVEKIT_KEY_FROM_FILE: file("key", "other"),
      });
      assert.deepEqual([pair.key, pair.secret], ["APIkey", "secret"]);
      assert.throws(
        () => configFromEnv({ ...env, LIVEKIT_KEY_FILE: file("bad", "a:b:c") }),
        /invalid key secret file format!/,
      );
      assert.throws(
        () => configFromEnv({ ...env, LIVEKIT_KEY_FROM_FILE: path.join(dir, "missing") }),
        /ENOENT/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("lk-jwt-service double: routes, methods and headers (prepareMux)", () => {
  it("/healthz answers GET and HEAD with an empty 200, other methods 405, other paths Go's 404", async () => {
    await withDouble({}, async (double) => {
      const get = await fetch(`${double.url}/healthz`);
      assert.deepEqual([get.status, await get.text()], [200, ""]);
      assert.equal((await fetch(`${double.url}/healthz`, { method: "HEAD" })).status, 200);
      assert.equal((await fetch(`${double.url}/healthz`, { method: "POST" })).status, 405);
      for (const route of ["/healthz/", "/livekit/jwt/get_token", "/"]) {
        const missing = await fetch(`${double.url}${route}`);
        assert.deepEqual([missing.status, await missing.text()], [404, "404 page not found\n"], route);
      }
    });
  });

  it("token routes: JSON and CORS headers on every reply, OPTIONS 200, other methods 405", async () => {
    await withDouble({}, async (double) => {
      for (const route of ["/get_token", "/sfu/get"]) {
        const options = await fetch(`${double.url}${route}`, { method: "OPTIONS" });
        assert.equal(options.status, 200);
        assert.equal(options.headers.get("access-control-allow-origin"), "*");
        assert.equal(options.headers.get("access-control-allow-methods"), "POST");
        assert.equal(options.headers.get("content-type"), "application/json");
        const get = await fetch(`${double.url}${route}`);
        assert.deepEqual(
          [get.status, await get.text(), get.headers.get("access-control-allow-origin")],
          [405, "", "*"],
        );
      }
    });
  });

  it("refuses bad bodies as v0.5.0 does", async () => {
    await withDouble({}, async (double) => {
      const cases: Array<[string, unknown, number, string, string]> = [
        ["/get_token", "", 400, "M_NOT_JSON", "Error reading request"],
        [
          "/get_token",
          { room: "!r:x", openid_token: {}, device_id: "D" },
          400,
          "M_NOT_JSON",
          "Error reading request",
        ],
        [
          "/get_token",
          { ...currentBody("t", "x", "@a:x"), slot_id: "" },
          400,
          "M_BAD_JSON",
          "The request body is missing `room_id` or `slot_id`",
        ],
        [
          "/get_token",
          { ...currentBody("t", "x", "@a:x"), member: { id: "m" } },
          400,
          "M_BAD_JSON",
          "The request body `member` is missing a `id`, `claimed_user_id` or `claimed_device_id`",
        ],
        [
          "/get_token",
          currentBody("", "x", "@a:x"),
          400,
          "M_BAD_JSON",
          "The request body `openid_token` is missing a `access_token` or `matrix_server_name`",
        ],
        [
          "/get_token",
          { ...currentBody("t", "x", "@a:x"), room_id: 7 },
          400,
          "M_NOT_JSON",
          "Error reading request",
        ],
        ["/sfu/get", {}, 400, "M_BAD_JSON", "Missing room parameter"],
        [
          "/sfu/get",
          { room: "!r:x", openid_token: {} },
          400,
          "M_BAD_JSON",
          "Missing OpenID token parameters",
        ],
        [
          "/sfu/get",
          "not json",
          400,
          "M_BAD_JSON",
          "The request body was malformed, missing required fields, or contained invalid values (e.g. missing `room_id`, `slot_id`, or `openid_token`).",
        ],
        [
          "/sfu/get",
          { ...currentBody("t", "x", "@a:x"), slot_id: "" },
          400,
          "M_BAD_JSON",
          "The request body is missing `room_id` or `slot_id`",
        ],
      ];
      for (const [route, body, status, errcode, error] of cases) {
        const answer = await post(double, route, body);
        assert.deepEqual(
          [answer.status, answer.json],
          [status, { errcode, error }],
          `${route} ${JSON.stringify(body)}`,
        );
        assert.ok(answer.text.endsWith("}\n"), "json.Encoder ends with a newline");
      }
    });
  });
});

describe("lk-jwt-service double: tokens and rooms", () => {
  it("/get_token: a full-access user's token, verified by LiveKit's SDK, and the room created first", async () => {
    await withDouble({}, async (double) => {
      const answer = await post(
        double,
        "/get_token",
        currentBody("alice-token", "produktor.test", "@alice:produktor.test"),
      );
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.json.url, livekit.url);
      const room = hashOf(["!call:produktor.test", "m.call#ROOM"]);
      const grants = await new TokenVerifier(KEY, SECRET).verify(answer.json.jwt);
      assert.equal(grants.identity, hashOf(["@alice:produktor.test", "DEVICE", "member-1"]));
      assert.equal(grants.sub, grants.identity);
      assert.deepEqual(grants.video, { roomJoin: true, room, canPublish: true, canSubscribe: true });
      assert.equal(Number(grants.exp) - Number(grants.nbf), 3600, "valid for one hour");
      const created = livekit.rooms.get(room)!;
      assert.deepEqual(
        [created.emptyTimeout, created.departureTimeout, created.maxParticipants],
        [300, 20, 0],
      );
      assert.ok(
        livekit.createCalls.some((c) => c.path === "/twirp/livekit.RoomService/CreateRoom" && c.roomCreate),
      );
      // Server-name resolution: the well-known of produktor.test, then userinfo on its m.server.
      const seen = homeserver.requests.map((r) => `${r.servername} ${r.host} ${r.path}`);
      assert.ok(seen.includes("produktor.test produktor.test /.well-known/matrix/server"), seen.join("\n"));
      assert.ok(
        seen.includes("chat.produktor.test chat.produktor.test:443 /_matrix/federation/v1/openid/userinfo"),
        seen.join("\n"),
      );
    });
  });

  it("/sfu/get (legacy): identity <sub>:<device_id>, the same LiveKit room as /get_token for the same Matrix room", async () => {
    await withDouble({}, async (double) => {
      const answer = await post(double, "/sfu/get", {
        room: "!legacy:produktor.test",
        openid_token: openid("alice-token", "produktor.test"),
        device_id: "DEV",
      });
      assert.equal(answer.status, 200, answer.text);
      const grants = await new TokenVerifier(KEY, SECRET).verify(answer.json.jwt);
      assert.equal(grants.identity, "@alice:produktor.test:DEV");
      assert.equal(grants.video?.room, hashOf(["!legacy:produktor.test", "m.call#ROOM"]));
      assert.ok(livekit.rooms.has(grants.video!.room!));
    });
  });

  it("a user of a server outside the full-access list gets a token and no room; * alone means everyone", async () => {
    const bob = (room: string) => currentBody("bob-token", "pro-dukt.test", "@bob:pro-dukt.test", room);
    for (const [list, creates] of [
      ["produktor.test", false],
      [" ", false],
      ["*", true],
      ["*,produktor.test", false],
      ["produktor.test pro-dukt.test", true],
    ] as const) {
      await withDouble({ LIVEKIT_FULL_ACCESS_HOMESERVERS: list }, async (double, log) => {
        const matrixRoom = `!bob-${createHash("sha1").update(list).digest("hex").slice(0, 8)}:pro-dukt.test`;
        const answer = await post(double, "/get_token", bob(matrixRoom));
        assert.equal(answer.status, 200, answer.text);
        assert.equal(livekit.rooms.has(hashOf([matrixRoom, "m.call#ROOM"])), creates, JSON.stringify(list));
        assert.ok(
          log.some((l) => l.includes(`(${creates ? "full" : "restricted"} access)`)),
          log.join("\n"),
        );
      });
    }
  });

  for (const version of ["0.5.0", "0.6.0"] as const)
    it(`${version}: a failed OpenID lookup: 401 on /get_token, ${version === "0.5.0" ? "500 M_LOOKUP_FAILED" : "401 (handler.go verifyOpenIDToken at a375b13)"} on /sfu/get; a claimed user that is not the token's, 401`, async () => {
      const unauthorised = { errcode: "M_UNAUTHORIZED", error: "The request could not be authorised." };
      const lookupFailed = {
        errcode: "M_LOOKUP_FAILED",
        error: "Failed to look up user info from homeserver",
      };
      await withDouble({ LAB_LK_JWT_DOUBLE_VERSION: version }, async (double) => {
        const unknown = await post(
          double,
          "/get_token",
          currentBody("wrong-token", "produktor.test", "@alice:produktor.test"),
        );
        assert.deepEqual([unknown.status, unknown.json], [401, unauthorised]);
        const legacy = await post(double, "/sfu/get", {
          room: "!r:produktor.test",
          openid_token: openid("wrong-token", "produktor.test"),
        });
        assert.deepEqual(
          [legacy.status, legacy.json],
          version === "0.5.0" ? [500, lookupFailed] : [401, unauthorised],
        );
        const claimed = await post(
          double,
          "/get_token",
          currentBody("alice-token", "produktor.test", "@mallory:produktor.test"),
        );
        assert.deepEqual([claimed.status, claimed.json], [401, unauthorised]);
        // The token's server name must be the user's: a pro-dukt user cannot pass as produktor.test.
        const foreign = await post(
          double,
          "/get_token",
          currentBody("mallory-token", "produktor.test", "@mallory:pro-dukt.test"),
        );
        assert.deepEqual([foreign.status, foreign.json], [401, unauthorised]);
      });
    });

  it("behind a router without hairpin NAT (its own names unreachable), every token request fails", async () => {
    const noHairpin = (host: string, port: number) => (host === "127.0.0.1" ? { host, port } : undefined);
    await withDouble(
      { LAB_LK_JWT_DOUBLE_VERSION: "0.5.0" },
      async (double, log) => {
        const current = await post(
          double,
          "/get_token",
          currentBody("alice-token", "produktor.test", "@alice:produktor.test"),
        );
        assert.equal(current.status, 401);
        const legacy = await post(double, "/sfu/get", {
          room: "!r:produktor.test",
          openid_token: openid("alice-token", "produktor.test"),
        });
        assert.equal(legacy.status, 500);
        assert.ok(
          log.some((l) =>
            /Failed to look up user info: .*chat\.produktor\.test:8448|produktor\.test/.test(l),
          ),
          log.join("\n"),
        );
      },
      noHairpin,
    );
  });

  it("an internal LIVEKIT_URL it cannot reach: 500 'Unable to create room on SFU' for full-access users, no token", async () => {
    await withDouble({ LIVEKIT_URL: "ws://livekit:7880" }, async (double, log) => {
      const answer = await post(
        double,
        "/get_token",
        currentBody("alice-token", "produktor.test", "@alice:produktor.test"),
      );
      assert.deepEqual(
        [answer.status, answer.json],
        [500, { errcode: "M_UNKNOWN", error: "Unable to create room on SFU" }],
      );
      assert.ok(
        log.some((l) => l.startsWith("Error creating LiveKit room")),
        log.join("\n"),
      );
      // Restricted users do not create rooms, so they get a token naming the internal URL.
      const bob = await post(
        double,
        "/get_token",
        currentBody("bob-token", "pro-dukt.test", "@bob:pro-dukt.test"),
      );
      assert.deepEqual([bob.status, bob.json.url], [200, "ws://livekit:7880"]);
    });
  });
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("lk-jwt-service double: bundled into one file and run standalone, as the lab image runs it", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lk-jwt-bundle-"));
  const bundle = path.join(dir, "lk-jwt-service.js");
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("bundles with nothing but Node's standard library (target node18)", () => {
    const result = spawnSync(
      "bash",
      [path.join(PROJECT_DIR, "lab/doubles/bundle.sh"), "lk-jwt-service-main.ts", bundle],
      {
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    assert.equal(result.status, 0, result.stderr);
    const required = [...fs.readFileSync(bundle, "utf8").matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!);
    assert.deepEqual(
      required.filter((name) => !name.startsWith("node:")),
      [],
    );
  });

  it("exits 1 with upstream's message on a refused configuration", () => {
    const result = spawnSync(process.execPath, [bundle], {
      encoding: "utf8",
      timeout: 20_000,
      env: { PATH: process.env.PATH, LIVEKIT_URL: "wss://x", LIVEKIT_KEY: "k", LIVEKIT_SECRET: "s" },
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^LIVEKIT_FULL_ACCESS_HOMESERVERS environment variable must be set/m);
  });

  it("serves a token end to end from its environment: IP-literal server name, skip-verify TLS, room created", async () => {
    const port = await freePort();
    const serverName = `127.0.0.1:${homeserver.port}`;
    homeserver.tokens.set("carol-token", `@carol:${serverName}`);
    const child = spawn(process.execPath, [bundle], {
      stdio: ["ignore", "ignore", "pipe"],
      env: {
        PATH: process.env.PATH,
        LIVEKIT_URL: livekit.url,
        LIVEKIT_KEY: KEY,
        LIVEKIT_SECRET: SECRET,
        LIVEKIT_FULL_ACCESS_HOMESERVERS: serverName,
        LIVEKIT_JWT_BIND: `127.0.0.1:${port}`,
        LIVEKIT_INSECURE_SKIP_VERIFY_TLS: "YES_I_KNOW_WHAT_I_AM_DOING",
      },
    });
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const double = { url: `http://127.0.0.1:${port}` } as RunningDouble;
      for (let attempt = 0; attempt < 100; attempt++) {
        const ok = await fetch(`${double.url}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const answer = await post(
        double,
        "/get_token",
        currentBody("carol-token", serverName, `@carol:${serverName}`, "!standalone:x"),
      );
      assert.equal(answer.status, 200, `${answer.text}\n${stderr}`);
      assert.ok(livekit.rooms.has(hashOf(["!standalone:x", "m.call#ROOM"])));
      assert.match(stderr, /LIVEKIT_INSECURE_SKIP_VERIFY_TLS/);
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) =>
        child.exitCode === null ? child.once("exit", resolve) : resolve(undefined),
      );
    }
  });
});
