/**
 * Calls between two organisations (issue #29, field failures 7 and 8), on the Docker lab with the routers' NAT
 * loopback off: a produktor user and a pro-dukt user in one MatrixRTC call, as MSC4195's multi-SFU has it. Each gets
 * their publishing token from their own homeserver's lk-jwt-service and publishes on their own LiveKit, and gets a
 * token from the other's lk-jwt-service to listen there, which that service gives only after validating the user's
 * OpenID token at the user's own homeserver, from its container (the double in lab/doubles/ does this as v0.5.0
 * does). Both hear each other. The fault: produktor's lk-jwt-service with pro-dukt's names at produktor's own WAN
 * address (pro-dukt behind the same router, which does not loop back): the pro-dukt user gets no token for
 * produktor's SFU, and `verify` names the names lk-jwt-service cannot reach.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { callsChecks } from "../../verify/calls-checks";
import { LabFleet } from "../deploy/fleet";
import { CLIENT_NAMESPACE } from "../deploy/sites";
import { LabUser, callOf, checkNamed, labUser, verifySome } from "../lan-and-peers";
import { call } from "../matrix-client";
import { run } from "../processes";
import { withVariant } from "./rtc-behind-nat";

const HOME = "produktor";
const PEER = "pro-dukt";

/** A user's token for `roomId` from the lk-jwt-service of `stack`, as Element Call asks for one (/get_token). */
export async function tokenFrom(
  fleet: LabFleet,
  stack: string,
  user: LabUser,
  roomId: string,
  timeoutMs = 15_000,
): Promise<{ url: string; jwt: string }> {
  const openid = await call(
    user.baseUrl,
    "POST",
    `/_matrix/client/v3/user/${encodeURIComponent(user.userId)}/openid/request_token`,
    { token: user.accessToken, body: {} },
  );
  const rtc = fleet.site(stack).hostnames.find((h) => h.startsWith("matrix-rtc."))!;
  const answer = await fetch(`https://${rtc}/livekit/jwt/get_token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      room_id: roomId,
      slot_id: "m.call#ROOM",
      openid_token: openid,
      member: { id: `lab-${user.name}`, claimed_user_id: user.userId, claimed_device_id: "LABDEVICE" },
    }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await answer.json()) as { url?: string; jwt?: string };
  if (answer.status !== 200 || body.url === undefined || body.jwt === undefined)
    throw new Error(
      `${stack}'s lk-jwt-service answered ${answer.status} ${JSON.stringify(body)} for ${user.userId}`,
    );
  return { url: body.url, jwt: body.jwt };
}

/** A Matrix room of `host`'s user with `guest` invited and joined over federation: the call's room. */
async function sharedRoom(host: LabUser, guest: LabUser): Promise<string> {
  const created = await call(host.baseUrl, "POST", "/_matrix/client/v3/createRoom", {
    token: host.accessToken,
    body: { preset: "private_chat", invite: [guest.userId], name: `call ${randomBytes(3).toString("hex")}` },
  });
  const roomId = String(created.room_id);
  await call(guest.baseUrl, "POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {
    token: guest.accessToken,
    body: {},
  });
  return roomId;
}

export function peerCallScenarios(current: () => LabFleet): void {
  describe("A call between produktor and pro-dukt users, each on their own homeserver's LiveKit (issue #29, field failures 7, 8)", () => {
    before(() => run("bash", ["lab/deploy/network.sh", "hairpin", "off"]));
    after(() => run("bash", ["lab/deploy/network.sh", "hairpin", "on"]));

    it(
      "each publishes through their own lk-jwt-service and listens through the other's: both hear each other",
      { timeout: 120_000 },
      async () => {
        const fleet = current();
        const alice = await labUser(fleet, HOME, "alice");
        const bob = await labUser(fleet, PEER, "bob");
        const roomId = await sharedRoom(alice, bob);
        // Own tokens first: a user of the lk-jwt-service's own server creates the LiveKit room there.
        const aliceOwn = await tokenFrom(fleet, HOME, alice, roomId);
        const bobOwn = await tokenFrom(fleet, PEER, bob, roomId);
        const aliceAtPeer = await tokenFrom(fleet, PEER, alice, roomId);
        const bobAtHome = await tokenFrom(fleet, HOME, bob, roomId);
        const [aliceHeard, bobHeard] = await callOf([
          {
            namespace: CLIENT_NAMESPACE,
            connections: [
              { url: aliceOwn.url, token: aliceOwn.jwt, publish: true, listen: false },
              { url: aliceAtPeer.url, token: aliceAtPeer.jwt, publish: false, listen: true },
            ],
          },
          {
            namespace: CLIENT_NAMESPACE,
            connections: [
              { url: bobOwn.url, token: bobOwn.jwt, publish: true, listen: false },
              { url: bobAtHome.url, token: bobAtHome.jwt, publish: false, listen: true },
            ],
          },
        ]);
        console.log(
          `cross-organisation call: alice ${JSON.stringify(aliceHeard)}, bob ${JSON.stringify(bobHeard)}`,
        );
        assert.notEqual(aliceOwn.url, aliceAtPeer.url, "two SFUs: each organisation's own");
        assert.ok(
          Number(aliceHeard!.audible) >= 20,
          `alice heard nothing from pro-dukt's SFU: ${String(aliceHeard!.error)}`,
        );
        assert.ok(
          Number(bobHeard!.audible) >= 20,
          `bob heard nothing from produktor's SFU: ${String(bobHeard!.error)}`,
        );
      },
    );

    it(
      "verify proves a pro-dukt user gets produktor's token, and names pro-dukt's names when produktor's lk-jwt-service cannot reach them (fault)",
      { timeout: 180_000 },
      async () => {
        const fleet = current();
        const verifier = await labUser(fleet, HOME, "verify-peer");
        const peer = await labUser(fleet, PEER, "verify-peer");
        const name = "MatrixRTC token for a pro-dukt.de user from our lk-jwt-service";
        const healthy = checkNamed(
          await verifySome(fleet, HOME, verifier, [callsChecks], { "pro-dukt.de": peer.accessToken }),
          name,
        );
        assert.equal(healthy.outcome, "pass", `${healthy.detail} ${healthy.fix ?? ""}`);
        // pro-dukt behind produktor's own WAN address: its names resolve there, and the router drops the way back in.
        const sameWan = fleet.site(HOME).wan;
        await withVariant(
          fleet,
          (spec) => ({
            ...spec,
            extraHosts: [...spec.extraHosts, `pro-dukt.de:${sameWan}`, `chat.pro-dukt.de:${sameWan}`],
          }),
          async () => {
            const alice = await labUser(fleet, HOME, "alice");
            const bob = await labUser(fleet, PEER, "bob");
            const roomId = await sharedRoom(alice, bob);
            await tokenFrom(fleet, HOME, alice, roomId);
            await assert.rejects(
              tokenFrom(fleet, HOME, bob, roomId, 10_000),
              /aborted|timeout|401/i,
              "bob got a token for produktor's SFU",
            );
            const results = await verifySome(fleet, HOME, verifier, [callsChecks], {
              "pro-dukt.de": peer.accessToken,
            });
            const failed = checkNamed(results, name);
            console.log(`verify, pro-dukt unreachable: ${failed.detail}\n  fix: ${failed.fix ?? ""}`);
            assert.equal(failed.outcome, "fail");
            assert.match(`${failed.detail} ${failed.fix ?? ""}`, /pro-dukt\.de, chat\.pro-dukt\.de/);
            assert.match(failed.fix ?? "", /lk-jwt-service must reach/);
          },
        );
      },
    );
  });
}
