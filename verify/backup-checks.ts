import { OrgConfig } from "../config/model";
import { isPlaceholder } from "../checks/placeholders";
import { BackupObservation, BackupReader, readBackupObservation } from "./backup-status";
import { VerifyContext, fail } from "./context";

/**
 * Judges the backups: the last run must not have failed, and the last successful backup must be younger than
 * `backup.maxAge`. A backup container younger than that with no backup yet has had no chance to make one (a new
 * stack's database is empty: nothing to back up).
 */
/** What the backups are judged against (an OrgConfig, or verify's target). */
export type BackupJudged = Pick<OrgConfig, "stack"> & {
  readonly backup: Pick<OrgConfig["backup"], "maxAge" | "maxAgeSeconds" | "schedule">;
};

export function judgeBackups(org: BackupJudged, seen: BackupObservation, nowEpoch: number): string {
  const { status } = seen;
  const maxAge = org.backup.maxAgeSeconds;
  const ago = (epoch: number) => formatAge(nowEpoch - epoch);
  const run = `./fleet backup --stack ${org.stack}`;
  const last = status?.lastRun;
  if (last?.outcome === "failure")
    fail(
      `the last backup (${last.trigger}, ${ago(last.epoch)} ago) failed: ${last.error ?? "no reason recorded"}`,
      `fix the cause named, then take a backup now: ${run}`,
    );
  const success = status?.lastSuccess;
  if (success === null || success === undefined) {
    if (nowEpoch - seen.startedEpoch > maxAge)
      fail(
        `no successful backup yet, and the backup container has been running for ${ago(seen.startedEpoch)} (backup.maxAge ${org.backup.maxAge})${last ? `; the last run: ${last.outcome}${last.reason ? ` (${last.reason})` : ""}` : ""}`,
        `take one now and read its message: ${run}`,
      );
    return `no backup yet: the backup container started ${ago(seen.startedEpoch)} ago${last?.reason ? ` (${last.reason})` : ""}; schedule ${org.backup.schedule.text}`;
  }
  if (nowEpoch - success.epoch > maxAge)
    fail(
      `the last successful backup is ${ago(success.epoch)} old, older than backup.maxAge ${org.backup.maxAge} (snapshot ${success.snapshot ?? "?"} at ${success.at})`,
      `check that matrix-${org.stack}-backup runs (docker logs) and take a backup now: ${run}`,
    );
  return `last backup ${ago(success.epoch)} ago (snapshot ${success.snapshot ?? "?"}, ${formatBytes(success.totalBytes ?? 0)}, ${formatBytes(success.dataAdded ?? 0)} added), to ${status?.repository ?? "?"}`;
}

export function formatAge(seconds: number): string {
  if (seconds < 120) return `${Math.max(0, seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1 << 20) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1 << 30) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  return `${(bytes / (1 << 30)).toFixed(2)} GiB`;
}

/** verify's backup check: read through the Docker host (skipped while docker.host is still a placeholder). */
export async function backupChecks(ctx: VerifyContext, reader?: BackupReader): Promise<void> {
  const { org } = ctx;
  if (!org.backup.enabled) {
    await ctx.check("backups", async () => "", "backup.enabled is false: matrix-fleet backs up nothing here");
    return;
  }
  // The call probe reads the status file it was given, never through the Docker host.
  if (ctx.probe && reader === undefined) {
    await ctx.check("backups", async () => "", "the call probe was given no backup status file");
    return;
  }
  const read = reader ?? readBackupObservation;
  // The call probe reads the status from the backup's work volume, mounted read-only: no Docker host involved.
  if (!ctx.probe && isPlaceholder(org.docker.host)) {
    await ctx.check(
      "backups",
      async () => "",
      `docker.host is still the placeholder ${org.docker.host}: this stack was not deployed from this checkout (the check reads the backup status through the Docker host)`,
    );
    return;
  }
  await ctx.check("backups", async () => {
    const seen = await read(org).catch((error: Error) =>
      fail(
        `cannot read the backup status on ${org.docker.host}: ${error.message}`,
        `run verify where the Docker host is reachable (as for pulumi up), and check that matrix-${org.stack}-backup runs: pulumi up --stack ${org.stack}`,
      ),
    );
    return judgeBackups(org, seen, Math.floor(Date.now() / 1000));
  });
}
