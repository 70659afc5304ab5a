/**
 * A user-facing configuration problem. Every check in matrix-fleet reports through this one shape so that
 * `render`, `pulumi preview` and the tests print the same message: which stack, which config key, what is wrong,
 * and how to fix it.
 */
export interface Problem {
  /** Pulumi stack name, e.g. `produktor`. `fleet` for checks spanning several stacks. */
  readonly stack: string;
  /** Fully qualified Pulumi config key in path syntax, e.g. `matrix-fleet:network.publicIp`. */
  readonly key: string;
  /** What is wrong, in one sentence. */
  readonly message: string;
  /** What the operator does to fix it. */
  readonly fix: string;
}

export const CONFIG_NAMESPACE = "matrix-fleet";

/** Turns a config path (`network.publicIp`) into the key an operator types (`matrix-fleet:network.publicIp`). */
export function configKey(path: string): string {
  return `${CONFIG_NAMESPACE}:${path}`;
}

export function problem(stack: string, path: string, message: string, fix: string): Problem {
  return { stack, key: configKey(path), message, fix };
}

export function formatProblem(p: Problem): string {
  return `[stack ${p.stack}] ${p.key}: ${p.message}\n    fix: ${p.fix}`;
}

export function formatProblems(problems: readonly Problem[]): string {
  const noun = problems.length === 1 ? "problem" : "problems";
  return `${problems.length} configuration ${noun}:\n${problems.map(formatProblem).join("\n")}`;
}

/**
 * Thrown when configuration is invalid. It carries every problem at once; entry points print
 * `formatProblems(...)` and exit non-zero instead of a stack trace.
 */
export class ConfigError extends Error {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    super(formatProblems(problems));
    this.name = "ConfigError";
    this.problems = problems;
  }
}
