/**
 * Delegated leave (issue #26): lk-jwt-service 0.6.0 (the contract double, lab/doubles/lk-jwt-delegation.ts) holds a
 * member's delayed leave event while LiveKit reports the member on the SFU, and sends it as soon as LiveKit's
 * webhook (rendered in livekit.yaml, posted to /sfu_webhook) says the member is gone. Two members join a call the
 * way Element Call does (a membership state event, a delayed leave event of 90 s, an OpenID token, /get_token),
 * one handing its delay_id to lk-jwt-service and one not; both clients then vanish (SIGKILL, no leave sent). The
 * delegated member's membership must be emptied within seconds; the other must still haunt the room then, as it
 * does until its 90 s run out. Docker lab only: it needs the lk-jwt-service double and LiveKit's real webhook.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { describe, it } from "node:test";
import { LabFleet } from "../deploy/fleet";
import { CLIENT_NAMESPACE, labCaDir } from "../deploy/sites";
import { Session, call, registerWithSharedSecret } from "../matrix-client";
import { ProcessGroup, sleep } from "../processes";

const STACK = "produktor";
const DELAY_MS = 90_000;
const MEMBER = "org.matrix.msc3401.call.member";

interface Member {
  readonly session: Session;
  readonly roomId: string;
  readonly stateKey: string;
  readonly delayId: string;
  readonly name: string;
}

/** A user in a room of their own, joined to its call with a delayed leave event, as Element Call joins. */
async function join(fleet: LabFleet, baseUrl: string, name: string): Promise<Member> {
  const secret = String(fleet.homeserver(STACK).registration_shared_secret);
  const registered = await registerWithSharedSecret(
    `http://${fleet.site(STACK).dockerLan}:8008`,
    secret,
    `${name}-${randomBytes(3).toString("hex")}`,
    randomBytes(12).toString("hex"),
    false,
  );
  const session = { ...registered, baseUrl };
  const token = session.accessToken;
  const { room_id: roomId } = (await call(baseUrl, "POST", "/_matrix/client/v3/createRoom", {
    token,
    body: {},
  })) as { room_id: string };
  const stateKey = `_${session.userId}_LABDEVICE_m.call`;
  const statePath = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/${MEMBER}/${encodeURIComponent(stateKey)}`;
  await call(baseUrl, "PUT", statePath, {
    token,
    body: { application: "m.call", call_id: "", device_id: "LABDEVICE", scope: "m.room", focus_active: {} },
  });
  const { delay_id: delayId } = (await call(
    baseUrl,
    "PUT",
    `${statePath}?org.matrix.msc4140.delay=${DELAY_MS}`,
    {
      token,
      body: {},
    },
  )) as { delay_id: string };
  return { session, roomId, stateKey, delayId, name };
}

/** The member's token from lk-jwt-service's /get_token (through the proxy), handing over its delay_id or not. */
async function tokenFor(
  rtcBase: string,
  member: Member,
  delegate: boolean,
): Promise<{ url: string; jwt: string }> {
  const { session } = member;
  const openid = await call(
    session.baseUrl,
    "POST",
    `/_matrix/client/v3/user/${encodeURIComponent(session.userId)}/openid/request_token`,
    { token: session.accessToken, body: {} },
  );
  const response = await fetch(`${rtcBase}/get_token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      room_id: member.roomId,
      slot_id: "m.call#ROOM",
      openid_token: openid,
      member: {
        id: `member-${member.name}`,
        claimed_user_id: session.userId,
        claimed_device_id: "LABDEVICE",
      },
      ...(delegate ? { delay_id: member.delayId, delay_timeout: DELAY_MS } : {}),
    }),
    signal: AbortSignal.timeout(20_000),
  });
  const body = (await response.json()) as { url: string; jwt: string };
  assert.equal(response.status, 200, `/get_token for ${member.name}: ${JSON.stringify(body)}`);
  return body;
}

async function membership(member: Member): Promise<Record<string, unknown>> {
  return call(
    member.session.baseUrl,
    "GET",
    `/_matrix/client/v3/rooms/${encodeURIComponent(member.roomId)}/state/${MEMBER}/${encodeURIComponent(member.stateKey)}`,
    { token: member.session.accessToken },
  );
}

/** Synapse's view of the member's delayed events: when the leave's timer last (re)started. */
async function runningSince(member: Member): Promise<number | undefined> {
  const listed = (await call(
    member.session.baseUrl,
    "GET",
    "/_matrix/client/unstable/org.matrix.msc4140/delayed_events",
    {
      token: member.session.accessToken,
    },
  )) as { delayed_events?: Array<{ delay_id: string; running_since?: number }> };
  return listed.delayed_events?.find((e) => e.delay_id === member.delayId)?.running_since;
}

