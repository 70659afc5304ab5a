import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { deepMerge } from "../config/merge";
import { OrgConfig } from "../config/model";
import { StackPlan, buildStackPlan } from "../config-templates/plan";
import { Problem } from "../config/problems";
import { SecretValues, placeholderSecrets } from "../facts/secrets";
import { loadOrgConfig, parseStackConfig } from "../config/stack-config";
import { PROJECT_DIR, readStackFile } from "../config/stack-files";

/**
 * test/: the unit suite (`node --test test/*.test.ts`): each layer's behaviour, the CLI tools as an operator
 * runs them, and the Pulumi components under the SDK's mock engine (pulumi-harness.ts); the house rules in
 * layers.test.ts. This file holds the shared fixtures. Tests may import every folder but lab/ (its stdlib-only
 * contract doubles in lab/doubles/ excepted); nothing imports them.
 */
export const STACKS = ["medex", "moda1", "pro-dukt", "produktor"] as const;

/** Deterministic fake secret values: distinct per name, long enough for every consumer's rules. */
export function fakeSecrets(): SecretValues {
  const values: Record<string, string> = {};
  for (const name of Object.keys(placeholderSecrets())) values[name] = `test-${name}-`.padEnd(48, "x");
  return values as SecretValues;
}

/** The stack file's config with `changes` deep-merged over it (a `null` removes a key). */
export function stackValues(stack: string, changes: Record<string, unknown> = {}): Record<string, unknown> {
  return deepMerge(readStackFile(stack), changes);
}

export function orgFor(stack: string, changes: Record<string, unknown> = {}): OrgConfig {
  return loadOrgConfig(stack, stackValues(stack, changes));
}

export function planFor(
  stack: string,
  changes: Record<string, unknown> = {},
  secrets: SecretValues = placeholderSecrets(),
): StackPlan {
  return buildStackPlan(orgFor(stack, changes), secrets);
}

export function parseProblems(stack: string, changes: Record<string, unknown>): readonly Problem[] {
  return parseStackConfig(stack, stackValues(stack, changes)).problems;
}

/** Renders problems as one string for readable assertion failures. */
export function describeProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `${p.stack} ${p.key}: ${p.message}`).join("\n");
}

/** Runs one of the command-line tools (`cli/<tool>.ts`) as an operator would, bounded in time. */
export function runTool(
  tool: string,
  args: readonly string[],
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(
    process.execPath,
    ["--require", "tsx/cjs", path.join(PROJECT_DIR, "cli", `${tool}.ts`), ...args],
    {
      cwd: PROJECT_DIR,
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
