/**
 * lk-jwt-service's delegated leave (MSC4140), added after v0.5.0 and shipped as 0.6.0: the double follows the
 * default branch at `a375b130a43fade115e0e71ad159f11265107d89` (2026-07-23; no 0.6.0 tag is readable), `handler.go`
 * (`/delegate_delayed_leave`, `/sfu_webhook`, `sfuEventFromWebhook`), `delayedEventManager.go` (the job's states) and
 * `helper.go` (`resolveCsApiUrl`, `ExecuteDelayedEventAction`); docs/upstream/lk-jwt-service.md "0.6.0".
 *
 * A member hands over the delay_id of its delayed leave event. Once LiveKit reports the member (webhook
 * participant_joined, or found through RoomService.GetParticipant) the job restarts the delayed event at once and
 * then at 80 % of its timeout, without a token; when LiveKit reports the member gone (participant_left,
 * participant_connection_aborted) it sends the leave event at once. Not modelled: Redis persistence
 * (`LIVEKIT_REDIS_URL`), the sanity-check poll, the retry backoff's randomisation. Node's standard library only.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { Outbound, request } from "./lk-jwt-outbound";
import { signAccessToken, toHttpUrl } from "./lk-jwt-livekit";

export interface DelegationParams {
  readonly serverName: string;
  readonly delayId: string;
  readonly delayTimeoutMs: number;
  readonly room: string;
  readonly identity: string;
}

type State = "waiting" | "connected" | "disconnected" | "aborted" | "replaced";

interface Job extends DelegationParams {
  state: State;
  timers: NodeJS.Timeout[];
}

export interface DelegationDeps {
  readonly outbound: Outbound;
  readonly livekit: { url: string; key: string; secret: string };
  /** LIVEKIT_CS_API_URL_OVERRIDES: server name to Client-Server API base URL. */
  readonly csApiOverrides: ReadonlyMap<string, string>;
  readonly log: (line: string) => void;
  readonly now: () => number;
}

/** `DelayedEventsEndpoint` (delayedEventManager.go). */
export const DELAYED_EVENTS_PATH = "/_matrix/client/unstable/org.matrix.msc4140/delayed_events";

/** `LIVEKIT_CS_API_URL_OVERRIDES`: comma-separated `server_name=url`. */
export function parseCsApiOverrides(value: string | undefined): Map<string, string> {
  const overrides = new Map<string, string>();
  for (const entry of (value ?? "").split(",")) {
    const at = entry.indexOf("=");
    if (at > 0) overrides.set(entry.slice(0, at).trim(), entry.slice(at + 1).trim());
  }
  return overrides;
}

export class Delegations {
  private readonly jobs = new Map<string, Job>();
  private readonly csApi = new Map<string, string>();

  constructor(private readonly deps: DelegationDeps) {}

  /** `resolveCsApiUrl`: an override, the cache, then the server name's `/.well-known/matrix/client`. */
  async resolveCsApi(serverName: string): Promise<string | undefined> {
    const known = this.deps.csApiOverrides.get(serverName) ?? this.csApi.get(serverName);
    if (known !== undefined) return known;
    try {
      const response = await request(this.deps.outbound, {
        url: new URL(`https://${serverName}/.well-known/matrix/client`),
        maxBytes: 1 << 16,
      });
      const base = (JSON.parse(response.body.toString("utf8")) as { "m.homeserver"?: { base_url?: string } })[
        "m.homeserver"
      ]?.base_url;
      if (response.status !== 200 || typeof base !== "string" || base === "") return undefined;
      this.csApi.set(serverName, base.replace(/\/+$/, ""));
      return this.csApi.get(serverName);
    } catch (error) {
      this.deps.log(
        `Failed to resolve URL of Client-Server API for ${serverName}: ${(error as Error).message}`,
      );
      return undefined;
    }
  }

  /** `addDelayedEventJob`: a new job for the member replaces the one it had. */
  add(params: DelegationParams): void {
    const key = `${params.room}|${params.identity}`;
    const previous = this.jobs.get(key);
    if (previous !== undefined) this.enter(previous, "replaced");
    const job: Job = { ...params, state: "waiting", timers: [] };
    this.jobs.set(key, job);
    this.deps.log(`Job: scheduled delayed event ${params.delayId} for ${params.identity} in ${params.room}`);
    // WaitingForInitialConnect times out after min(1 h, delay timeout): the leave is sent.
    job.timers.push(setTimeout(() => this.signal(job, "gone"), Math.min(3_600_000, params.delayTimeoutMs)));
    void this.lookUp(job, 1000);
  }

  /** `handleSfuWebhook`: a signed LiveKit event; false when its signature does not verify. */
  webhook(authorization: string | undefined, body: string): boolean {
    if (!verifyWebhook(this.deps.livekit.key, this.deps.livekit.secret, authorization, body)) return false;
    const event = JSON.parse(body) as {
      event?: string;
      room?: { name?: string };
      participant?: { identity?: string; disconnectReason?: string | number };
    };
    const job = this.jobs.get(`${event.room?.name ?? ""}|${event.participant?.identity ?? ""}`);
    this.deps.log(`SFU webhook ${event.event ?? "?"} for ${event.participant?.identity ?? "-"}`);
    if (job === undefined) return true;
    if (event.event === "participant_joined") this.signal(job, "connected");
    if (event.event === "participant_left" || event.event === "participant_connection_aborted")
      this.signal(job, "gone");
    return true;
  }