/** A container's log, both streams (the double logs to stderr, as lk-jwt-service's slog does). */
function containerLog(fleet: LabFleet, container: string): string {
  const result = spawnSync(
    "docker",
    ["-H", fleet.site(STACK).dockerHost, "logs", "--tail", "80", container],
    {
      encoding: "utf8",
      timeout: 30_000,
    },
  );
  return `${result.stdout}${result.stderr}`;
}

export function delegatedLeaveScenarios(current: () => LabFleet): void {
  describe("lk-jwt-service 0.6.0 delegates a member's leave when its client vanishes", () => {
    it(
      "LiveKit's webhook reaches lk-jwt-service, which keeps the delegated leave alive while the member is on the SFU and sends it at once when the client vanishes; an undelegated member haunts the room",
      { timeout: 240_000 },
      async () => {
        const fleet = current();
        const client = JSON.parse(fleet.rendered(STACK, "well-known/client")) as {
          "m.homeserver": { base_url: string };
          "org.matrix.msc4143.rtc_foci": Array<{ livekit_service_url: string }>;
        };
        const baseUrl = client["m.homeserver"].base_url;
        const rtcBase = client["org.matrix.msc4143.rtc_foci"][0]!.livekit_service_url;
        assert.match(fleet.rendered(STACK, "livekit/livekit.yaml"), /sfu_webhook/, "the webhook is rendered");
        const delegated = await join(fleet, baseUrl, "delegated");
        const ghost = await join(fleet, baseUrl, "ghost");
        const scheduledAt = (await runningSince(delegated)) ?? 0;
        const tokens = {
          delegated: await tokenFor(rtcBase, delegated, true),
          ghost: await tokenFor(rtcBase, ghost, false),
        };
        const ca = path.join(labCaDir(), "ca.pem");
        const members = new ProcessGroup(
          path.join(fleet.dir, "rtc-members"),
          path.join(process.env.LAB_DIR ?? ".lab/deploy", "pids"),
        );
        try {
          for (const [name, token] of Object.entries(tokens))
            members.start(
              name,
              "ip",
              [
                "netns",
                "exec",
                CLIENT_NAMESPACE,
                process.execPath,
                "--import",
                "tsx",
                path.join(__dirname, "..", "rtc-member.ts"),
                token.url,
                token.jwt,
                "180000",
              ],
              { env: { SSL_CERT_FILE: ca, NODE_EXTRA_CA_CERTS: ca } },
            );
          const connectedBy = Date.now() + 45_000;
          while (
            Date.now() < connectedBy &&
            !Object.keys(tokens).every((n) => members.logOf(n).includes('{"connected"'))
          )
            await sleep(250);
          for (const name of Object.keys(tokens))
            assert.match(
              members.logOf(name),
              /\{"connected"/,
              `${name} never reached LiveKit: ${members.logOf(name).slice(-400)}`,
            );
          // Connected: lk-jwt-service restarted the delegated leave at once (Synapse's timer started again).
          const restartedBy = Date.now() + 10_000;
          let restarted = scheduledAt;
          while (Date.now() < restartedBy && restarted <= scheduledAt) {
            restarted = (await runningSince(delegated)) ?? scheduledAt;
            if (restarted <= scheduledAt) await sleep(500);
          }
          assert.ok(
            restarted > scheduledAt,
            "lk-jwt-service did not restart the delegated leave event once the member was on the SFU",
          );
          // Both clients vanish without a word.
          await members.stopAll(0);
          const vanished = Date.now();
          let left: number | undefined;
          while (left === undefined && Date.now() - vanished < 60_000) {
            if (Object.keys(await membership(delegated)).length === 0) left = Date.now() - vanished;
            else await sleep(500);
          }
          const lkJwtLog = containerLog(fleet, `matrix-${STACK}-lk-jwt`);
          process.stdout.write(
            `# delegated leave: ${left === undefined ? "not sent within 60 s" : `sent ${left} ms`} after the client vanished (delay ${DELAY_MS} ms)\n`,
          );
          assert.ok(
            left !== undefined,
            `the delegated member still haunts the room 60 s after its client vanished; lk-jwt-service's log:\n${lkJwtLog}`,
          );
          assert.ok(
            left < DELAY_MS / 2,
            `left after ${left} ms: that is the delayed event timing out, not the delegation`,
          );
          assert.match(lkJwtLog, /SFU webhook participant_left|SFU webhook participant_connection_aborted/);
          assert.match(lkJwtLog, new RegExp(`ExecuteDelayedEventAction send ${delegated.delayId}: 200`));
          const haunting = await membership(ghost);
          assert.ok(
            Object.keys(haunting).length > 0,
            "the undelegated member left as fast: the delegation proves nothing",
          );
        } finally {
          await members.stopAll(0);
          await call(
            baseUrl,
            "POST",
            `/_matrix/client/unstable/org.matrix.msc4140/delayed_events/${ghost.delayId}/cancel`,
            { body: {} },
          ).catch(() => undefined);
        }
      },
    );
  });
}
