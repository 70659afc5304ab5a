/**
 * lab/load/: the audio load generator (audio-load/, Go, built by build.sh) with its driver, and the capacity
 * benchmark's measurement (lab/deploy/bench-capacity.ts) and smoke (lab/scenarios/capacity.ts). The pure parts
 * (this file, call-stats.ts, burst-stats.ts, probe-parse.ts, capacity-table.ts, prediction.ts) are unit-tested;
 * the folder may import facts/ to checks/ and lab/, and the unit suite may import it.
 *
 * This file: the capacity ramp (issue #31): one call after another with more participants, each judged against the
 * criteria (packet loss under 2 %, 95 % of joins under 3 s, every member joined); after the first failure the step
 * between the largest passing and the smallest failing size is halved until it is within 10 %. The capacity is the
 * largest size that passed; the failing step above it names what ended the ramp. Pure.
 */
import { StepFigures } from "./call-stats";

export const CRITERIA = { maxLossPercent: 2, maxJoinP95Ms: 3000 } as const;

/** What the server side looked like during a step's measured interval (lab/load/livekit-probe.ts). */
export interface ServerSample {
  /** LiveKit's CPU from its container's cgroup, in cores, and the limit the ramp set on it. */
  readonly livekitCores: number;
  readonly livekitLimitCores: number;
  /** Share of the cgroup's scheduling periods in which LiveKit was throttled at its limit (0..100). */
  readonly throttledPercent: number;
  /** Packets LiveKit counted out per second (its Prometheus `livekit_packet_total`), when it exposes them. */
  readonly forwardedPps: number | undefined;
  /** UDP sockets LiveKit held in its media range, and the range's size. */
  readonly mediaPorts: number;
  readonly mediaRange: number;
  /** Every core of the machine that was busy (from /proc/stat), and the load average at the end. */
  readonly machineBusyCores: number;
  readonly machineCores: number;
  readonly loadAverage: number;
}

export interface Verdict {
  readonly pass: boolean;
  readonly reasons: readonly string[];
}

export interface Step {
  readonly figures: StepFigures;
  readonly server: ServerSample;
  readonly verdict: Verdict;
}

const fixed = (value: number, digits = 1) => value.toFixed(digits);

export function judge(figures: StepFigures): Verdict {
  const reasons: string[] = [];
  if (figures.lossPercent >= CRITERIA.maxLossPercent)
    reasons.push(
      `packet loss ${fixed(figures.lossPercent, 2)} % (must stay under ${CRITERIA.maxLossPercent} %)` +
        (figures.missingTracks > 0 ? `, ${figures.missingTracks} subscriptions never arrived` : ""),
    );
  if (figures.joinP95Ms >= CRITERIA.maxJoinP95Ms)
    reasons.push(
      `joins p95 ${fixed(figures.joinP95Ms / 1000, 2)} s (must stay under ${CRITERIA.maxJoinP95Ms / 1000} s)`,
    );
  for (const [stage, { count, first }] of Object.entries(figures.joinFailures))
    reasons.push(`${count} join${count === 1 ? "" : "s"} failed at ${stage}: ${first.slice(0, 160)}`);
  return { pass: reasons.length === 0, reasons };
}

export interface RampPlan {
  /** The sizes tried in order until one fails. */
  readonly sizes: readonly number[];
  /** Stop halving when the gap is at most this share of the passing size (and at least 2 participants). */
  readonly resolution: number;
  readonly maxSteps: number;
}

export const DEFAULT_PLAN: RampPlan = {
  sizes: [10, 25, 50, 75, 100, 150, 200, 250, 300, 400, 500],
  resolution: 0.1,
  maxSteps: 14,
};

/** The largest size that passed (0 when none) and the smallest that failed above it. */
export function bounds(steps: readonly Step[]): { passed: number; failed: number | undefined } {
  const passed = Math.max(0, ...steps.filter((s) => s.verdict.pass).map((s) => s.figures.participants));
  const failures = steps
    .filter((s) => !s.verdict.pass && s.figures.participants > passed)
    .map((s) => s.figures.participants);
  return { passed, failed: failures.length === 0 ? undefined : Math.min(...failures) };
}

/** The next size to try, or undefined when the ramp is done. */
export function nextSize(steps: readonly Step[], plan: RampPlan = DEFAULT_PLAN): number | undefined {
  if (steps.length >= plan.maxSteps) return undefined;
  const { passed, failed } = bounds(steps);
  if (failed === undefined) return plan.sizes.find((size) => size > passed);
  const gap = failed - passed;
  if (gap <= Math.max(2, Math.ceil(plan.resolution * passed))) return undefined;
  const mid = Math.round((passed + failed) / 2);
  return mid <= passed || mid >= failed ? undefined : mid;
}

export interface Capacity {
  /** The largest size that passed; 0 when even the first failed. */
  readonly participants: number;
  /** The failing step just above it; undefined when the ramp ran out of sizes first. */
  readonly endedBy: Step | undefined;
}

export function capacityOf(steps: readonly Step[]): Capacity {
  const { passed, failed } = bounds(steps);
  return {
    participants: passed,
    endedBy: failed === undefined ? undefined : steps.find((s) => s.figures.participants === failed),
  };
}

/**
 * What limited a failing step, from the server sample and the generator's CPU: the media port range, LiveKit's
 * CPU limit, or the machine itself (then the step says more about the load generator than about LiveKit).
 */
export function bottleneck(step: Step): string {
  const { server, figures } = step;
  const others = server.machineBusyCores - server.livekitCores - figures.generatorCores;
  const cores =
    `LiveKit ${fixed(server.livekitCores, 2)} of its ${fixed(server.livekitLimitCores, 2)}-core limit` +
    ` (throttled in ${fixed(server.throttledPercent, 0)} % of periods), generator ${fixed(figures.generatorCores, 2)},` +
    ` rest of the machine ${fixed(Math.max(0, others), 2)} of ${server.machineCores} cores, load ${fixed(server.loadAverage, 2)}`;
  if (server.mediaRange > 0 && server.mediaPorts >= server.mediaRange)
    return `LiveKit's UDP media range: all ${server.mediaRange} ports held (${cores})`;
  // Members who never got in while the others heard every packet: the path in (Synapse, lk-jwt-service, the proxy's
  // connections) gave out before LiveKit's media did, whatever its CPU.
  if (figures.joined < figures.participants && figures.lossPercent < CRITERIA.maxLossPercent)
    return `the join path, not LiveKit's media: ${figures.joined} of ${figures.participants} joined (${cores}): ${step.verdict.reasons.join("; ")}`;
  if (server.livekitCores >= 0.9 * server.livekitLimitCores || server.throttledPercent >= 25)
    return `LiveKit's CPU: ${cores}`;
  if (server.machineBusyCores >= 0.9 * server.machineCores)
    return `the machine's CPU, not LiveKit's limit: ${cores}`;
  return `not CPU (${cores}): ${step.verdict.reasons.join("; ")}`;
}
