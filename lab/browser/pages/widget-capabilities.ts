/**
 * The capabilities the widget host grants Element Call without asking anyone: exactly the set Element Web grants a
 * virtual Element Call widget in its room (element-web `apps/web/src/stores/widgets/ElementWidgetDriver.ts`, the
 * constructor's `WidgetType.CALL` branch). Element Web prompts the user for anything else a widget asks; the lab
 * host has nobody to ask and refuses it, and reports what it refused (widget-host.ts, `refused`).
 */
import { EventDirection, MatrixCapabilities, WidgetEventCapability } from "matrix-widget-api";

const CALL_MEMBER = "org.matrix.msc3401.call.member";

export function elementCallCapabilities(roomId: string, userId: string, deviceId: string): Set<string> {
  const allowed = new Set<string>([
    // Always granted by Element Web's driver (screenshots; the host-bound "requires client").
    MatrixCapabilities.Screenshots,
    MatrixCapabilities.RequiresClient,
    MatrixCapabilities.AlwaysOnScreen,
    MatrixCapabilities.MSC3846TurnServers,
    MatrixCapabilities.MSC4515RtcTransports,
    `org.matrix.msc2762.timeline:${roomId}`,
    MatrixCapabilities.MSC4157SendDelayedEvent,
    MatrixCapabilities.MSC4157UpdateDelayedEvent,
    MatrixCapabilities.MSC4407SendStickyEvent,
    MatrixCapabilities.MSC4407ReceiveStickyEvent,
    MatrixCapabilities.MSC4039DownloadFile,
  ]);
  const state = (direction: EventDirection, type: string, stateKey?: string) =>
    allowed.add(WidgetEventCapability.forStateEvent(direction, type, stateKey).raw);
  for (const type of [
    "m.room.name",
    "m.room.member",
    "org.matrix.msc3401.call",
    "org.matrix.msc4143.rtc.slot",
    "m.room.encryption",
    CALL_MEMBER,
    "m.room.create",
  ])
    state(EventDirection.Receive, type);
  // The legacy membership (state key: the user), the MSC4143 session memberships, with and without the leading
  // underscore some room versions' auth rules require.
  for (const key of [
    userId,
    `_${userId}_${deviceId}`,
    `_${userId}_${deviceId}_m.call`,
    `${userId}_${deviceId}`,
    `${userId}_${deviceId}_m.call`,
  ])
    state(EventDirection.Send, CALL_MEMBER, key);
  const sendOnly = ["org.matrix.msc4075.call.notify", "org.matrix.msc4075.rtc.notification"];
  const sendReceive = [
    "io.element.call.encryption_keys",
    "org.matrix.rageshake_request",
    "m.reaction",
    "m.room.redaction",
    "io.element.call.reaction",
    "org.matrix.msc4310.rtc.decline",
    "m.rtc.decline",
    "org.matrix.msc4143.rtc.member",
    "m.rtc.member",
  ];
  for (const type of [...sendOnly, ...sendReceive])
    allowed.add(WidgetEventCapability.forRoomEvent(EventDirection.Send, type).raw);
  for (const type of sendReceive)
    allowed.add(WidgetEventCapability.forRoomEvent(EventDirection.Receive, type).raw);
  for (const type of [
    "m.call.invite",
    "m.call.candidates",
    "m.call.answer",
    "m.call.hangup",
    "m.call.reject",
    "m.call.select_answer",
    "m.call.negotiate",
    "m.call.sdp_stream_metadata_changed",
    "org.matrix.call.sdp_stream_metadata_changed",
    "m.call.replaces",
    "io.element.call.encryption_keys",
  ]) {
    allowed.add(WidgetEventCapability.forToDeviceEvent(EventDirection.Send, type).raw);
    allowed.add(WidgetEventCapability.forToDeviceEvent(EventDirection.Receive, type).raw);
  }
  return allowed;
}
