import { performance } from "node:perf_hooks";

/**
 * Progress of a long run over many items: a count and the time so far, at most once every `everyMs`, so that a
 * run over a thousand stacks says how far it got without a line per stack or per file. Short runs say nothing.
 */
export interface Progress {
  /** `done` items of the total are finished; prints a line when `everyMs` passed since the last one. */
  tick(done: number): void;
  /** Milliseconds since the run started. */
  elapsedMs(): number;
}

export interface ProgressOptions {
  readonly everyMs?: number;
  readonly now?: () => number;
  readonly write?: (line: string) => void;
  /** When the run started, if before the total was known (`now()` by default). */
  readonly startedAt?: number;
}

export function progress(what: string, total: number, options: ProgressOptions = {}): Progress {
  const everyMs = options.everyMs ?? 2000;
  const now = options.now ?? (() => performance.now());
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = options.startedAt ?? now();
  let reported = started;
  return {
    tick(done) {
      const at = now();
      if (at - reported < everyMs) return;
      reported = at;
      write(`${what}: ${done} of ${total}, ${formatSeconds(at - started)}`);
    },
    elapsedMs: () => now() - started,
  };
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
