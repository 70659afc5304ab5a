/**
 * verify's MatrixRTC join (verify/matrix-rtc-join.ts) against the lk-jwt-service contract double and fakes of the
 * homeserver and LiveKit: it passes only when a client can join, through /get_token and /sfu/get, and names the
 * cause of each failure the issue lists (#17): full-access list without our server, internal LIVEKIT_URL, missing
 * lk-jwt route; and the names lk-jwt-service cannot reach without hairpin NAT.
 */
import assert from "node:assert/strict";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as tls from "node:tls";
import { after, before, describe, it } from "node:test";
import { configFromEnv, startLkJwtDouble } from "../lab/doubles/lk-jwt-service";
import { CheckFailure } from "../verify/context";
import { JoinTarget, TokenEndpoint, guestTokenAndJoin, tokenAndJoin } from "../verify/matrix-rtc-join";
import { servedCertificate } from "../verify/tls-certificate";
import { FakeHomeserver, startFakeHomeserver } from "./fake-homeserver";
import { FakeLivekit, startFakeLivekit } from "./fake-livekit";
import { TestPki, makeTestPki } from "./test-pki";

const KEY = "APIverifytest";
const SECRET = "verify-test-secret-".padEnd(40, "v");
const NAMES = ["produktor.test", "chat.produktor.test"];
/** A federation peer's names, served by the same fake homeserver (its own server name and delegation). */
const PEER_NAMES = ["pro-dukt.test", "chat.pro-dukt.test"];
const ENDPOINTS: TokenEndpoint[] = ["get_token", "sfu/get"];

let pki: TestPki;
let homeserver: FakeHomeserver;
let livekit: FakeLivekit;

before(async () => {
  pki = makeTestPki([...NAMES, ...PEER_NAMES]);
  homeserver = await startFakeHomeserver(pki);
  livekit = await startFakeLivekit(KEY, SECRET);
  homeserver.wellKnown.set("produktor.test", { "m.server": "chat.produktor.test:443" });
  homeserver.tokens.set("alice-token", "@alice:produktor.test");
  homeserver.wellKnown.set("pro-dukt.test", { "m.server": "chat.pro-dukt.test:443" });
  homeserver.tokens.set("bob-token", "@bob:pro-dukt.test");
});
after(async () => {
  await homeserver.close();
  await livekit.close();
});

/**
 * Our names reach the fake homeserver, as through the host entries; `hairpin: false` is a router that drops them.
 * The peer's names reach it too, unless `peer` is false: a peer behind our own WAN address nothing loops back.
 */
function connectTo(hairpin: boolean, peer = true) {
  return (host: string, port: number) =>
    host === "127.0.0.1"
      ? { host, port }
      : ((hairpin && NAMES.includes(host)) || (peer && PEER_NAMES.includes(host))) && port === 443
        ? { host: "127.0.0.1", port: homeserver.port }
        : undefined;
}

/** Runs verify's join through one endpoint against the double started with `env` (over the healthy defaults). */
async function joinThrough(
  endpoint: TokenEndpoint,
  env: Record<string, string> = {},
  options: { hairpin?: boolean; servicePath?: string; expected?: string } = {},
): Promise<string> {
  const double = await startLkJwtDouble(
    configFromEnv({
      LIVEKIT_URL: livekit.url,
      LIVEKIT_KEY: KEY,
      LIVEKIT_SECRET: SECRET,
      LIVEKIT_FULL_ACCESS_HOMESERVERS: "produktor.test",
      LIVEKIT_JWT_BIND: "127.0.0.1:0",
      ...env,
    }),
    {
      connectTo: connectTo(options.hairpin ?? true),
      ca: pki.ca,
      srv: async () => [],
      log: () => {},
      timeoutMs: 5000,
    },
  );
  const target: JoinTarget = {
    serviceUrl: `${double.url}${options.servicePath ?? ""}`,
    expectedLivekitUrl: options.expected ?? livekit.url,
    serverName: "produktor.test",
    userId: "@alice:produktor.test",
    openidToken: {
      access_token: "alice-token",
      token_type: "Bearer",
      matrix_server_name: "produktor.test",
      expires_in: 3600,
    },
    ownNames: NAMES,
    proxyLanIp: "192.0.2.20",
    timeoutMs: 5000,
  };
  try {
    return await tokenAndJoin(endpoint, target);
  } finally {
    await double.close();
  }
}

