import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { analyseStack } from "../checks/analyse";
import { ConfigError, formatProblems, Problem } from "../config/problems";
import { renderPlanByPath } from "../documents/files";
import { SecretValues, mergeSecretValues, placeholderSecrets } from "../facts/secrets";
import { PROJECT_DIR, listStacks, readStackFile } from "../config/stack-files";
import { UsageError, parseArgs, runCli } from "./args";
import { renderDiff } from "./render-diff";

const USAGE = `usage: npm run render -- --stack <name|all> [--out <dir>] [--secrets <file>] [--project-dir <dir>]
       npm run render -- --stack <name|all> --diff <git ref>

Writes every file the stack deploys to <out>/<stack>/ (default out: ./out). Secrets are written as stable
placeholders ({{secret:name}}) unless --secrets names a JSON or YAML file of real values (for local labs only).
--project-dir reads the Pulumi.<stack>.yaml files from another checkout (default: this repository).
--diff renders the stacks at the working tree and at the git ref and prints a unified diff per file.`;

/** Renders one stack into `outDir/<stack>/`; returns the written paths relative to `outDir`. */
export function renderStack(
  stack: string,
  outDir: string,
  secrets: SecretValues,
  projectDir = PROJECT_DIR,
): string[] {
  const { plan } = analyseStack(stack, readStackFile(stack, projectDir), {
    projectDir,
    secrets,
    deploying: false,
  });
  const written: string[] = [];
  for (const [relative, content] of renderPlanByPath(plan)) {
    const file = path.join(outDir, stack, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content, { mode: 0o600 });
    written.push(path.join(stack, relative));
  }
  return written;
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

function main(argv: readonly string[]): number {
  const { values, flags } = parseArgs(argv, {
    stack: "value",
    out: "value",
    secrets: "value",
    "project-dir": "value",
    diff: "value",
    help: "flag",
  });
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
  const known = listStacks(projectDir);
  const stacks = values.stack === "all" ? known : [values.stack];
  const outDir = path.resolve(values.out ?? "out");
  const secrets = values.secrets !== undefined ? readSecretsFile(values.secrets) : placeholderSecrets();
  const problems: Problem[] = [];
  for (const stack of stacks) {
    try {
      const written = renderStack(stack, outDir, secrets, projectDir);
      console.log(`rendered ${stack}: ${written.length} files in ${path.join(outDir, stack)}`);
      for (const file of written) console.log(`  ${file}`);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
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

if (require.main === module) runCli("render", USAGE, () => main(process.argv.slice(2)));
