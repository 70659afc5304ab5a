/**
 * Members can join calls (issue #29, field failure 29), on the Docker lab: in a room an admin of produktor created
 * as any client does (a plain createRoom, no power levels of its own), a plain member sends the call membership
 * (`org.matrix.msc3401.call.member`, the state event Element Call sends on joining) and joins the call on LiveKit
 * with the token lk-jwt-service hands them; `verify` finds the same levels in rooms it creates. The fault: Synapse's
 * homeserver.yaml without matrix-fleet's `default_power_level_content_override` (a file variant of the running
 * container; preflight keeps the program from deploying it): the member is refused with 403, and verify says why.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";
import { CALL_MEMBER_EVENT_TYPE, callMemberStateKey } from "../../facts/element-call";
import { callsChecks } from "../../verify/calls-checks";
import { joinLivekitRoom } from "../../verify/livekit-signal";
import { LabFleet } from "../deploy/fleet";
import { withFileVariant } from "../deploy/file-variant";
import { LabUser, checkNamed, labUser, verifySome } from "../lan-and-peers";
import { MatrixError, call, registerWithSharedSecret } from "../matrix-client";
import { tokenFrom } from "./peer-calls";

const STACK = "produktor";
const MEMBERSHIP_NAME = "members may join calls in new rooms";

/** A room an admin made with a plain createRoom, the member invited and joined: what Element does, minus its UI. */
async function adminsRoom(fleet: LabFleet, member: LabUser): Promise<string> {
  const site = fleet.site(STACK);
  const admin = await registerWithSharedSecret(
    `http://${site.dockerLan}:8008`,
    String(fleet.homeserver(STACK).registration_shared_secret),
    `admin-${Date.now().toString(36)}`,
    "lab-admin-password-0123456789",
    true,
  );
  const created = await call(member.baseUrl, "POST", "/_matrix/client/v3/createRoom", {
    token: admin.accessToken,
    body: { preset: "private_chat", name: "team call", invite: [member.userId] },
  });
  const roomId = String(created.room_id);
  await call(member.baseUrl, "POST", `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {
    token: member.accessToken,
    body: {},
  });
  return roomId;
}

/** The member joins the room's call as Element Call does: its call membership, then LiveKit with its token. */
async function memberJoinsCall(fleet: LabFleet, member: LabUser, roomId: string): Promise<string> {
  const device = "LABDEVICE";
  const rtc = fleet.site(STACK).hostnames.find((h) => h.startsWith("matrix-rtc."))!;
  await call(
    member.baseUrl,
    "PUT",
    `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/${CALL_MEMBER_EVENT_TYPE}/${encodeURIComponent(callMemberStateKey(member.userId, device))}`,
    {
      token: member.accessToken,
      body: {
        application: "m.call",
        call_id: "",
        scope: "m.room",
        device_id: device,
        expires: 14_400_000,
        focus_active: { type: "livekit", focus_selection: "oldest_membership" },
        foci_preferred: [
          { type: "livekit", livekit_service_url: `https://${rtc}/livekit/jwt`, livekit_alias: roomId },
        ],
      },
    },
  );
  const { url, jwt } = await tokenFrom(fleet, STACK, member, roomId);
  const joined = await joinLivekitRoom(url, jwt, 10_000);
  assert.equal(joined.kind, "joined", `LiveKit refused the member's token: ${JSON.stringify(joined)}`);
  return roomId;
}

export function callRightsScenarios(current: () => LabFleet): void {
  describe("A plain member joins a call in a room an admin created (issue #29, field failure 29)", () => {
    it(
      "the member sends the call membership and joins LiveKit; verify finds members may join in every preset",
      { timeout: 90_000 },
      async () => {
        const fleet = current();
        const member = await labUser(fleet, STACK, "member");
        await memberJoinsCall(fleet, member, await adminsRoom(fleet, member));
        const r = checkNamed(await verifySome(fleet, STACK, member, [callsChecks]), MEMBERSHIP_NAME);
        assert.equal(r.outcome, "pass", r.detail);
      },
    );

    it(
      "with the levels taken out of homeserver.yaml, the member is refused and verify names the cause (fault)",
      { timeout: 240_000 },
      async () => {
        const fleet = current();
        const site = fleet.site(STACK);
        const withoutLevels = (deployed: string) => {
          const doc = yaml.load(deployed) as Record<string, unknown>;
          delete doc.default_power_level_content_override;
          return yaml.dump(doc, { lineWidth: -1 });
        };
        await withFileVariant(
          site,
          {
            container: `matrix-${STACK}-synapse`,
            file: "/config/homeserver.yaml",
            edit: withoutLevels,
            readyUrl: `http://${site.dockerLan}:8008/health`,
            readyWithinMs: 120_000,
          },
          async () => {
            const member = await labUser(fleet, STACK, "member");
            const refused = await memberJoinsCall(fleet, member, await adminsRoom(fleet, member)).catch(
              (error: unknown) => error,
            );
            assert.ok(
              refused instanceof MatrixError && refused.status === 403,
              `not refused: ${String(refused)}`,
            );
            console.log(`without the levels: ${refused.message}`);
            const r = checkNamed(await verifySome(fleet, STACK, member, [callsChecks]), MEMBERSHIP_NAME);
            assert.equal(r.outcome, "fail");
            assert.match(r.detail, /org\.matrix\.msc3401\.call\.member needs level 50 and a member has 0/);
            assert.match(r.fix ?? "", /default_power_level_content_override/);
          },
        );
      },
    );
  });
}
