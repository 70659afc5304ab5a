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
