import * as path from "node:path";
import { OrgConfig } from "../config/model";
import { ConfigError } from "../config/problems";
import { parseStackConfig } from "../config/stack-config";
import { PROJECT_DIR, readStackFile } from "../config/stack-files";
import { formatAge, formatBytes, judgeBackups } from "../verify/backup-checks";
import { readBackupObservation } from "../verify/backup-status";
import { CheckFailure } from "../verify/failure";
import { UsageError, parseArgs, runCli } from "./args";
import { BackupError, BackupHost, BackupRun, takeBackup } from "./backup-host";

const USAGE = `usage: ./fleet backup --stack <name> [--status] [--json] [--project-dir <dir>]

Takes a backup of the stack now, on the Docker host it points at (docker.host), and prints the snapshot id;
exits 1 when the backup failed, naming why. --status prints the last run, the last success and the last failure
instead (what verify judges). The repository password: pulumi stack output --stack <name> --show-secrets backupPassword`;

/** The stack as deployed from a checkout (its Pulumi.<stack>.yaml), every problem at once. */
export function loadStack(stack: string, projectDir: string | undefined): OrgConfig {
  const parsed = parseStackConfig(stack, readStackFile(stack, path.resolve(projectDir ?? PROJECT_DIR)));
  if (parsed.config === undefined) throw new ConfigError(parsed.problems);
  return parsed.config;
}

export function describeRun(stack: string, run: BackupRun): string {
  if (run.outcome === "success")
    return `backup ${stack}: snapshot ${run.snapshot} (${formatBytes(run.totalBytes ?? 0)} in ${run.files} files, ${formatBytes(run.dataAdded ?? 0)} added to the repository, ${run.seconds} s)`;
  if (run.outcome === "skipped") return `backup ${stack}: nothing to back up: ${run.reason}`;
  return `backup ${stack}: FAILED after ${run.seconds} s: ${run.error}`;
}

async function status(org: OrgConfig, json: boolean): Promise<number> {
  const seen = await readBackupObservation(org);
  if (json) {
    console.log(JSON.stringify(seen, null, 2));
    return 0;
  }
  const now = Math.floor(Date.now() / 1000);
  const line = (what: string, run: BackupRun | null | undefined) =>
    console.log(
      `${what}: ${run ? `${run.at} (${formatAge(now - run.epoch)} ago) ${describeRun(org.stack, run).replace(/^backup [^:]+: /, "")}` : "none"}`,
    );
  console.log(
    `backups of ${org.stack}: ${seen.status?.repository ?? "(no run yet)"}, ${org.backup.schedule.text}`,
  );
  line("last run", seen.status?.lastRun);
  line("last success", seen.status?.lastSuccess);
  line("last failure", seen.status?.lastFailure);
  try {
    console.log(`verify: PASS ${judgeBackups(org, seen, now)}`);
    return 0;
  } catch (error) {
    if (!(error instanceof CheckFailure)) throw error;
    console.log(`verify: FAIL ${error.message}\n     fix: ${error.fix}`);
    return 1;
  }
}

/** The options this tool parses (the handbook's command check reads them). */
export const OPTIONS = {
  stack: "value",
  status: "flag",
  json: "flag",
  "project-dir": "value",
  help: "flag",
} as const;

async function main(argv: readonly string[]): Promise<number> {
  const { values, flags } = parseArgs(argv, OPTIONS);
  if (flags.has("help")) {
    console.log(USAGE);
    return 0;
  }
  if (values.stack === undefined) throw new UsageError("--stack is required");
  const org = loadStack(values.stack, values["project-dir"]);
  try {
    new BackupHost(org); // refuses a placeholder docker.host before anything connects
    if (flags.has("status")) return await status(org, flags.has("json"));
    const run = await takeBackup(org);
    console.log(flags.has("json") ? JSON.stringify(run) : describeRun(org.stack, run));
    return run.outcome === "failure" ? 1 : 0;
  } catch (error) {
    if (!(error instanceof BackupError)) throw error;
    console.error(`backup ${org.stack}: ${error.message}`);
    return 1;
  }
}

if (require.main === module) runCli("backup", USAGE, () => main(process.argv.slice(2)));
