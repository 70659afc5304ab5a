import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import * as yaml from "js-yaml";
import { analyseStack } from "../checks/analyse";
import { ConfigError, formatProblems, Problem } from "../config/problems";
import { renderPlanByPath } from "../config-templates/files";
import { UnjudgedOverride, formatUnjudged, unjudgedOverrides } from "../config-templates/unjudged-overrides";
import { SecretValues, mergeSecretValues, placeholderSecrets } from "../facts/secrets";
import { PROJECT_DIR } from "../config/stack-files";
import { StackFleet, readStackFleet } from "../checks/stack-fleet";
import { UsageError, parseArgs, runCli } from "./args";
import { renderDiff } from "./render-diff";
import { formatSeconds, progress } from "./progress";

const USAGE = `usage: npm run render -- --stack <name|all> [--out <dir>] [--secrets <file>] [--project-dir <dir>]
       npm run render -- --stack <name|all> --diff <git ref>

Writes every file the stack deploys to <out>/<stack>/ (default out: ./out). Secrets are written as stable
placeholders ({{secret:name}}) unless --secrets names a JSON or YAML file of real values (for local labs only).
--project-dir reads the Pulumi.<stack>.yaml files from another checkout (default: this repository).
--diff renders the stacks at the working tree and at the git ref and prints a unified diff per file.
--stack all prints one line per stack, a progress count on stderr while a long run goes on, and the total time.`;

/**
 * Renders one stack into `outDir/<stack>/`; returns the written paths relative to `outDir`. `fleet` is the
 * project's stack files read once, to be shared by every stack a command renders.
 */
export function renderStack(
  stack: string,
  outDir: string,
  secrets: SecretValues,
  projectDir = PROJECT_DIR,
  fleet: StackFleet = readStackFleet(projectDir),
): string[] {
  return renderStackFiles(stack, outDir, secrets, projectDir, fleet).written;
}

/** `renderStack`, and the overrides the stack marks as unjudged (what render prints for a reviewer). */
export function renderStackFiles(
  stack: string,
  outDir: string,
  secrets: SecretValues,
  projectDir = PROJECT_DIR,
  fleet: StackFleet = readStackFleet(projectDir),
): { written: string[]; unjudged: UnjudgedOverride[] } {
  const { org, plan } = analyseStack(stack, fleet.values(stack), {
    projectDir,
    secrets,
    deploying: false,
    fleet,
  });
  const written: string[] = [];
  const files = renderPlanByPath(plan);
  // Each directory once: on a fleet of a thousand, creating directories is a good part of the run.
  const dirs = new Set([...files.keys()].map((relative) => path.dirname(path.join(outDir, stack, relative))));
  for (const dir of dirs) fs.mkdirSync(dir, { recursive: true });
  for (const [relative, content] of files) {
    const file = path.join(outDir, stack, relative);
    fs.writeFileSync(file, content, { mode: 0o600 });
    written.push(path.join(stack, relative));
  }
  return { written, unjudged: unjudgedOverrides(org) };
}

export function readSecretsFile(file: string): SecretValues {
  const raw = yaml.load(fs.readFileSync(file, "utf8"));
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new UsageError(`--secrets ${file}: expected a map of secret name -> value`);
  }
  const { values, unknown, invalid } = mergeSecretValues(raw as Record<string, unknown>);
  if (unknown.length > 0)
    throw new UsageError(`--secrets ${file}: unknown secret names: ${unknown.join(", ")}`);
  if (invalid.length > 0)
    throw new UsageError(`--secrets ${file}: values must be non-empty strings: ${invalid.join(", ")}`);
  return values;
}

/** The options this tool takes (the handbook's test parses every command it shows with them). */
export const OPTIONS = {
  stack: "value",
  out: "value",
  secrets: "value",
  "project-dir": "value",
  diff: "value",
  help: "flag",
} as const;

function main(argv: readonly string[]): number {
  const { values, flags } = parseArgs(argv, OPTIONS);
  if (flags.has("help")) {
    console.log(USAGE);
    return 0;
  }
  if (values.stack === undefined) throw new UsageError("--stack is required");
  const projectDir = path.resolve(values["project-dir"] ?? PROJECT_DIR);
  if (values.diff !== undefined) {
    if (values.secrets !== undefined) throw new UsageError("--diff shows placeholders only; drop --secrets");
    process.stdout.write(renderDiff(values.stack, values.diff, projectDir));
    return 0;
  }
  const outDir = path.resolve(values.out ?? "out");
  const secrets = values.secrets !== undefined ? readSecretsFile(values.secrets) : placeholderSecrets();
  const problems = renderStacks(values.stack, outDir, secrets, projectDir);
  if (problems.length > 0) {
    console.error(formatProblems(problems));
    return 1;
  }
  if (values.secrets === undefined) {
    console.log(
      "secrets are placeholders ({{secret:<name>}}); the same placeholder marks one shared secret.",
    );
  }
  return 0;
}

/**
 * Renders one stack (listing its files) or all of them (a line each, a progress count on stderr during a long
 * run, the total time), with the stack files read once; returns every problem found.
 */
function renderStacks(which: string, outDir: string, secrets: SecretValues, projectDir: string): Problem[] {
  const startedAt = performance.now();
  const fleet = readStackFleet(projectDir);
  const all = which === "all";
  const stacks = all ? fleet.stacks : [which];
  const run = progress("render: stacks", stacks.length, { startedAt });
  const problems: Problem[] = [];
  let rendered = 0;
  let files = 0;
  for (const [done, stack] of stacks.entries()) {
    try {
      const { written, unjudged } = renderStackFiles(stack, outDir, secrets, projectDir, fleet);
      rendered += 1;
      files += written.length;
      console.log(`rendered ${stack}: ${written.length} files in ${path.join(outDir, stack)}`);
      if (!all) for (const file of written) console.log(`  ${file}`);
      // A reviewer must see what reaches a deployed file without matrix-fleet's judgement, in every run.
      if (unjudged.length > 0)
        console.log(
          `  ${stack}: ${unjudged.length} unjudged override${unjudged.length === 1 ? "" : "s"}, written as given and not checked by matrix-fleet:\n${unjudged.map((u) => `    ${formatUnjudged(u)}`).join("\n")}`,
        );
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
    if (all) run.tick(done + 1);
  }
  if (all) {
    const total = formatSeconds(run.elapsedMs());
    console.log(`rendered ${rendered} of ${stacks.length} stacks, ${files} files, in ${total}`);
  }
  return problems;
}

if (require.main === module) runCli("render", USAGE, () => main(process.argv.slice(2)));
