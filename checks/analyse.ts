import { fleetProblems } from "./fleet";
import { OrgConfig } from "../config/model";
import { placeholderProblems } from "./placeholders";
import { StackPlan, buildStackPlan } from "../documents/plan";
import { preflight } from "./preflight";
import { ConfigError, Problem, problem } from "../config/problems";
import { SecretValues } from "../facts/secrets";
import { parseStackConfig } from "../config/stack-config";
import { listStacks, readStackFile } from "../config/stack-files";

/**
 * checks/: every problem a parsed config can still have, judged on the documents that would be deployed
 * (overrides merged): preflight (preflight.ts, one file per concern: host.ts, synapse.ts, turn.ts, matrix-rtc.ts,
 * proxy.ts), the checks across all stack files (fleet.ts) and the placeholders `pulumi up` refuses
 * (placeholders.ts). This file is the single gate `render`, `pulumi preview` and `pulumi up` pass through. Pure
 * apart from reading the other stack files. May import facts/, config/, model/ and documents/.
 */

export interface AnalyseOptions {
  /** Where the other stacks' files are, for the fleet-wide checks. */
  readonly projectDir: string;
  readonly secrets: SecretValues;
  /** `pulumi up` (not preview, not render): placeholders are errors. */
  readonly deploying: boolean;
}

export interface AnalysedStack {
  readonly org: OrgConfig;
  readonly plan: StackPlan;
}

/**
 * Everything that decides whether a stack may be rendered or deployed, in one place so that `render`,
 * `pulumi preview` and `pulumi up` can never disagree: parse the config, build the documents, run preflight on
 * them, and run the fleet checks against every other stack file of the repository. Throws one `ConfigError`
 * carrying every problem found.
 */
export function analyseStack(
  stack: string,
  values: Readonly<Record<string, unknown>>,
  options: AnalyseOptions,
): AnalysedStack {
  const parsed = parseStackConfig(stack, values);
  if (parsed.config === undefined) throw new ConfigError(parsed.problems);
  const org = parsed.config;
  const plan = buildStackPlan(org, options.secrets);
  const problems: Problem[] = [...preflight(plan), ...fleetProblemsFor(org, options.projectDir)];
  if (options.deploying) problems.push(...placeholderProblems(org));
  if (problems.length > 0) throw new ConfigError(problems);
  return { org, plan };
}

/** Fleet checks with this stack's current config standing in for its file. */
function fleetProblemsFor(org: OrgConfig, projectDir: string): Problem[] {
  const others: OrgConfig[] = [];
  const problems: Problem[] = [];
  for (const stack of listStacks(projectDir)) {
    if (stack === org.stack) continue;
    let values: Record<string, unknown>;
    try {
      values = readStackFile(stack, projectDir);
    } catch (error) {
      if (error instanceof ConfigError) {
        problems.push(...error.problems);
        continue;
      }
      throw error;
    }
    const parsed = parseStackConfig(stack, values);
    if (parsed.config !== undefined) {
      others.push(parsed.config);
    } else if (org.federationPeers.includes(String(values.serverName ?? ""))) {
      problems.push(
        problem(
          org.stack,
          "federation.peers",
          `peer stack ${stack} has configuration problems, so federation with it cannot be checked`,
          `fix stack ${stack} first (npm run render -- --stack ${stack})`,
        ),
      );
    }
  }
  return fleetProblems([org, ...others]).filter((p) => p.involves.includes(org.stack));
}
