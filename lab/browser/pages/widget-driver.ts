/**
 * The widget host's WidgetDriver: what matrix-widget-api's ClientWidgetApi asks of a host when Element Call makes a
 * request, answered with a logged-in matrix-js-sdk client, method by method as Element Web's driver answers it
 * (element-web `apps/web/src/stores/widgets/ElementWidgetDriver.ts`). What it leaves out is listed in
 * docs/development/browser-lab.md ("What the widget host stands in for").
 */
import {
  ClientEvent,
  Direction,
  EventType,
  type IContent,
  MatrixError,
  type MatrixClient,
  type StateEvents,
  type TimelineEvents,
} from "matrix-js-sdk";
import {
  type Capability,
  type IOpenIDUpdate,
  type IRoomEvent,
  type ISendDelayedEventDetails,
  type ISendEventDetails,
  type IRtcTransportsResult,
  type ITurnServer,
  type IWidgetApiErrorResponseDataDetails,
  OpenIDRequestState,
  type SimpleObservable,
  WidgetDriver,
} from "matrix-widget-api";

export class LabWidgetDriver extends WidgetDriver {
  /** Capabilities the widget asked for and did not get (Element Web would have prompted the user). */
  readonly refused: string[] = [];

  constructor(
    private readonly client: MatrixClient,
    private readonly roomId: string,
    private readonly allowed: Set<string>,
    private readonly wellKnown: Record<string, unknown>,
  ) {
    super();
  }

  async validateCapabilities(requested: Set<Capability>): Promise<Set<Capability>> {
    const granted = new Set([...requested].filter((c) => this.allowed.has(c)));
    this.refused.push(...[...requested].filter((c) => !granted.has(c)));
    return granted;
  }

  private room(roomId: string | null | undefined): string {
    return roomId ?? this.roomId;
  }

  async sendEvent(
    eventType: string,
    content: unknown,
    stateKey: string | null = null,
    roomId: string | null = null,
  ): Promise<ISendEventDetails> {
    const target = this.room(roomId);
    const c = content as IContent;
    const r =
      stateKey !== null
        ? await this.client.sendStateEvent(target, eventType as keyof StateEvents, c as never, stateKey)
        : eventType === EventType.RoomRedaction
          ? await this.client.redactEvent(target, String(c.redacts))
          : await this.client.sendEvent(target, eventType as keyof TimelineEvents, c as never);
    return { roomId: target, eventId: r.event_id };
  }

  async sendStickyEvent(
    stickyDurationMs: number,
    eventType: string,
    content: unknown,
    roomId: string | null = null,
  ): Promise<ISendEventDetails> {
    const target = this.room(roomId);
    const r = await this.client._unstable_sendStickyEvent(
      target,
      stickyDurationMs,
      null,
      eventType as keyof TimelineEvents,
      content as never,
    );
    return { roomId: target, eventId: r.event_id };
  }

  async readStickyEvents(roomId: string): Promise<IRoomEvent[]> {
    const room = this.client.getRoom(roomId);
    return room === null
      ? []
      : [...room._unstable_getStickyEvents()].map((e) => e.getEffectiveEvent() as IRoomEvent);
  }

  async sendDelayedEvent(
    delay: number,
    eventType: string,
    content: unknown,
    stateKey: string | null = null,
    roomId: string | null = null,
  ): Promise<ISendDelayedEventDetails> {
    const target = this.room(roomId);
    const r =
      stateKey !== null
        ? await this.client._unstable_sendDelayedStateEvent(
            target,
            { delay },
            eventType as keyof StateEvents,
            content as never,
            stateKey,
          )
        : await this.client._unstable_sendDelayedEvent(
            target,
            { delay },
            null,
            eventType as keyof TimelineEvents,
            content as never,
          );
    return { roomId: target, delayId: r.delay_id };
  }

  async sendDelayedStickyEvent(
    delay: number,
    stickyDurationMs: number,
    eventType: string,
    content: unknown,
    roomId: string | null = null,
  ): Promise<ISendDelayedEventDetails> {
    const target = this.room(roomId);
    const r = await this.client._unstable_sendStickyDelayedEvent(
      target,
      stickyDurationMs,
      { delay },
      null,
      eventType as keyof TimelineEvents,
      content as never,
    );
    return { roomId: target, delayId: r.delay_id };
  }

  async cancelScheduledDelayedEvent(delayId: string): Promise<void> {
    await this.client._unstable_cancelScheduledDelayedEvent(delayId);
  }

