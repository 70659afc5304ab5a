/**
 * The figures of one Synapse burst (burst-client.ts): how many members got their call membership in, the 95th
 * percentile and the longest time it took them (rate-limit waits included), the 429s met on the way, the errors.
 * Pure.
 */
import { percentile } from "./call-stats";

export interface BurstOutcome {
  readonly member: number;
  readonly ms: number;
  readonly joinMs: number;
  readonly rateLimited: number;
  readonly error?: string;
}

export interface BurstFigures {
  readonly members: number;
  readonly windowSeconds: number;
  readonly ok: number;
  readonly errors: number;
  readonly firstError: string | undefined;
  /** 429 answers met and waited out. */
  readonly rateLimited: number;
  readonly membersRateLimited: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
  readonly joinP95Ms: number;
}

export function burstFigures(outcomes: readonly BurstOutcome[], windowSeconds: number): BurstFigures {
  const ok = outcomes.filter((o) => o.error === undefined);
  const failed = outcomes.filter((o) => o.error !== undefined);
  return {
    members: outcomes.length,
    windowSeconds,
    ok: ok.length,
    errors: failed.length,
    firstError: failed[0]?.error,
    rateLimited: outcomes.reduce((sum, o) => sum + o.rateLimited, 0),
    membersRateLimited: outcomes.filter((o) => o.rateLimited > 0).length,
    p50Ms: percentile(
      ok.map((o) => o.ms),
      0.5,
    ),
    p95Ms: percentile(
      ok.map((o) => o.ms),
      0.95,
    ),
    maxMs: ok.reduce((max, o) => Math.max(max, o.ms), 0),
    joinP95Ms: percentile(
      ok.map((o) => o.joinMs),
      0.95,
    ),
  };
}

/** A burst holds when every member got in and 95 % of them within `limitMs` (3 s, as a join to LiveKit). */
export function burstHolds(figures: BurstFigures, limitMs = 3000): boolean {
  return figures.errors === 0 && figures.p95Ms < limitMs;
}
