/**
 * Step two of the lab's browser call (issue #30): a minimal widget host that runs Element Call as Element Web runs
 * it. A logged-in matrix-js-sdk client (server discovery through the well-known file, password login, /sync), and
 * Element Call's embedded build in an iframe, with the URL, iframe attributes, template variables and widget-API
 * host (matrix-widget-api's ClientWidgetApi with lab/browser/pages/widget-driver.ts) of Element Web:
 * element-web `apps/web/src/models/Call.ts` (generateWidgetUrl), `apps/web/src/stores/widgets/WidgetMessaging.ts`
 * (the URL template, widgetId and parentUrl, feeding events), `apps/web/src/components/views/elements/AppTile.tsx`
 * (the iframe). `window.labWidget` tells the driver (lab/browser/element-call.ts) how far it got.
 *
 * Parameters (URL fragment): server, user, password, room (a Matrix room ID the user is joined to), intent
 * (Element Call's, default start_call_voice: Element Web's voice call button).
 */
import { ClientEvent, type MatrixEvent, RoomStateEvent, SyncState, createClient } from "matrix-js-sdk";
import { ClientWidgetApi, type IRoomEvent, type IWidgetApiRequest, Widget } from "matrix-widget-api";
import { PageFailure, discover } from "./matrix-web";
import { elementCallCapabilities } from "./widget-capabilities";
import { LabWidgetDriver } from "./widget-driver";

interface WidgetState {
  step: string;
  state: "running" | "joined" | "failed";
  error?: string;
  userId?: string;
  widgetUrl?: string;
  /** Actions Element Call sent the host (fromWidget), in order. */
  actions: string[];
  refused: string[];
}

declare global {
  interface Window {
    labWidget?: WidgetState;
  }
}

const state: WidgetState = { step: "start", state: "running", actions: [], refused: [] };
window.labWidget = state;

/** Sandbox and feature policy of Element Web's widget iframes (AppTile.tsx: sandboxFlags, iframeFeatures). */
const SANDBOX =
  "allow-forms allow-popups allow-popups-to-escape-sandbox allow-same-origin allow-scripts allow-presentation allow-downloads";
const FEATURES =
  "microphone; camera; encrypted-media; autoplay; display-capture; clipboard-write; clipboard-read;";

/** Element Web's generateWidgetUrl, for a room without encryption, no analytics, no rageshake, default settings. */
function widgetTemplateUrl(
  userId: string,
  deviceId: string,
  roomId: string,
  baseUrl: string,
  intent: string,
): string {
  const url = new URL("./widgets/element-call/index.html#", window.location.href);
  const params = new URLSearchParams({
    perParticipantE2EE: "$perParticipantE2EE",
    userId,
    deviceId,
    roomId,
    baseUrl,
    lang: "en-US",
    fontScale: "1",
    theme: "$org.matrix.msc2873.client_theme",
    intent,
  });
  url.hash = `#?${params.toString().replace(/%24/g, "$")}`;
  return url.toString();
}

async function loggedInClient(server: string, user: string, password: string) {
  state.step = "well-known";
  const { baseUrl, wellKnown } = await discover(server);
  state.step = "login";
  const login = await createClient({ baseUrl }).loginRequest({
    type: "m.login.password",
    identifier: { type: "m.id.user", user },
    password,
    initial_device_display_name: "matrix-fleet lab widget host",
  });
  const client = createClient({
    baseUrl,
    accessToken: login.access_token,
    userId: login.user_id,
    deviceId: login.device_id,
    timelineSupport: true,
  });
  state.userId = login.user_id;
  state.step = "sync";
  const prepared = new Promise<void>((resolve, reject) => {
    client.on(ClientEvent.Sync, (sync: SyncState) => {
      if (sync === SyncState.Prepared) resolve();
      if (sync === SyncState.Error) reject(new PageFailure("sync", "the first /sync failed"));
    });
  });
  await client.startClient({ initialSyncLimit: 20 });
  await prepared;
  return { client, baseUrl, wellKnown };
}

