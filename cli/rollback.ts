import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { OrgConfig } from "../config/model";
import { PROJECT_DIR } from "../config/stack-files";
import { dockerName } from "../model/topology";
import { PreUpgradeSnapshot, RollbackFacts, rollbackDecision } from "../model/rollback";
import { readBackupObservation } from "../verify/backup-status";
import { UsageError, parseArgs, runCli } from "./args";
import { loadStack } from "./backup";

const USAGE = `usage: ./fleet rollback --stack <name> --to <synapse image> [--json] [--project-dir <dir>] [--docker-host <host>]

Says whether the organisation's Synapse may go back to <synapse image> after an upgrade (for example one whose new
Synapse failed its health gate): it reads the database's schema_compat_version (psql in the PostgreSQL container)
and the image's SCHEMA_VERSION (the image itself, on the stack's Docker host), and prints the way back: the image,
when the database is inside its rollback window, else the snapshot pulumi up took before the upgrade (the backup's
status names it) and the ./fleet restore that brings it back under that image. Changes nothing.
Exits 0 for the image, 3 for the backup.`;

function docker(host: string, args: readonly string[]): string {
  try {
    return execFileSync("docker", ["-H", host, ...args], { encoding: "utf8", timeout: 120_000 }).trim();
  } catch (error) {
    const err = error as { stderr?: string; message: string };
    throw new UsageError(`docker -H ${host} ${args.join(" ")}: ${(err.stderr ?? err.message).trim()}`);
  }
}

/** Reads the facts the decision needs, on the stack's Docker host. */
export function readRollbackFacts(
  stack: string,
  image: string,
  dockerHost: string,
  database: { readonly user: string; readonly name: string },
): RollbackFacts {
  const psql = (sql: string) =>
    Number(
      docker(dockerHost, [
        "exec",
        dockerName(stack, "postgres"),
        "psql",
        "-U",
        database.user,
        "-d",
        database.name,
        "-Atc",
        sql,
      ]),
    );
  const imageSchema = Number(
    docker(dockerHost, [
      "run",
      "--rm",
      "--network",
      "none",
      "--entrypoint",
      "python",
      image,
      "-c",
      "from synapse.storage.schema import SCHEMA_VERSION; print(SCHEMA_VERSION)",
    ])
      .split("\n")
      .pop(),
  );
  const facts = {
    stack,
    image,
    databaseCompat: psql("SELECT compat_version FROM schema_compat_version"),
    databaseSchema: psql("SELECT version FROM schema_version"),
    imageSchema,
  };
  for (const [name, value] of Object.entries(facts))
    if (typeof value === "number" && !Number.isInteger(value))
      throw new UsageError(`could not read ${name} (got ${String(value)})`);
  return facts;
}

/** The snapshot taken before the last upgrade, from the backup's status on the Docker host (null: no backups). */
async function lastPreUpgrade(org: OrgConfig): Promise<PreUpgradeSnapshot | null | undefined> {
  if (!org.backup.enabled) return null;
  const observed = await readBackupObservation(org).catch((error: Error) => {
    throw new UsageError(`the backup's status cannot be read: ${error.message}`);
  });
  const run = observed.status?.lastPreUpgrade;
  if (!run?.snapshot) return undefined;
  return { snapshot: run.snapshot, at: run.at, synapseImage: run.synapseImage, upgrade: run.upgrade };
}

/** The options this tool parses (the handbook's command check reads them). */
export const OPTIONS = {
  stack: "value",
  to: "value",
  json: "flag",
  "project-dir": "value",
  "docker-host": "value",
  help: "flag",
} as const;

async function main(argv: readonly string[]): Promise<number> {
  const { values, flags } = parseArgs(argv, OPTIONS);
  if (flags.has("help")) {
    console.log(USAGE);
    return 0;
  }
  if (values.stack === undefined) throw new UsageError("--stack is required");
  if (values.to === undefined) throw new UsageError("--to <synapse image> is required");
  const loaded = loadStack(values.stack, path.resolve(values["project-dir"] ?? PROJECT_DIR));
  const org = { ...loaded, docker: { ...loaded.docker, host: values["docker-host"] ?? loaded.docker.host } };
  const read = readRollbackFacts(values.stack, values.to, org.docker.host, org.adoption.database);
  // The backup is asked only when the image cannot run the database.
  const facts: RollbackFacts =
    read.databaseCompat <= read.imageSchema ? read : { ...read, preUpgrade: await lastPreUpgrade(org) };
  const decision = rollbackDecision(facts);
  process.stdout.write(
    flags.has("json")
      ? `${JSON.stringify({ ...facts, ...decision }, null, 2)}\n`
      : `${values.stack}: ${decision.explanation}.\n${decision.steps.map((s) => `  ${s}`).join("\n")}\n`,
  );
  return decision.kind === "previous-image" ? 0 : 3;
}

if (require.main === module) runCli("rollback", USAGE, () => main(process.argv.slice(2)));
