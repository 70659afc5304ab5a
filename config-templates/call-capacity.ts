import { isPlainObject } from "../config/merge";
import { MEASURED_CALL_CAPACITY, MEDIA_PORTS_PER_SPEAKER } from "../facts/capacity";
import { StackPlan } from "./plan";

/**
 * How many participants one call on this stack's LiveKit carries, predicted from the benchmark's measured figure
 * per core (facts/capacity.ts) and the host size the stack declares (`capacity.hostCores`), and bounded by the media
 * port range of the livekit.yaml that would be deployed (overrides included): with a port range every peer
 * connection holds a port, and a participant who has spoken once holds two. summary.md prints it next to TURN's
 * capacity; preflight warns when `capacity.expectedParticipants` is more.
 */
/** The benchmark's figure a prediction is made from (facts/capacity.ts). */
export interface MeasuredFigure {
  readonly livekit: string;
  readonly speakers: number;
  readonly participantsPerCore: number;
  readonly measured: string;
}

export interface CallCapacity {
  readonly measuredFigure: MeasuredFigure;
  readonly speakers: number;
  readonly participantsPerCore: number;
  readonly hostCores: number | undefined;
  /** participantsPerCore x hostCores, rounded down; undefined without a declared host size or a measurement. */
  readonly byCpu: number | undefined;
  /** The media range and the participants it holds; undefined when LiveKit muxes UDP on fixed ports. */
  readonly mediaRange: { readonly start: number; readonly end: number } | undefined;
  readonly byPorts: number | undefined;
  /** The smaller of the two, and which one it is. */
  readonly predicted: number | undefined;
  readonly limitedBy: "cpu" | "ports" | undefined;
  readonly expected: number | undefined;
}

/** Participants a LiveKit with `cores` carries, at `perCore` measured participants per core. */
export function participantsFor(perCore: number, cores: number): number {
  return Math.floor(perCore * cores);
}

function mediaRangeOf(livekit: Record<string, unknown>): CallCapacity["mediaRange"] {
  const rtc = isPlainObject(livekit.rtc) ? livekit.rtc : {};
  const start = Number(rtc.port_range_start);
  const end = Number(rtc.port_range_end);
  if (!Number.isInteger(start) || !Number.isInteger(end) || start <= 0 || end < start) return undefined;
  return { start, end };
}

export function callCapacity(
  plan: StackPlan,
  measuredFigure: MeasuredFigure = MEASURED_CALL_CAPACITY,
): CallCapacity | undefined {
  if (plan.livekit === undefined) return undefined;
  const { participantsPerCore, speakers } = measuredFigure;
  const { hostCores, expectedParticipants } = plan.org.capacity;
  const byCpu =
    hostCores === undefined || participantsPerCore <= 0
      ? undefined
      : participantsFor(participantsPerCore, hostCores);
  const mediaRange = mediaRangeOf(plan.livekit);
  const byPorts =
    mediaRange === undefined
      ? undefined
      : Math.floor((mediaRange.end - mediaRange.start + 1) / MEDIA_PORTS_PER_SPEAKER);
  const bounds = [byCpu, byPorts].filter((b): b is number => b !== undefined);
  const predicted = bounds.length === 0 ? undefined : Math.min(...bounds);
  return {
    measuredFigure,
    speakers,
    participantsPerCore,
    hostCores,
    byCpu,
    mediaRange,
    byPorts,
    predicted,
    limitedBy: predicted === undefined ? undefined : predicted === byCpu ? "cpu" : "ports",
    expected: expectedParticipants,
  };
}

const rangeText = (range: { start: number; end: number }) =>
  `udp/${range.start}-${range.end} (${range.end - range.start + 1} ports)`;

/** Where the per-core figure comes from, in words. */
export function measuredText(m: MeasuredFigure): string {
  if (m.participantsPerCore <= 0)
    return `no figure per core measured yet for LiveKit ${m.livekit} (\`BENCH=capacity ./fleet bench\`)`;
  return `${m.participantsPerCore} participants per core measured with LiveKit ${m.livekit} in the Docker lab (${m.measured}; up to ${m.speakers} speakers, loss < 2 %, joins < 3 s)`;
}

/**
 * Why the expected call does not fit, when it does not: the sentence summary.md and the preflight warning share.
 * Undefined when it fits or nothing is expected.
 */
export function shortfall(capacity: CallCapacity): { message: string; fix: string } | undefined {
  const { expected, predicted, byPorts, mediaRange, hostCores } = capacity;
  if (expected === undefined) return undefined;
  if (byPorts !== undefined && mediaRange !== undefined && expected > byPorts)
    return {
      message: `calls of ${expected} participants are expected, and LiveKit's media range ${rangeText(mediaRange)} holds ${byPorts} (a participant who has spoken holds two ports)`,
      fix: `widen ports.livekitUdp to at least ${expected * MEDIA_PORTS_PER_SPEAKER} ports (and the router's forward of it)`,
    };
  if (hostCores === undefined)
    return {
      message: `calls of ${expected} participants are expected, and the Docker host's size is not declared: the call capacity cannot be judged`,
      fix: "pulumi config set --path capacity.hostCores <CPU cores of the Docker host>",
    };
  if (capacity.byCpu === undefined)
    return {
      message: `calls of ${expected} participants are expected, and there is ${measuredText(capacity.measuredFigure)}: the call capacity cannot be judged`,
      fix: "run `BENCH=capacity ./fleet bench` and commit its figure per core to facts/capacity.ts",
    };
  if (predicted !== undefined && expected > predicted)
    return {
      message: `calls of ${expected} participants are expected, and this host's LiveKit carries about ${predicted} in one call (${hostCores} core${hostCores === 1 ? "" : "s"}, ${measuredText(capacity.measuredFigure)})`,
      fix: `run LiveKit on a host with at least ${Math.ceil(expected / capacity.participantsPerCore)} cores (then set capacity.hostCores), or plan smaller calls`,
    };
  return undefined;
}

/** summary.md's lines on LiveKit's call capacity, for its Capacity section. */
export function callCapacityLines(capacity: CallCapacity): string[] {
  const { byCpu, byPorts, mediaRange, hostCores, predicted, limitedBy, expected } = capacity;
  const figureText = () => measuredText(capacity.measuredFigure);
  const ports =
    byPorts === undefined || mediaRange === undefined
      ? "LiveKit muxes its UDP media on fixed ports (no port range bound)"
      : `the media range ${rangeText(mediaRange)} holds ${byPorts} participants who speak (two ports each)`;
  const lines: string[] = [];
  if (byCpu === undefined || predicted === undefined)
    lines.push(
      `- LiveKit, one audio call: **not predicted**: ${hostCores === undefined ? "the Docker host's cores are not declared (`pulumi config set --path capacity.hostCores <cores>`)" : `${hostCores} cores declared`}; ${figureText()}; ${ports}.`,
    );
  else
    lines.push(
      `- LiveKit, one audio call: **about ${predicted} participants** on this host's ${hostCores} core${hostCores === 1 ? "" : "s"} (capacity.hostCores), limited by ${limitedBy === "cpu" ? `CPU: ${byCpu} from ${figureText()}; ${ports}` : `the media range: ${ports}, while the CPU would carry ${byCpu} (${figureText()}); widen ports.livekitUdp`}.`,
    );
  const missing = shortfall(capacity);
  if (expected !== undefined)
    lines.push(
      missing === undefined
        ? `- Expected calls (capacity.expectedParticipants): ${expected} participants, within this capacity.`
        : `- **Warning:** ${missing.message}. Fix: ${missing.fix}.`,
    );
  return lines;
}
