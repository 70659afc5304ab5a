import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR, listStacks } from "../config/stack-files";
import { UsageError, parseArgs, runCli } from "./args";
import { renderDiff } from "./render-diff";
import { previewBatches, selectStacks, selectionSummary } from "./stack-selection";

const USAGE = `usage: npm run changed-stacks -- --base <git ref> [--render-diff <file>] [--github-output <file>]
       [--summary <file>] [--max-jobs <n>]

Says which stacks a pull request's pulumi preview has to cover, and why: every stack when the program changed
(a file the Pulumi program imports, or package.json, package-lock.json, tsconfig.json, Pulumi.yaml), else the
stacks whose rendered files changed against <base> and those whose stack file changed. Prints the reasons as
Markdown. --render-diff reads the output of \`render --stack all --diff <base>\` instead of rendering again;
--summary appends the Markdown to a file (the job summary); --github-output appends stacks=<JSON list>,
batches=<JSON list of {name, stacks}> and count=<n> for a workflow matrix of at most --max-jobs jobs (default 64).`;

/** What the program is made of besides its TypeScript: its dependencies, compiler settings and Pulumi project. */
const MANIFESTS = ["package.json", "package-lock.json", "tsconfig.json", "Pulumi.yaml"];

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)|\brequire\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s*["']([^"']+)["']/g;

/** The repository paths of the Pulumi program: index.ts and every project file it imports, directly or not. */
export function programFiles(root: string = PROJECT_DIR): Set<string> {
  const files = new Set<string>();
  const pending = ["index.ts"];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    pending.push(...projectImports(root, file));
  }
  return new Set([...files, ...MANIFESTS]);
}

function projectImports(root: string, file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), "utf8");
  return [...text.matchAll(IMPORT)].flatMap((match) => {
    const specifier = match[1] ?? match[2] ?? match[3] ?? match[4] ?? "";
    if (!specifier.startsWith(".")) return [];
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
    const found = [`${base}.ts`, `${base}/index.ts`, base].find((candidate) => {
      const full = path.join(root, candidate);
      return fs.existsSync(full) && fs.statSync(full).isFile();
    });
    return found === undefined ? [] : [found];
  });
}

/** Repository paths that differ between `base` and the working tree, untracked files included. */
export function changedFiles(base: string, root: string = PROJECT_DIR): string[] {
  const verify = git(root, ["rev-parse", "--verify", "--quiet", `${base}^{commit}`]);
  if (verify.status !== 0) throw new UsageError(`--base ${base}: not a git ref here`);
  const diff = git(root, ["diff", "--name-only", "--no-renames", "-z", base, "--"]);
  const untracked = git(root, ["ls-files", "--others", "--exclude-standard", "-z"]);
  for (const result of [diff, untracked])
    if (result.status !== 0) throw new Error(`git failed: ${result.stderr}`);
  return [...new Set([...diff.stdout.split("\0"), ...untracked.stdout.split("\0")])].filter((f) => f !== "");
}

function git(root: string, args: readonly string[]) {
  return spawnSync("git", ["-C", root, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

/** The options this tool takes (the handbook's test parses every command it shows with them). */
export const OPTIONS = {
  base: "value",
  "render-diff": "value",
  "github-output": "value",
  summary: "value",
  "max-jobs": "value",
  help: "flag",
} as const;

function main(argv: readonly string[]): number {
  const { values, flags } = parseArgs(argv, OPTIONS);
  if (flags.has("help")) {
    console.log(USAGE);
    return 0;
  }
  const base = values.base;
  if (base === undefined) throw new UsageError("--base is required");
  const maxJobs = Number(values["max-jobs"] ?? "64");
  if (!Number.isInteger(maxJobs) || maxJobs < 1 || maxJobs > 256)
    throw new UsageError("--max-jobs must be a whole number from 1 to 256 (a workflow matrix's limit)");
  const files = changedFiles(base);
  const program = programFiles();
  const diffFile = values["render-diff"];
  // When the program changed every stack is previewed anyway: no need to render both trees.
  const diff =
    diffFile !== undefined
      ? fs.readFileSync(diffFile, "utf8")
      : files.some((file) => program.has(file))
        ? ""
        : renderDiff("all", base, PROJECT_DIR);
  const selection = selectStacks({
    stacks: listStacks(PROJECT_DIR),
    changedFiles: files,
    renderDiff: diff,
    programFiles: program,
  });
  const summary = selectionSummary(selection, base);
  process.stdout.write(summary);
  if (values.summary !== undefined) fs.appendFileSync(values.summary, summary);
  if (values["github-output"] !== undefined) {
    const stacks = selection.previews.map((p) => p.stack);
    const outputs = [
      `stacks=${JSON.stringify(stacks)}`,
      `batches=${JSON.stringify(previewBatches(stacks, maxJobs))}`,
      `count=${stacks.length}`,
    ];
    fs.appendFileSync(values["github-output"], `${outputs.join("\n")}\n`);
  }
  return 0;
}

if (require.main === module) runCli("changed-stacks", USAGE, () => main(process.argv.slice(2)));
