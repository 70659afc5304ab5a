/**
 * The lk-jwt-service double's delegated leave (0.6.0, lab/doubles/lk-jwt-delegation.ts) against a recording
 * Client-Server API on loopback, with webhooks signed by livekit-server-sdk's AccessToken (LiveKit's own signing
 * code, not the code under test): restart at once and at 80 % of the timeout while the member is on the SFU, send
 * the leave event as soon as LiveKit reports the member gone, and no reaction to a post it cannot verify.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { AccessToken } from "livekit-server-sdk";
import { DELAYED_EVENTS_PATH, Delegations, verifyWebhook } from "../lab/doubles/lk-jwt-delegation";

const KEY = "lab-key";
const SECRET = "lab-secret-that-is-at-least-32-characters";
const calls: Array<{ path: string; at: number; auth: string | undefined }> = [];
let server: http.Server;
let base = "";

before(async () => {
  server = http.createServer((req, res) => {
    calls.push({ path: req.url ?? "", at: Date.now(), auth: req.headers.authorization });
    res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function signed(event: Record<string, unknown>, secret = SECRET): Promise<[string, string]> {
  const body = JSON.stringify(event);
  const token = new AccessToken(KEY, secret);
  token.sha256 = createHash("sha256").update(body).digest("base64");
  return [`Bearer ${await token.toJwt()}`, body];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("lk-jwt-service double 0.6.0: delegated leave events", () => {
  it("verifies LiveKit's webhook signature (key, secret and body hash)", async () => {
    const [auth, body] = await signed({ event: "room_started" });
    assert.ok(verifyWebhook(KEY, SECRET, auth, body));
    assert.ok(!verifyWebhook(KEY, "another-secret-that-is-32-characters-long", auth, body));
    assert.ok(!verifyWebhook("other-key", SECRET, auth, body));
    assert.ok(!verifyWebhook(KEY, SECRET, auth, `${body} `), "a changed body");
    assert.ok(!verifyWebhook(KEY, SECRET, undefined, body));
  });

  it("restarts the delayed event while the member is connected and sends it when LiveKit reports the member gone", async () => {
    calls.length = 0;
    const delegations = new Delegations({
      outbound: { connectTo: (host, port) => ({ host, port }), skipVerifyTls: false, timeoutMs: 2000 },
      // No LiveKit listens here: the participant lookup fails and is retried; the webhook decides.
      livekit: { url: "ws://127.0.0.1:9", key: KEY, secret: SECRET },
      csApiOverrides: new Map([["produktor.test", base]]),
      log: () => undefined,
      now: Date.now,
    });
    try {
      delegations.add({
        serverName: "produktor.test",
        delayId: "d1",
        delayTimeoutMs: 1000,
        room: "R",
        identity: "I",
      });
      assert.deepEqual(delegations.states(), { d1: "waiting" });
      const [forged, forgedBody] = await signed(
        { event: "participant_joined", room: { name: "R" }, participant: { identity: "I" } },
        "a-secret-lk-jwt-does-not-know-32-chars",
      );
      assert.equal(delegations.webhook(forged, forgedBody), false);
      assert.deepEqual(delegations.states(), { d1: "waiting" }, "an unverified post changes nothing");
      const [auth, joined] = await signed({
        event: "participant_joined",
        room: { name: "R" },
        participant: { identity: "I" },
      });
      assert.ok(delegations.webhook(auth, joined));
      const connectedAt = Date.now();
      assert.deepEqual(delegations.states(), { d1: "connected" });
      await sleep(1500);
      const restarts = calls.filter((c) => c.path === `${DELAYED_EVENTS_PATH}/d1/restart`);
      assert.ok(restarts.length >= 2, `restarted ${restarts.length} times in 1.5 s`);
      assert.ok(restarts[0]!.at - connectedAt < 500, "the first restart comes at once");
      const gap = restarts[1]!.at - restarts[0]!.at;
      // 800 ms after the first (80 % of the 1 s delay), allowing for a loaded machine; the delay itself would be 1000.
      assert.ok(gap >= 750 && gap < 1400, `the next one at 80 % of the 1 s timeout (${gap} ms)`);
      assert.ok(
        restarts.every((c) => c.auth === undefined),
        "restarted without an access token",
      );
      const [leftAuth, left] = await signed({
        event: "participant_left",
        room: { name: "R" },
        participant: { identity: "I", disconnectReason: "CLIENT_INITIATED" },
      });
      const goneAt = Date.now();
      assert.ok(delegations.webhook(leftAuth, left));
      await sleep(400);
      const sends = calls.filter((c) => c.path === `${DELAYED_EVENTS_PATH}/d1/send`);
      assert.equal(sends.length, 1, "the leave event is sent once");
      assert.ok(sends[0]!.at - goneAt < 400, "at once, not after the timeout");
      assert.deepEqual(delegations.states(), { d1: "disconnected" });
      const before = calls.length;
      await sleep(1000);
      assert.equal(calls.length, before, "nothing more after the leave");
    } finally {
      delegations.close();
    }
  });

  it("sends the leave when the member never reaches the SFU within the delay timeout", async () => {
    calls.length = 0;
    const delegations = new Delegations({
      outbound: { connectTo: (host, port) => ({ host, port }), skipVerifyTls: false, timeoutMs: 2000 },
      livekit: { url: "ws://127.0.0.1:9", key: KEY, secret: SECRET },
      csApiOverrides: new Map([["produktor.test", base]]),
      log: () => undefined,
      now: Date.now,
    });
    try {
      delegations.add({
        serverName: "produktor.test",
        delayId: "d2",
        delayTimeoutMs: 500,
        room: "R",
        identity: "J",
      });
      await sleep(800);
      assert.deepEqual(
        calls.map((c) => c.path),
        [`${DELAYED_EVENTS_PATH}/d2/send`],
      );
    } finally {
      delegations.close();
    }
  });
});
