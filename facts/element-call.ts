/**
 * What a MatrixRTC client (Element Call, through matrix-js-sdk) sends into a room to join a call, read at
 * matrix-org/matrix-js-sdk `8fec0cb6` (v42.0.0+24, 2026-07-24): `src/@types/event.ts` and
 * `src/matrixrtc/MembershipManager.ts`. docs/upstream/element-call.md.
 */

/**
 * The call membership: a **state** event (`EventType.GroupCallMemberPrefix`), so a member may send it only if the
 * room's power levels let `users_default` send it (its own `events` entry, else `state_default`, 50 in Synapse's
 * new rooms): field failure 29, "only moderators can join calls".
 */
export const CALL_MEMBER_EVENT_TYPE = "org.matrix.msc3401.call.member";

/**
 * The state key a member's device writes (`makeMembershipStateKey`): `_<user>_<device>_m.call` in room versions
 * without MSC3757 (the leading underscore keeps the user-ID form, which only the owner may send in MSC3757 rooms).
 */
export function callMemberStateKey(userId: string, deviceId: string): string {
  return `_${userId}_${deviceId}_m.call`;
}

/**
 * The sticky-event membership of `StickyEventMembershipManager` (`EventType.RTCMembership`, MSC4354): a message
 * event, so `events_default` (0 in Synapse's new rooms) decides it unless `events` names it.
 */
export const RTC_MEMBER_EVENT_TYPE = "org.matrix.msc4143.rtc.member";
