import * as fs from "node:fs";
import * as path from "node:path";
import { adoptionReport } from "../adopt/adoption-report";
import { ComposeError, parseComposeProject, parseDotEnv } from "../adopt/compose-project";
import { adoptionReportJson, formatAdoptionReport } from "../adopt/format-report";
import { HostFileReader, discoverDeployment } from "../adopt/running-deployment";
import { SECRET_NAMES } from "../facts/secrets";
import { PROJECT_DIR, readStackFile } from "../config/stack-files";
import { UsageError, parseArgs, runCli } from "./args";

const USAGE = `usage: npm run adopt -- --stack <name> --compose <dir> [--host-dir <dir>] [--json] [--show-secrets]
       npm run --silent adopt -- --stack <name> --compose <dir> --print-secret <secret name>

Reads a running Docker Compose deployment (docker-compose.yml, .env, env files, and through its bind mounts
Synapse's homeserver.yaml, turnserver.conf and livekit.yaml) and prints what taking it over needs:
  (a) the stack config that keeps its volumes, signing key, media and database,
  (b) the pulumi config set commands, secrets included (piped, never shown),
  (c) every setting that the rendered configuration would change, drop or add.
Exits 1 when something blocks a safe cut-over.

--compose       the compose project directory (a copy is fine)
--host-dir      where that directory is on the Docker host (default: --compose itself), for bind mounts
--project-dir   the checkout whose Pulumi.<stack>.yaml takes the adoption (default: this repository)
--show-secrets  print secret values in the commands and JSON instead of piping them
--print-secret  print one secret's value without a newline, for: ... | pulumi config set --secret ...`;

const COMPOSE_FILES = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"];

/** The options this tool takes (the handbook's test parses every command it shows with them). */
export const OPTIONS = {
  stack: "value",
  compose: "value",
  "host-dir": "value",
  "project-dir": "value",
  "print-secret": "value",
  json: "flag",
  "show-secrets": "flag",
  help: "flag",
} as const;

function main(argv: readonly string[]): number {
  const { values, flags } = parseArgs(argv, OPTIONS);
  if (flags.has("help")) {
    console.log(USAGE);
    return 0;
  }
  if (values.stack === undefined) throw new UsageError("--stack is required");
  if (values.compose === undefined) throw new UsageError("--compose is required");
  const composeDir = path.resolve(values.compose);
  const composeFile = COMPOSE_FILES.map((f) => path.join(composeDir, f)).find((f) => fs.existsSync(f));
  if (composeFile === undefined)
    throw new UsageError(`no compose file in ${composeDir} (looked for ${COMPOSE_FILES.join(", ")})`);
  const hostDir = values["host-dir"] === undefined ? composeDir : path.posix.resolve(values["host-dir"]);
  const printSecret = values["print-secret"];
  if (printSecret !== undefined && !(SECRET_NAMES as string[]).includes(printSecret))
    throw new UsageError(`--print-secret takes one of: ${SECRET_NAMES.join(", ")}`);

  const read = fileReader(composeDir, hostDir);
  const dotEnv = parseDotEnv(read(path.posix.join(hostDir, ".env")) ?? "");
  let project;
  try {
    project = parseComposeProject(fs.readFileSync(composeFile, "utf8"), dotEnv, path.basename(composeDir));
  } catch (error) {
    if (error instanceof ComposeError) {
      console.error(`adopt: ${path.basename(composeFile)}: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const deployment = discoverDeployment(project, hostDir, read, values["host-dir"] === undefined);
  const projectDir = path.resolve(values["project-dir"] ?? PROJECT_DIR);
  const report = adoptionReport(values.stack, readStackFile(values.stack, projectDir), deployment);

  if (printSecret !== undefined) {
    const secret = report.secrets.find((s) => s.name === printSecret);
    if (secret === undefined) {
      console.error(
        `adopt: ${printSecret} is not adopted for stack ${values.stack} (see npm run adopt without --print-secret)`,
      );
      return 1;
    }
    process.stdout.write(secret.value);
    return 0;
  }
  const invocation = { compose: values.compose, hostDir: values["host-dir"] };
  const showSecrets = flags.has("show-secrets");
  process.stdout.write(
    flags.has("json")
      ? `${JSON.stringify(adoptionReportJson(report, invocation, showSecrets), null, 2)}\n`
      : formatAdoptionReport(report, invocation, showSecrets),
  );
  return report.blockers.length > 0 ? 1 : 0;
}

/**
 * Host paths under the project directory are read from the local copy; others directly (when adopt runs on the
 * Docker host itself).
 */
function fileReader(composeDir: string, hostDir: string): HostFileReader {
  return (hostPath) => {
    const relative = path.posix.relative(hostDir, hostPath);
    const local =
      relative.startsWith("..") || path.isAbsolute(relative) ? hostPath : path.join(composeDir, relative);
    try {
      return fs.readFileSync(local, "utf8");
    } catch {
      return undefined;
    }
  };
}

if (require.main === module) runCli("adopt", USAGE, () => main(process.argv.slice(2)));