  async restartScheduledDelayedEvent(delayId: string): Promise<void> {
    await this.client._unstable_restartScheduledDelayedEvent(delayId);
  }

  async sendScheduledDelayedEvent(delayId: string): Promise<void> {
    await this.client._unstable_sendScheduledDelayedEvent(delayId);
  }

  /** Unencrypted to-device messages only: the host has no crypto (Element Web: "E2EE not enabled" then too). */
  async sendToDevice(
    eventType: string,
    encrypted: boolean,
    contentMap: { [userId: string]: { [deviceId: string]: object } },
  ): Promise<void> {
    if (encrypted) throw new Error("E2EE not enabled");
    await this.client.queueToDevice({
      eventType,
      batch: Object.entries(contentMap).flatMap(([userId, devices]) =>
        Object.entries(devices).map(([deviceId, payload]) => ({ userId, deviceId, payload })),
      ),
    });
  }

  async readRoomTimeline(
    roomId: string,
    eventType: string,
    msgtype: string | undefined,
    stateKey: string | undefined,
    limit: number,
    since: string | undefined,
  ): Promise<IRoomEvent[]> {
    const room = this.client.getRoom(roomId);
    if (room === null) return [];
    const max = limit > 0 ? limit : Number.MAX_SAFE_INTEGER;
    const events = [...room.getLiveTimeline().getEvents()].reverse();
    const found: IRoomEvent[] = [];
    for (const ev of events) {
      if (found.length >= max || ev.getId() === since) break;
      if (ev.getType() !== eventType) continue;
      if (eventType === EventType.RoomMessage && msgtype && msgtype !== ev.getContent().msgtype) continue;
      if (stateKey !== undefined && ev.getStateKey() !== stateKey) continue;
      found.push(ev.getEffectiveEvent() as IRoomEvent);
    }
    return found;
  }

  async readRoomState(
    roomId: string,
    eventType: string,
    stateKey: string | undefined,
  ): Promise<IRoomEvent[]> {
    const state = this.client.getRoom(roomId)?.getLiveTimeline().getState(Direction.Forward);
    if (state === undefined) return [];
    if (stateKey === undefined)
      return state.getStateEvents(eventType).map((e) => e.getEffectiveEvent() as IRoomEvent);
    const event = state.getStateEvents(eventType, stateKey);
    return event === null ? [] : [event.getEffectiveEvent() as IRoomEvent];
  }

  /** Element Web allows OpenID for its own Element Call widget without asking (WidgetPermissionStore). */
  askOpenID(observer: SimpleObservable<IOpenIDUpdate>): void {
    void this.client.getOpenIdToken().then(
      (token) => observer.update({ state: OpenIDRequestState.Allowed, token }),
      () => observer.update({ state: OpenIDRequestState.Blocked }),
    );
  }

  async navigate(): Promise<void> {
    // A call widget in a room of its own has nowhere to navigate to.
  }

  async *getTurnServers(): AsyncGenerator<ITurnServer> {
    const [server] = this.client.getTurnServers();
    if (!this.client.pollingTurnServers || server === undefined) return;
    yield { uris: server.urls, username: server.username, password: server.credential };
    // Element Web keeps yielding refreshed credentials until the widget stops; one is enough for a lab call.
    await new Promise<void>((resolve) => this.client.once(ClientEvent.TurnServers, () => resolve()));
  }

  /** MSC4515: the homeserver's transports (MSC4143), else the well-known's rtc_foci, as Element Web falls back. */
  async getRtcTransports(): Promise<IRtcTransportsResult> {
    try {
      const transports = await this.client.cachedRtcTransports.wait();
      return { rtc_transports: (transports ?? []) as IRtcTransportsResult["rtc_transports"] };
    } catch (error) {
      const foci = this.wellKnown["org.matrix.msc4143.rtc_foci"];
      if (error instanceof MatrixError && error.errcode === "M_UNRECOGNIZED" && Array.isArray(foci))
        return { rtc_transports: foci };
      throw error;
    }
  }

  getKnownRooms(): string[] {
    return this.client.getVisibleRooms().map((r) => r.roomId);
  }

  processError(error: unknown): IWidgetApiErrorResponseDataDetails | undefined {
    return error instanceof MatrixError ? { matrix_api_error: error.asWidgetApiErrorData() } : undefined;
  }
}