  /** Jobs by state, for tests. */
  states(): Record<string, State> {
    return Object.fromEntries([...this.jobs.values()].map((job) => [job.delayId, job.state]));
  }

  close(): void {
    for (const job of this.jobs.values()) this.stopTimers(job);
  }

  /** The job's transitions (`fsmTransitions`). */
  private signal(job: Job, what: "connected" | "gone" | "notFound"): void {
    if (job.state === "waiting" && what === "connected") this.enter(job, "connected");
    else if ((job.state === "waiting" || job.state === "connected") && what === "gone")
      this.enter(job, "disconnected");
    else if (job.state === "connected" && what === "notFound") this.enter(job, "aborted");
  }

  private enter(job: Job, state: State): void {
    this.stopTimers(job);
    job.state = state;
    this.deps.log(`Job: ${job.delayId} -> ${state}`);
    if (state === "connected") void this.restart(job);
    if (state === "disconnected")
      void this.send(job, this.deps.now() + Math.min(3_600_000, job.delayTimeoutMs));
  }

  /** Restart now, then at 80 % of the timeout while connected; a 404 ends the job (the event is gone). */
  private async restart(job: Job): Promise<void> {
    if (job.state !== "connected") return;
    const status = await this.action(job, "restart");
    if (job.state !== "connected") return;
    if (status === 404) return this.signal(job, "notFound");
    const next = status !== undefined && status < 300 ? job.delayTimeoutMs * 0.8 : 1000;
    job.timers.push(setTimeout(() => void this.restart(job), next));
  }

  /** Send the leave event, retrying until the delayed event would have fired anyway; 404 = already sent. */
  private async send(job: Job, deadline: number): Promise<void> {
    const status = await this.action(job, "send");
    if (status !== undefined && (status < 300 || status === 404)) return;
    if (this.deps.now() + 1000 < deadline)
      job.timers.push(setTimeout(() => void this.send(job, deadline), 1000));
  }

  private async action(job: Job, action: "restart" | "send"): Promise<number | undefined> {
    const base = await this.resolveCsApi(job.serverName);
    if (base === undefined) return undefined;
    const url = new URL(`${base}${DELAYED_EVENTS_PATH}/${encodeURIComponent(job.delayId)}/${action}`);
    try {
      const response = await request(this.deps.outbound, {
        url,
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: Buffer.from("{}"),
      });
      this.deps.log(`ExecuteDelayedEventAction ${action} ${job.delayId}: ${response.status}`);
      return response.status;
    } catch (error) {
      this.deps.log(`ExecuteDelayedEventAction ${action} ${job.delayId}: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** `startParticipantLookup`: GetParticipant with backoff (1 s, x1.5) until found or the wait is over. */
  private async lookUp(job: Job, delayMs: number): Promise<void> {
    if (job.state !== "waiting") return;
    const url = new URL(`${toHttpUrl(this.deps.livekit.url)}/twirp/livekit.RoomService/GetParticipant`);
    const { key, secret } = this.deps.livekit;
    const token = signAccessToken(
      key,
      secret,
      { video: { roomAdmin: true, room: job.room }, validForSeconds: 600 },
      Math.floor(this.deps.now() / 1000),
    );
    try {
      // Twirp takes JSON as well as protobuf; upstream's server-sdk-go sends protobuf, the contract is the same.
      const response = await request(this.deps.outbound, {
        url,
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
        body: Buffer.from(JSON.stringify({ room: job.room, identity: job.identity })),
      });
      if (response.status === 200) return this.signal(job, "connected");
    } catch {
      // A transport error is retried like an absent participant.
    }
    job.timers.push(setTimeout(() => void this.lookUp(job, Math.min(60_000, delayMs * 1.5)), delayMs));
  }

  private stopTimers(job: Job): void {
    for (const timer of job.timers) clearTimeout(timer);
    job.timers = [];
  }
}

/**
 * `webhook.ReceiveWebhookEvent`: the Authorization header is a JWT HS256-signed with the secret of the API key in
 * its `iss`, whose `sha256` claim is the base64 SHA-256 of the body.
 */
export function verifyWebhook(
  key: string,
  secret: string,
  authorization: string | undefined,
  body: string,
): boolean {
  const token = (authorization ?? "").replace(/^Bearer\s+/i, "");
  const [header, claims, signature] = token.split(".");
  if (header === undefined || claims === undefined || signature === undefined) return false;
  const expected = createHmac("sha256", secret).update(`${header}.${claims}`).digest();
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
  let parsed: { iss?: string; sha256?: string; exp?: number };
  try {
    parsed = JSON.parse(Buffer.from(claims, "base64url").toString("utf8")) as typeof parsed;
  } catch {
    return false;
  }
  const digest = createHash("sha256").update(body).digest("base64");
  return parsed.iss === key && parsed.sha256 === digest;
}
