import type { CallProbeConfig } from "../config-templates/call-probe";
import { METRICS as M } from "../facts/monitoring";
import type { BackupObservation, BackupReader } from "../verify/backup-status";
import { VerifyNetwork } from "../verify/network";
import { VerifyRun, verifyRun } from "../verify/verify";
import { MetricFamily, exposition } from "./metrics-text";

/**
 * agents/: the programs of the stack's own monitoring, each bundled into one file for the upstream Node image
 * (components/agent-bundle.ts): the call probe (this file and call-probe-main.ts) and the alert bot (alert-bot.ts,
 * matrix-room.ts, alert-messages.ts, alert-bot-main.ts), with the exposition format they serve (metrics-text.ts).
 * Node's standard library only at run time. May import facts/ ... checks/ and verify/.
 *
 * The call probe: `verify`'s checks of what clients get, on a schedule, as metrics. Each run is verify's `probe`
 * profile (one TURN allocation, one token, one join: verify/context.ts); its results replace the last run's.
 */
export interface ProbeRun {
  readonly run: VerifyRun;
  readonly finishedAt: number;
  readonly durationMs: number;
}

export interface ProbeOptions {
  readonly password: string;
  readonly network?: VerifyNetwork;
  readonly now?: () => number;
  /** How the backups check reads the backup's status (call-probe-main.ts: the mounted status file). */
  readonly backupReader?: BackupReader;
}

export class CallProbe {
  private runs = 0;
  private last: ProbeRun | undefined;
  private running: Promise<ProbeRun> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** What the backups check read in the last run, for the last-success gauge. */
  private backupSeen: BackupObservation | undefined;

  constructor(
    readonly config: CallProbeConfig,
    private readonly options: ProbeOptions,
  ) {}

  /** One run; a run asked for while one is going returns that one (runs never overlap). */
  runOnce(): Promise<ProbeRun> {
    this.running ??= this.execute().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Runs now and then every interval (from the start of one run to the start of the next) until `stop`. */
  start(onRun: (run: ProbeRun) => void = () => undefined): void {
    const tick = () => {
      const started = Date.now();
      this.runOnce()
        .then(onRun, (error: Error) => console.error(`call-probe: run failed: ${error.message}`))
        .finally(() => {
          if (this.timer === undefined) return;
          const wait = Math.max(0, this.config.intervalSeconds * 1000 - (Date.now() - started));
          this.timer = setTimeout(tick, wait);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async execute(): Promise<ProbeRun> {
    const now = this.options.now ?? Date.now;
    const started = now();
    const run = await verifyRun(this.config.target, {
      user: { name: this.config.user, password: this.options.password },
      timeoutMs: this.config.timeoutMs,
      profile: "probe",
      lanAddresses: this.config.lanAddresses,
      network: this.options.network,
      backupReader: this.backupReader(),
    });
    const finishedAt = now();
    this.runs++;
    this.last = { run, finishedAt, durationMs: finishedAt - started };
    return this.last;
  }

  /** The configured reader, remembering what it read (the backups check itself judges it: verify's words). */
  private backupReader(): BackupReader | undefined {
    const read = this.options.backupReader;
    if (read === undefined) return undefined;
    this.backupSeen = undefined;
    return async (host) => {
      this.backupSeen = await read(host);
      return this.backupSeen;
    };
  }

  /** The last run as metrics: each check's result and duration, the failures' causes, the certificates seen. */
  metrics(): string {
    const last = this.last;
    const results = last?.run.results.filter((r) => r.outcome !== "skip") ?? [];
    const families: MetricFamily[] = [
      {
        name: M.probeCheckSuccess,
        help: "1 when the check passed in the call probe's last run, 0 when it failed; skipped checks are absent.",
        type: "gauge",
        samples: results.map((r) => ({ labels: { check: r.name }, value: r.outcome === "pass" ? 1 : 0 })),
      },
      {
        name: M.probeCheckDuration,
        help: "How long the check took in the call probe's last run.",
        type: "gauge",
        samples: results.map((r) => ({ labels: { check: r.name }, value: r.ms / 1000 })),
      },
      {
        name: M.probeCheckFailure,
        help: "A failed check's measurement and likely cause, as verify words them (value always 1).",
        type: "gauge",
        samples: results
          .filter((r) => r.outcome === "fail")
          .map((r) => ({ labels: { check: r.name, detail: r.detail, fix: r.fix ?? "" }, value: 1 })),
      },
      {
        name: M.certificateNotAfter,
        help: "When a TLS certificate the call probe read ends (Unix time), by host and port.",
        type: "gauge",
        samples: uniqueCertificates(last).map((c) => ({
          labels: { host: c.host, port: String(c.port) },
          value: Math.floor(c.notAfter.getTime() / 1000),
        })),
      },
      {
        name: M.backupLastSuccess,
        help: "When the newest successful backup finished (Unix time), as the backup's status file says.",
        type: "gauge",
        samples: backupSamples(this.backupSeen),
      },
      {
        name: M.probeRuns,
        help: "Runs the call probe finished since it started.",
        type: "counter",
        samples: [{ value: this.runs }],
      },
    ];
    if (last !== undefined)
      families.push(
        {
          name: M.probeLastRun,
          help: "When the call probe's last run finished (Unix time).",
          type: "gauge",
          samples: [{ value: Math.floor(last.finishedAt / 1000) }],
        },
        {
          name: M.probeRunDuration,
          help: "How long the call probe's last run took.",
          type: "gauge",
          samples: [{ value: last.durationMs / 1000 }],
        },
      );
    return exposition(families);
  }
}

function backupSamples(seen: BackupObservation | undefined): Array<{ value: number }> {
  const success = seen?.status?.lastSuccess;
  return success === null || success === undefined ? [] : [{ value: success.epoch }];
}

function uniqueCertificates(last: ProbeRun | undefined) {
  const byKey = new Map((last?.run.certificates ?? []).map((c) => [`${c.host}:${c.port}`, c]));
  return [...byKey.values()];
}

/** One line per run for the container's log. */
export function runSummary(run: ProbeRun): string {
  const count = (o: string) => run.run.results.filter((r) => r.outcome === o).length;
  const failed = run.run.results.filter((r) => r.outcome === "fail").map((r) => `${r.name}: ${r.detail}`);
  return (
    `call-probe: ${count("pass")} passed, ${count("fail")} failed, ${count("skip")} skipped in ` +
    `${(run.durationMs / 1000).toFixed(1)} s${failed.length > 0 ? ` — ${failed.join("; ")}` : ""}`
  );
}
