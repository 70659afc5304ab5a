import { execFile } from "node:child_process";
import { isPlaceholder } from "../checks/placeholders";
import { OrgConfig } from "../config/model";
import { BackupRunRecord, backupNames, backupScriptArgs, parseBackupRun } from "../model/backup-layout";
import { dockerName } from "../model/topology";

/**
 * The backup's programmatic entry, on the Docker host a stack points at (`docker.host`, through the docker CLI as
 * `pulumi up` reaches it): take a backup now and get its snapshot id, read the status, and the steps `./fleet
 * restore` runs in the backup and dump containers. Upgrades take a backup through `takeBackup` before any
 * stateful image changes.
 */

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A failure an operator can act on: printed as it is, without a stack trace. */
export class BackupError extends Error {}

export class BackupHost {
  readonly names: ReturnType<typeof backupNames>;

  constructor(readonly org: OrgConfig) {
    this.names = backupNames(org);
    // Never a connection to a documentation address: a stack with a placeholder was not deployed from here.
    if (isPlaceholder(org.docker.host))
      throw new BackupError(
        `docker.host of ${org.stack} is still the placeholder ${org.docker.host}: set the Docker host the stack runs on (pulumi config set --path docker.host ssh://user@host --stack ${org.stack}), or pass --project-dir of the checkout that deploys it`,
      );
  }

  /** The docker CLI against the stack's Docker host; resolves with the exit code (never rejects on one). */
  docker(args: readonly string[], timeoutMs = 120_000): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      execFile(
        "docker",
        ["-H", this.org.docker.host, ...args],
        { timeout: timeoutMs, maxBuffer: 64 << 20 },
        (error, stdout, stderr) => {
          if (error !== null && (error as NodeJS.ErrnoException).code === "ENOENT")
            reject(
              new BackupError("the docker CLI is not installed here; it reaches the stack's docker.host"),
            );
          else if (error !== null && error.killed)
            reject(
              new BackupError(
                `docker ${args.slice(0, 3).join(" ")} did not finish within ${timeoutMs / 1000} s`,
              ),
            );
          else resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr });
        },
      );
    });
  }

  /** A script of the backup in one of its containers (`env`: extra variables for this run only). */
  script(
    container: string,
    script: Parameters<typeof backupScriptArgs>[1],
    args: readonly string[],
    options: { env?: Readonly<Record<string, string>>; timeoutMs?: number } = {},
  ): Promise<ExecResult> {
    return this.docker(
      backupScriptArgs(container, script, args, options.env),
      options.timeoutMs ?? 4 * 3600_000,
    );
  }

  /** Docker's state of one of the stack's containers by service name, or undefined when there is none. */
  async state(service: string): Promise<{ status: string; health?: string } | undefined> {
    const inspected = await this.docker([
      "inspect",
      "--format",
      "{{json .State}}",
      dockerName(this.org.stack, service),
    ]);
    if (inspected.code !== 0) return undefined;
    const state = JSON.parse(inspected.stdout) as { Status: string; Health?: { Status: string } };
    return { status: state.Status, health: state.Health?.Status };
  }
}

/** The result of `takeBackup`: the run as backup.sh recorded it (a snapshot id on success). */
export type BackupRun = BackupRunRecord;

/**
 * Takes a backup of the stack now, in its backup container (the same script the scheduler runs, under the same
 * lock), and returns what it did: `outcome` success (with `snapshot`), skipped (an empty database) or failure
 * (with `error`). `env` overrides the container's variables for this run only (the lab's fault injection).
 */
export async function takeBackup(
  org: OrgConfig,
  options: { env?: Readonly<Record<string, string>> } = {},
): Promise<BackupRun> {
  if (!org.backup.enabled) throw new BackupError(`backups are off for ${org.stack} (backup.enabled: false)`);
  const host = new BackupHost(org);
  const state = await host.state("backup");
  if (state?.status !== "running")
    throw new BackupError(
      `${host.names.container} is ${state?.status ?? "not there"} on ${org.docker.host}: run pulumi up --stack ${org.stack} first`,
    );
  const result = await host.script(host.names.container, "backup.sh", ["manual"], options);
  const run = parseBackupRun(result.stdout);
  if (run === undefined)
    throw new BackupError(
      `the backup printed no result (exit ${result.code}): ${result.stderr.trim().split("\n").slice(-5).join(" | ")}`,
    );
  return run;
}

/** key=value lines (the scripts' answers) as a map; the first value of a key wins. */
export function keyValues(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0 && !(line.slice(0, at) in values)) values[line.slice(0, at)] = line.slice(at + 1);
  }
  return values;
}
