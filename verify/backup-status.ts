import { execFile } from "node:child_process";
import { OrgConfig } from "../config/model";
import { BACKUP_STATUS_FILE } from "../facts/backup";
import { BackupRunRecord, backupNames } from "../model/backup-layout";

/**
 * The backup's status as the backup container writes it, and how it is read from outside: through the stack's
 * Docker host (the docker CLI, as `pulumi up` reaches it). Used by verify, `./fleet backup` and `./fleet restore`.
 */

export type { BackupRunRecord } from "../model/backup-layout";

/** status.json on the backup's work volume: what verify, `./fleet backup --status` and monitoring read. */
export interface BackupStatus {
  readonly format: 1;
  readonly stack: string;
  readonly serverName: string;
  readonly schedule: string;
  readonly repository: string;
  readonly lastRun: BackupRunRecord | null;
  readonly lastSuccess: BackupRunRecord | null;
  readonly lastFailure: BackupRunRecord | null;
  /** The last snapshot `pulumi up` took before it replaced Synapse or PostgreSQL (absent: none yet). */
  readonly lastPreUpgrade?: BackupRunRecord | null;
}

/** What the Docker host says about the backup: its status file (absent before the first run) and its start. */
export interface BackupObservation {
  readonly status: BackupStatus | undefined;
  /** When the backup container started (Docker's State.StartedAt), in seconds since the epoch. */
  readonly startedEpoch: number;
}

/** What reading a stack's backup status needs: its name (the container's) and its Docker host. */
export interface BackupHost {
  readonly stack: string;
  readonly docker: Pick<OrgConfig["docker"], "host">;
}

export type BackupReader = (org: BackupHost) => Promise<BackupObservation>;

/** Runs the docker CLI against the stack's Docker host; rejects naming the command and Docker's answer. */
export function dockerOnHost(org: BackupHost, args: readonly string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "docker",
      ["-H", org.docker.host, ...args],
      { timeout: timeoutMs, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error === null) resolve(stdout);
        else if ((error as NodeJS.ErrnoException).code === "ENOENT")
          reject(new Error("the docker CLI is not installed here; it reads the backup through docker.host"));
        else
          reject(new Error(`docker ${args.slice(0, 2).join(" ")}: ${`${stderr}`.trim() || error.message}`));
      },
    );
  });
}

/** The backup container's status file and start time, read through the stack's Docker host. */
export const readBackupObservation: BackupReader = async (org) => {
  const container = backupNames(org).container;
  const started = (
    await dockerOnHost(org, ["inspect", "--format", "{{.State.StartedAt}}", container])
  ).trim();
  const text = await dockerOnHost(org, ["exec", container, "cat", BACKUP_STATUS_FILE]).catch(
    (error: Error) => {
      if (/No such file/.test(error.message)) return "";
      throw error;
    },
  );
  return {
    status: text === "" ? undefined : (JSON.parse(text) as BackupStatus),
    startedEpoch: Math.floor(Date.parse(started) / 1000),
  };
};
