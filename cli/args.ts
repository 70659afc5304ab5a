import { ConfigError, formatProblems } from "../config/problems";

/**
 * Tiny `--flag value` parser for the command-line tools: no dependency, and unknown flags are errors, not
 * silently ignored.
 */
export function parseArgs(
  argv: readonly string[],
  spec: Readonly<Record<string, "value" | "flag">>,
): { values: Record<string, string>; flags: Set<string> } {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const [name, inline] = arg.startsWith("--") ? arg.slice(2).split(/=(.*)/s, 2) : [undefined, undefined];
    if (name === undefined || !(name in spec)) {
      throw new UsageError(`unknown argument '${arg}'`);
    }
    if (spec[name] === "flag") {
      flags.add(name);
    } else {
      const value = inline ?? argv[++i];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`--${name} needs a value`);
      values[name] = value;
    }
  }
  return { values, flags };
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
