/**
 * The capacity benchmark's printed tables: one row per ramp step (participants, joins, loss, jitter, delay,
 * LiveKit's CPU and throttling, its forwarded packets and media ports, the generator's CPU, the verdict), the
 * ramp's result with what ended it, and one row per Synapse burst. Pure.
 */
import { BurstFigures } from "./burst-stats";
import { Capacity, Step, bottleneck } from "./ramp";

const s = (ms: number) => (ms / 1000).toFixed(2);
const pad = (text: string | number, width: number) => String(text).padStart(width);

export const STEP_HEADER =
  "     N  joined  join p95  audio p95   loss %  jitter p95/max ms  delay p95  LiveKit cores (limit, throttled)  fwd pkt/s  ports  generator cores  verdict";

export function formatStep({ figures: f, server: v, verdict }: Step): string {
  return [
    pad(f.participants, 6),
    pad(`${f.joined}/${f.participants}`, 7),
    pad(`${s(f.joinP95Ms)} s`, 9),
    pad(`${s(f.audioP95Ms)} s`, 10),
    pad(f.lossPercent.toFixed(2), 8),
    pad(`${f.jitterP95Ms.toFixed(1)}/${f.jitterMaxMs.toFixed(1)}`, 18),
    pad(`${f.delayP95Ms} ms`, 10),
    pad(`${v.livekitCores.toFixed(2)} (${v.livekitLimitCores}, ${v.throttledPercent.toFixed(0)} %)`, 34),
    pad(v.forwardedPps === undefined ? "-" : v.forwardedPps.toFixed(0), 10),
    pad(`${v.mediaPorts}/${v.mediaRange}`, 6),
    pad(f.generatorCores.toFixed(2), 16),
    `  ${verdict.pass ? "pass" : `FAIL: ${verdict.reasons.join("; ")}`}`,
  ].join(" ");
}

export function formatRamp(limitCores: number, steps: readonly Step[], capacity: Capacity): string[] {
  const ended =
    capacity.endedBy === undefined
      ? "the ramp ran out of sizes before a step failed"
      : `ended at ${capacity.endedBy.figures.participants} by ${bottleneck(capacity.endedBy)}`;
  return [
    `LiveKit limited to ${limitCores} core${limitCores === 1 ? "" : "s"}:`,
    STEP_HEADER,
    ...[...steps].sort((a, b) => a.figures.participants - b.figures.participants).map(formatStep),
    `  capacity: ${capacity.participants} participants (${(capacity.participants / limitCores).toFixed(0)} per core); ${ended}`,
  ];
}

export const BURST_HEADER =
  "     N  window  ok  errors  429s (members)  p50      p95      max      join p95  holds";

export function formatBurst(b: BurstFigures, holds: boolean): string {
  return [
    pad(b.members, 6),
    pad(`${b.windowSeconds} s`, 7),
    pad(b.ok, 3),
    pad(b.errors, 7),
    pad(`${b.rateLimited} (${b.membersRateLimited})`, 15),
    pad(`${s(b.p50Ms)} s`, 8),
    pad(`${s(b.p95Ms)} s`, 8),
    pad(`${s(b.maxMs)} s`, 8),
    pad(`${s(b.joinP95Ms)} s`, 9),
    `  ${holds ? "yes" : "no"}${b.firstError === undefined ? "" : `: ${b.firstError.slice(0, 120)}`}`,
  ].join(" ");
}
