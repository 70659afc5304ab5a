import { parseArgs as nodeParseArgs } from "node:util";
import { ConfigError, formatProblems } from "../config/problems";

/**
 * cli/: the command-line tools (`render`, `adopt`, `verify`): entry points for operators, beside the layers.
 * They may import every layer (facts/ to checks/) and adopt/ and verify/; nothing imports them but the lab. This
 * file holds what they share: argument parsing and the error handling that turns a user mistake into a message
 * and an exit code, never a stack trace.
 */

/**
 * `--name value` / `--name=value` options and `--flag`s, parsed by node:util's `parseArgs` in strict mode:
 * unknown options, positionals and missing values are errors, not silently ignored.
 */
export function parseArgs(
  argv: readonly string[],
  spec: Readonly<Record<string, "value" | "flag">>,
): { values: Record<string, string>; flags: Set<string> } {
  const options = Object.fromEntries(
    Object.entries(spec).map(([name, kind]) => [name, { type: kind === "value" ? "string" : "boolean" }]),
  ) as Record<string, { type: "string" | "boolean" }>;
  const problem = argumentProblem(argv, spec, options);
  if (problem !== undefined) throw new UsageError(problem);
  let parsed: Record<string, string | boolean | undefined>;
  try {
    parsed = nodeParseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0]!);
  }
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value === "string") values[name] = value;
    else if (value === true) flags.add(name);
  }
  return { values, flags };
}

/**
 * The first argument strict parsing would refuse, in the words these tools have always used (the tests and
 * operators' scripts know them); whatever else strict mode refuses is reported in node's words.
 */
function argumentProblem(
  argv: readonly string[],
  spec: Readonly<Record<string, "value" | "flag">>,
  options: Record<string, { type: "string" | "boolean" }>,
): string | undefined {
  const { tokens } = nodeParseArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind !== "option" || !token.rawName.startsWith("--") || !(token.name in spec))
      return `unknown argument '${argv[token.index]}'`;
    if (spec[token.name] !== "value" || token.inlineValue === true) continue;
    if (token.value === undefined || token.value.startsWith("--")) return `--${token.name} needs a value`;
    if (token.value.startsWith("-"))
      return `--${token.name} needs a value (write --${token.name}=${token.value} for one that starts with '-')`;
  }
  return undefined;
}

export class UsageError extends Error {}

/**
 * Runs a command-line tool's `main`: its exit code becomes the process's; a usage mistake prints the usage
 * (exit 2) and a configuration problem prints every problem (exit 1), both without a stack trace.
 */
export function runCli(tool: string, usage: string, main: () => number | Promise<number>): void {
  Promise.resolve()
    .then(main)
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        if (error instanceof UsageError) {
          console.error(`${tool}: ${error.message}\n\n${usage}`);
          process.exitCode = 2;
        } else if (error instanceof ConfigError) {
          console.error(formatProblems(error.problems));
          process.exitCode = 1;
        } else {
          throw error;
        }
      },
    );
}
