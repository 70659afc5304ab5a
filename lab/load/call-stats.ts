/**
 * What one run of the audio load generator (lab/load/audio-load) measured, turned into the figures of one ramp
 * step: join latency (token request to LiveKit connected) and its failures, the subscribers' packet loss over the
 * measured interval (subscriptions that never arrived count as lost throughout), their jitter (RFC 3550, per
 * track) and one-way delay, and the generator's own CPU. Pure: the generator's JSON in, numbers out.
 */

/** One member's join, as the generator reports it (times from the start of its token request). */
export interface JoinOutcome {
  readonly member: number;
  readonly speaker: boolean;
  readonly tokenMs: number;
  readonly connectMs: number;
  readonly audioMs: number | null;
  readonly stage?: string;
  readonly error?: string;
}

/** One subscription during the measured interval. */
export interface TrackWindow {
  readonly subscriber: number;
  readonly publisher: string;
  readonly expected: number;
  readonly received: number;
  readonly lost: number;
  readonly jitterMeanMs: number;
  readonly jitterMaxMs: number;
}

/** The generator's `{"result": ...}` line. */
export interface GeneratorResult {
  readonly joins: readonly JoinOutcome[];
  readonly expectedTracks: number;
  readonly tracks: readonly TrackWindow[] | null;
  readonly delayMs: { readonly p50: number; readonly p95: number; readonly p99: number };
  readonly cpu: {
    readonly windowSeconds: number;
    readonly windowCpuSeconds: number;
    readonly totalCpuSeconds: number;
    readonly maxRssMiB: number;
  };
  readonly windowStartMs: number;
  readonly windowEndMs: number;
}

export interface StepFigures {
  readonly participants: number;
  readonly speakers: number;
  readonly joined: number;
  /** Joins that failed, by stage ("token: ...", "connect: ..."), with the first error of each stage. */
  readonly joinFailures: Readonly<Record<string, { count: number; first: string }>>;
  readonly joinP50Ms: number;
  readonly joinP95Ms: number;
  readonly joinMaxMs: number;
  readonly tokenP95Ms: number;
  /** From token request to the first audio packet heard (members that hear someone). */
  readonly audioP95Ms: number;
  /** Subscriptions the joined members should hold, and how many never arrived. */
  readonly expectedTracks: number;
  readonly missingTracks: number;
  readonly lossPercent: number;
  /** Over the subscriptions: the 95th percentile of each track's mean jitter, and the largest jitter seen. */
  readonly jitterP95Ms: number;
  readonly jitterMaxMs: number;
  readonly delayP95Ms: number;
  /** Packets the subscribers received per second during the interval. */
  readonly receivedPps: number;
  /** The generator's CPU during the interval, in cores. */
  readonly generatorCores: number;
  readonly generatorRssMiB: number;
}

/** Element Call's audio: one 20 ms Opus frame per packet (lab/load/audio-load/payload.go). */
export const PACKETS_PER_SECOND = 50;

/** The value at or below which `p` (0..1) of the values fall (nearest rank); 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

function failuresOf(joins: readonly JoinOutcome[]): Record<string, { count: number; first: string }> {
  const failures: Record<string, { count: number; first: string }> = {};
  for (const join of joins) {
    if (join.error === undefined || join.error === "") continue;
    const stage = join.stage ?? "join";
    const entry = failures[stage] ?? { count: 0, first: join.error };
    failures[stage] = { count: entry.count + 1, first: entry.first };
  }
  return failures;
}

export function stepFigures(result: GeneratorResult, speakers: number): StepFigures {
  const joined = result.joins.filter((j) => j.error === undefined || j.error === "");
  const tracks = result.tracks ?? [];
  const windowSeconds = Math.max(result.cpu.windowSeconds, 0.001);
  const missingTracks = Math.max(0, result.expectedTracks - tracks.length);
  // A subscription that never arrived lost every packet of the interval.
  const missedPackets = missingTracks * Math.round(windowSeconds * PACKETS_PER_SECOND);
  const expected = tracks.reduce((sum, t) => sum + t.expected, 0) + missedPackets;
  const lost = tracks.reduce((sum, t) => sum + t.lost, 0) + missedPackets;
  const received = tracks.reduce((sum, t) => sum + t.received, 0);
  const connect = joined.map((j) => j.connectMs);
  return {
    participants: result.joins.length,
    speakers,
    joined: joined.length,
    joinFailures: failuresOf(result.joins),
    joinP50Ms: percentile(connect, 0.5),
    joinP95Ms: percentile(connect, 0.95),
    joinMaxMs: connect.length === 0 ? 0 : Math.max(...connect),
    tokenP95Ms: percentile(
      joined.map((j) => j.tokenMs),
      0.95,
    ),
    audioP95Ms: percentile(
      joined.flatMap((j) => (j.audioMs === null ? [] : [j.audioMs])),
      0.95,
    ),
    expectedTracks: result.expectedTracks,
    missingTracks,
    lossPercent: expected === 0 ? 0 : (100 * lost) / expected,
    jitterP95Ms: percentile(
      tracks.map((t) => t.jitterMeanMs),
      0.95,
    ),
    jitterMaxMs: tracks.reduce((max, t) => Math.max(max, t.jitterMaxMs), 0),
    delayP95Ms: result.delayMs.p95,
    receivedPps: received / windowSeconds,
    generatorCores: result.cpu.windowCpuSeconds / windowSeconds,
    generatorRssMiB: result.cpu.maxRssMiB,
  };
}
