/**
 * One capacity step on a lab organisation: a call of `members` (the first `speakers` talking) through the
 * organisation's real path, found as Element finds it (the server name's `.well-known/matrix/client`: the
 * homeserver's base URL and the MatrixRTC focus, lk-jwt-service's URL), with LiveKit's side sampled at the start and
 * end of the generator's measured interval.
 */
import { GeneratorResult, StepFigures, stepFigures } from "./call-stats";
import { Member, deadlineFor, runGenerator } from "./generator";
import { LivekitProbe } from "./livekit-probe";
import { ServerSample } from "./ramp";

/** Where an organisation's clients go, read from its well-known client file as Element reads it. */
export interface ClientView {
  readonly homeserverUrl: string;
  /** lk-jwt-service, from `org.matrix.msc4143.rtc_foci` (MSC4143). */
  readonly livekitServiceUrl: string;
}

export async function discover(serverName: string): Promise<ClientView> {
  const response = await fetch(`https://${serverName}/.well-known/matrix/client`, {
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as {
    "m.homeserver"?: { base_url?: string };
    "org.matrix.msc4143.rtc_foci"?: Array<{ type?: string; livekit_service_url?: string }>;
  };
  const homeserverUrl = body["m.homeserver"]?.base_url?.replace(/\/$/, "");
  const focus = body["org.matrix.msc4143.rtc_foci"]?.find((f) => f.type === "livekit")?.livekit_service_url;
  if (homeserverUrl === undefined || focus === undefined)
    throw new Error(`${serverName}'s .well-known/matrix/client names no homeserver or no LiveKit focus`);
  return { homeserverUrl, livekitServiceUrl: focus.replace(/\/$/, "") };
}

export interface CallOptions {
  readonly speakers: number;
  readonly joinsPerSecond: number;
  readonly settleSeconds: number;
  readonly measureSeconds: number;
  readonly joinTimeoutSeconds?: number;
  readonly bitsPerSecond?: number;
}

export interface CallStep {
  readonly figures: StepFigures;
  readonly server: ServerSample | undefined;
  readonly raw: GeneratorResult;
}

export async function callStep(
  client: { namespace: string; caFile: string; view: ClientView },
  probe: LivekitProbe | undefined,
  roomId: string,
  members: readonly Member[],
  options: CallOptions,
): Promise<CallStep> {
  const base = {
    homeserver: client.view.homeserverUrl,
    lkJwt: client.view.livekitServiceUrl,
    matrixRoom: roomId,
    members,
    speakers: options.speakers,
    joinsPerSecond: options.joinsPerSecond,
    settleSeconds: options.settleSeconds,
    measureSeconds: options.measureSeconds,
    joinTimeoutSeconds: options.joinTimeoutSeconds ?? 20,
    bitsPerSecond: options.bitsPerSecond ?? 48000,
  };
  const samples: Array<Promise<Awaited<ReturnType<LivekitProbe["sample"]>>>> = [];
  const raw = await runGenerator(
    client.namespace,
    client.caFile,
    { ...base, deadlineSeconds: deadlineFor(base) },
    ({ event }) => {
      if (probe !== undefined && (event === "measuring" || event === "measured"))
        samples.push(probe.sample());
    },
  );
  const [start, end] = await Promise.all(samples);
  return {
    figures: stepFigures(raw, options.speakers),
    server:
      probe !== undefined && start !== undefined && end !== undefined ? probe.between(start, end) : undefined,
    raw,
  };
}