/** The failure verify reports: its message and fix in one string. */
async function failureOf(run: Promise<string>): Promise<string> {
  const error = await run.then(
    (detail) => assert.fail(`expected a failure, passed: ${detail}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof CheckFailure, String(error));
  return `${error.message}\nfix: ${error.fix}`;
}

describe("verify: a MatrixRTC client's token and join", () => {
  for (const endpoint of ENDPOINTS) {
    it(`${endpoint}: passes on a healthy stack with a real join on LiveKit's signalling`, async () => {
      const joinsBefore = livekit.joins.length;
      const detail = await joinThrough(endpoint);
      assert.match(
        detail,
        new RegExp(`^${endpoint} → token for LiveKit room \\S+, joined it at ws://127\\.0\\.0\\.1:`),
      );
      assert.equal(livekit.joins.length, joinsBefore + 1, "LiveKit saw the join");
    });

    it(`${endpoint}: fails naming LIVEKIT_FULL_ACCESS_HOMESERVERS when tokens come without a room (404 on join)`, async () => {
      for (const list of ["pro-dukt.test", " ", "*,produktor.org"]) {
        const failure = await failureOf(joinThrough(endpoint, { LIVEKIT_FULL_ACCESS_HOMESERVERS: list }));
        assert.match(failure, /has no room \S+ \(HTTP 404 requested room does not exist\)/);
        assert.match(failure, /fix: set LIVEKIT_FULL_ACCESS_HOMESERVERS to produktor\.test/);
      }
    });

    it(`${endpoint}: fails naming LIVEKIT_URL when it is internal, unreachable or only not the public one`, async () => {
      const unreachable = await failureOf(joinThrough(endpoint, { LIVEKIT_URL: "ws://livekit:7880" }));
      assert.match(unreachable, /HTTP 500.*could not create the room through LIVEKIT_URL/);
      assert.match(unreachable, new RegExp(`fix: set LIVEKIT_URL to ${livekit.url.replace(/\./g, "\\.")}`));
      const internal = livekit.url.replace("ws://", "http://");
      const handedOut = await failureOf(joinThrough(endpoint, { LIVEKIT_URL: internal }));
      assert.match(handedOut, new RegExp(`hands out LIVEKIT_URL ${internal.replace(/\./g, "\\.")}, not`));
      assert.match(handedOut, /every call fails, the first one too/);
    });

    it(`${endpoint}: fails naming the /livekit/jwt/ route when the proxy does not strip it or has none`, async () => {
      const unstripped = await failureOf(joinThrough(endpoint, {}, { servicePath: "/livekit/jwt" }));
      assert.match(unstripped, /answered HTTP 404/);
      assert.match(
        unstripped,
        /fix: route \/livekit\/jwt\/ on the RTC host to lk-jwt-service with the prefix stripped/,
      );
    });

    it(`${endpoint}: fails naming the names and proxy.lanIp when lk-jwt-service cannot reach them (no hairpin NAT)`, async () => {
      const failure = await failureOf(joinThrough(endpoint, {}, { hairpin: false }));
      assert.match(failure, /could not validate the OpenID token/);
      assert.match(
        failure,
        /reach produktor\.test, chat\.produktor\.test from its container .*proxy\.lanIp 192\.0\.2\.20/,
      );
    });

    it(`${endpoint}: fails naming the key pair when LiveKit refuses lk-jwt-service's tokens`, async () => {
      const failure = await failureOf(
        joinThrough(endpoint, { LIVEKIT_SECRET: "another-secret-".padEnd(40, "x") }),
      );
      assert.match(failure, /LIVEKIT_KEY\/LIVEKIT_SECRET must be LiveKit's key pair/);
    });
  }

  it("a proxy without any lk-jwt-service location: the proxy's own 404 names the route too", async () => {
    const proxy = http.createServer((_req, res) =>
      res.writeHead(404, { "Content-Type": "text/html" }).end("<html>404 Not Found</html>"),
    );
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const target: JoinTarget = {
        serviceUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/livekit/jwt`,
        expectedLivekitUrl: livekit.url,
        serverName: "produktor.test",
        userId: "@alice:produktor.test",
        openidToken: {},
        ownNames: NAMES,
        proxyLanIp: "192.0.2.20",
        timeoutMs: 5000,
      };
      assert.match(
        await failureOf(tokenAndJoin("get_token", target)),
        /\/livekit\/jwt\/get_token answered HTTP 404/,
      );
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

describe("verify: a peer's user in our call (field failure 7)", () => {
  const bob = {
    serverName: "pro-dukt.test",
    userId: "@bob:pro-dukt.test",
    openidToken: {
      access_token: "bob-token",
      token_type: "Bearer",
      matrix_server_name: "pro-dukt.test",
      expires_in: 3600,
    },
    names: PEER_NAMES,
  };

  async function guestJoins(peerReachable: boolean): Promise<string> {
    const double = await startLkJwtDouble(
      configFromEnv({
        LIVEKIT_URL: livekit.url,
        LIVEKIT_KEY: KEY,
        LIVEKIT_SECRET: SECRET,
        LIVEKIT_FULL_ACCESS_HOMESERVERS: "produktor.test",
        LIVEKIT_JWT_BIND: "127.0.0.1:0",
      }),
      {
        connectTo: connectTo(true, peerReachable),
        ca: pki.ca,
        srv: async () => [],
        log: () => {},
        timeoutMs: 2000,
      },
    );
    try {
      return await guestTokenAndJoin(
        {
          serviceUrl: double.url,
          expectedLivekitUrl: livekit.url,
          serverName: "produktor.test",
          userId: "@alice:produktor.test",
          openidToken: {
            access_token: "alice-token",
            token_type: "Bearer",
            matrix_server_name: "produktor.test",
            expires_in: 3600,
          },
          ownNames: NAMES,
          proxyLanIp: "192.0.2.20",
          timeoutMs: 5000,
        },
        bob,
      );
    } finally {
      await double.close();
    }
  }

  it("passes when lk-jwt-service validates the peer's user at the peer's homeserver, and the guest joins our room", async () => {
    const joinsBefore = livekit.joins.length;
    const detail = await guestJoins(true);
    assert.match(
      detail,
      /^@bob:pro-dukt\.test got a token from our lk-jwt-service \(validated at pro-dukt\.test, chat\.pro-dukt\.test\) and joined room \S+$/,
    );
    assert.equal(livekit.joins.length, joinsBefore + 1, "LiveKit saw the guest's join");
  });

  it("names the peer's names when lk-jwt-service cannot reach them, while our own users get tokens", async () => {
    const failure = await failureOf(guestJoins(false));
    assert.match(failure, /401 M_UNAUTHORIZED for @bob:pro-dukt\.test while our own user got a token/);
    assert.match(failure, /fix: lk-jwt-service must reach pro-dukt\.test, chat\.pro-dukt\.test/);
    assert.match(failure, /network\.lanAccess loopback/);
  });
});

describe("verify: the certificate a TLS listener serves", () => {
  it("reads its validity and DNS names without trusting it (the same test PKI, a real TLS server)", async () => {
    const server = tls.createServer({ cert: pki.cert, key: pki.key }, (socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const cert = await servedCertificate("127.0.0.1", port, "chat.produktor.test", 5000);
      assert.deepEqual(cert.dnsNames, [...NAMES, ...PEER_NAMES]);
      // makeTestPki issues for two days (openssl x509 -days 2).
      const lifetimeDays = (cert.validTo.getTime() - cert.validFrom.getTime()) / 86_400_000;
      assert.ok(Math.abs(lifetimeDays - 2) < 0.01, `${lifetimeDays} days`);
      assert.ok(cert.validTo.getTime() > Date.now());
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