function startWidget(api: ClientWidgetApi, client: ReturnType<typeof createClient>, roomId: string): void {
  api.setViewedRoomId(roomId);
  // Element Web's WidgetMessaging pushes what /sync brings: events, state updates, to-device messages.
  client.on(
    ClientEvent.Event,
    (ev: MatrixEvent) => void api.feedEvent(ev.getEffectiveEvent() as IRoomEvent).catch(() => undefined),
  );
  client.on(
    RoomStateEvent.Events,
    (ev: MatrixEvent) =>
      void api.feedStateUpdate(ev.getEffectiveEvent() as IRoomEvent).catch(() => undefined),
  );
  client.on(
    ClientEvent.ReceivedToDeviceMessage,
    ({ message, encryptionInfo }) =>
      void api.feedToDevice(message, encryptionInfo !== null).catch(() => undefined),
  );
  // Element Call's own actions (element-call src/widget.ts ElementWidgetActions; Element Web's Call.ts acks them).
  const ack = (action: string, then: () => void = () => undefined) =>
    api.on(`action:${action}`, (ev: CustomEvent<IWidgetApiRequest>) => {
      ev.preventDefault();
      state.actions.push(action);
      api.transport.reply(ev.detail, {});
      then();
    });
  ack("io.element.join", () => (state.state = "joined"));
  ack("im.vector.hangup");
  ack("io.element.close");
  ack("io.element.device_mute");
  ack("set_always_on_screen");
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.hash.slice(1));
  const need = (name: string): string => {
    const value = params.get(name);
    if (value === null || value === "")
      throw new PageFailure("parameters", `no ${name} in the page's fragment`);
    return value;
  };
  const roomId = need("room");
  const { client, baseUrl, wellKnown } = await loggedInClient(need("server"), need("user"), need("password"));
  state.step = "room";
  if (client.getRoom(roomId)?.getMyMembership() !== "join") await client.joinRoom(roomId);
  const room = client.getRoom(roomId);
  const userId = client.getSafeUserId();
  const deviceId = client.getDeviceId() ?? "";
  state.step = "widget";
  const widget = new Widget({
    id: `lab-element-call-${Date.now()}`,
    creatorUserId: userId,
    type: "m.call",
    url: widgetTemplateUrl(userId, deviceId, roomId, baseUrl, params.get("intent") ?? "start_call_voice"),
    name: "Element Call",
    data: { perParticipantE2EE: room?.hasEncryptionStateEvent() ?? false },
    waitForIframeLoad: false,
  });
  const complete = new URL(
    widget.getCompleteUrl({
      widgetRoomId: roomId,
      currentUserId: userId,
      clientId: "io.element.web",
      clientTheme: "light",
      clientLanguage: "en-US",
      deviceId,
      baseUrl,
    }),
  );
  complete.searchParams.set("widgetId", widget.id);
  complete.searchParams.set("parentUrl", window.location.href.split("#", 2)[0]!);
  state.widgetUrl = complete.toString().replace(/%24/g, "$");
  const iframe = document.createElement("iframe");
  iframe.title = "Element Call";
  iframe.allow = FEATURES;
  iframe.setAttribute("sandbox", SANDBOX);
  iframe.allowFullscreen = true;
  iframe.style.cssText = "border:0;width:100vw;height:100vh;display:block";
  iframe.src = state.widgetUrl;
  document.body.append(iframe);
  const driver = new LabWidgetDriver(
    client,
    roomId,
    elementCallCapabilities(roomId, userId, deviceId),
    wellKnown,
  );
  const api = new ClientWidgetApi(widget, iframe, driver);
  state.refused = driver.refused;
  startWidget(api, client, roomId);
  state.step = "lobby";
}

main().catch((error: unknown) => {
  state.state = "failed";
  if (error instanceof PageFailure) state.step = error.step;
  state.error = error instanceof Error ? error.message : String(error);
});
