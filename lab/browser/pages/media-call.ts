/**
 * Step one of the lab's browser call (issue #30): the media path in a browser, without Element Call. The page logs
 * a user in on the organisation's homeserver and gets a LiveKit token the way Element Call does (lab/browser/pages/
 * matrix-web.ts: well-known, login, MSC4143 transports, OpenID, lk-jwt-service's /sfu/get through the proxy), then
 * joins with livekit-client and publishes the fake microphone. Its state is `window.labCall`, which the driver
 * (lab/browser/media-call.ts) waits on; a failure names its step.
 *
 * Parameters (URL fragment, never sent to a server): server (the Matrix server name), user, password, room (the
 * Matrix room ID whose call this is).
 */
import { Room, RoomEvent } from "livekit-client";
import { PageFailure, discover, livekitServiceUrl, login, openIdToken, sfuToken } from "./matrix-web";

interface CallState {
  step: string;
  state: "running" | "joined" | "failed";
  error?: string;
  userId?: string;
  livekitUrl?: string;
  remoteParticipants: number;
}

declare global {
  interface Window {
    labCall?: CallState;
  }
}

const state: CallState = { step: "start", state: "running", remoteParticipants: 0 };
window.labCall = state;

function show(text: string): void {
  const line = document.createElement("p");
  line.textContent = text;
  document.body.append(line);
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.hash.slice(1));
  const need = (name: string): string => {
    const value = params.get(name);
    if (value === null || value === "")
      throw new PageFailure("parameters", `no ${name} in the page's fragment`);
    return value;
  };
  state.step = "well-known";
  const { baseUrl, wellKnown } = await discover(need("server"));
  state.step = "login";
  const session = await login(baseUrl, need("user"), need("password"));
  state.userId = session.userId;
  show(`logged in as ${session.userId} on ${baseUrl}`);
  state.step = "rtc-transports";
  const serviceUrl = await livekitServiceUrl(session, wellKnown);
  state.step = "openid";
  const openId = await openIdToken(session);
  state.step = "lk-jwt-service";
  const { url, jwt } = await sfuToken(serviceUrl, need("room"), openId, session.deviceId);
  state.livekitUrl = url;
  show(`lk-jwt-service at ${serviceUrl} handed out a token for ${url}`);
  state.step = "livekit";
  const room = new Room();
  const count = () => (state.remoteParticipants = room.remoteParticipants.size);
  room.on(RoomEvent.ParticipantConnected, count).on(RoomEvent.ParticipantDisconnected, count);
  await room.connect(url, jwt);
  count();
  state.step = "microphone";
  // The media path, not the voice processing: the microphone as the file has it (Element Call's own defaults are
  // exercised by step two).
  await room.localParticipant.setMicrophoneEnabled(true, {
    echoCancellation: false,
    noiseSuppression: false,
    autoGainControl: false,
  });
  show(`joined ${room.name} and publishing the microphone`);
  state.state = "joined";
}

main().catch((error: unknown) => {
  state.state = "failed";
  state.error =
    error instanceof PageFailure
      ? error.message
      : `${state.step}: ${error instanceof Error ? error.message : String(error)}`;
  if (error instanceof PageFailure) state.step = error.step;
  show(`failed at ${state.step}: ${state.error}`);
});
