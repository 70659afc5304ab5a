/**
 * `./fleet preview --stack <name|all>`: the real `pulumi preview --diff` of each stack, on a throwaway local file
 * backend with a random passphrase, fully offline (the engine from tools/engine). The tracked stack files are
 * never touched. A stack that preflight refuses fails with preflight's messages and exit 1, as in a PR check.
 */
import { EngineWorkspace, PROGRAM_DIR } from "../tools/engine/workspace";
import { listStacks } from "../config/stack-files";
import { UsageError, parseArgs, runCli } from "./args";

const USAGE = `usage: ./fleet preview --stack <name|all> [--json]

Runs the real \`pulumi preview --diff\` (or --json) of each stack on a throwaway local backend. Exits 1 when any
stack's preview fails (a preflight problem prints its messages).`;

/** The part of the CLI's output that explains a failed preview: the program's error, without engine noise. */
export function previewFailure(output: string): string {
  const lines = output.split("\n");
  const start = lines.findIndex((line) => /^\s*error: /.test(line));
  return (start < 0 ? lines.slice(-20) : lines.slice(start)).join("\n").trimEnd();
}

/** The options this tool takes (the handbook's test parses every command it shows with them). */
export const OPTIONS = { stack: "value", json: "flag" } as const;

async function main(argv: readonly string[]): Promise<number> {
  const { values, flags } = parseArgs(argv, OPTIONS);
  const selected = values.stack;
  if (selected === undefined) throw new UsageError("--stack is required");
  const known = listStacks(PROGRAM_DIR);
  const stacks = selected === "all" ? known : [selected];
  for (const stack of stacks) {
    if (!known.includes(stack))
      throw new UsageError(`no stack file Pulumi.${stack}.yaml (stacks: ${known.join(", ")})`);
  }
  const workspace = await EngineWorkspace.create({ stacks });
  let failed = 0;
  try {
    for (const stack of stacks) {
      console.error(`== pulumi preview --stack ${stack}`);
      const result = await workspace.preview(stack, { json: flags.has("json"), diff: true });
      if (result.code === 0) {
        process.stdout.write(result.stdout);
        // With --diff the engine writes the program's warnings (e.g. each unjudged override) to stderr only.
        const warnings = result.stderr.split("\n").filter((line) => /^warning: /.test(line));
        if (warnings.length > 0)
          process.stdout.write(`Warnings:\n${warnings.map((w) => `    ${w}`).join("\n")}\n`);
        console.error(`== ${stack}: preview passed (${(result.ms / 1000).toFixed(1)} s)`);
      } else {
        failed++;
        console.error(previewFailure(`${result.stdout}\n${result.stderr}`));
        console.error(`== ${stack}: preview FAILED (${(result.ms / 1000).toFixed(1)} s)`);
      }
    }
  } finally {
    workspace.dispose();
  }
  return failed === 0 ? 0 : 1;
}

if (require.main === module) runCli("preview", USAGE, () => main(process.argv.slice(2)));
