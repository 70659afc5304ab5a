import { placeholderProblems } from "./placeholders";
import { StackPlan, buildStackPlan } from "../config-templates/plan";
import { preflight } from "./preflight";
import { ConfigError, Problem } from "../config/problems";
import { SecretValues } from "../facts/secrets";
import { parseStackConfig } from "../config/stack-config";
import { StackFleet, readStackFleet } from "./stack-fleet";
import { OrgConfig } from "../config/model";

/**
 * checks/: every problem a parsed config can still have, judged on the documents that would be deployed
 * (overrides merged): preflight (preflight.ts, one file per concern: host.ts, synapse.ts, synapse-rates.ts, turn.ts,
 * turn-tls.ts, matrix-rtc.ts, livekit-network.ts, livekit-turn.ts, proxy.ts, proxy-shared-host.ts, and overrides.ts
 * with its registries override-keys-*.ts: every override key judged), the checks across all stack files (fleet.ts,
 * indexed once per command: fleet-index.ts, fleet-ports.ts,
 * stack-fleet.ts) and the placeholders `pulumi up` refuses (placeholders.ts). This file is the single gate
 * `render`, `pulumi preview` and `pulumi up` pass through. Pure apart from reading the other stack files. May
 * import facts/, config/, model/ and config-templates/.
 */

export interface AnalyseOptions {
  /** Where the other stacks' files are, for the fleet-wide checks. */
  readonly projectDir: string;
  readonly secrets: SecretValues;
  /** `pulumi up` (not preview, not render): placeholders are errors. */
  readonly deploying: boolean;
  /**
   * The project's stack files, read and indexed once for every stack a command analyses (`render --stack all`).
   * Read from `projectDir` when absent.
   */
  readonly fleet?: StackFleet;
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
  const parsed = options.fleet?.parsedFile(stack, values) ?? parseStackConfig(stack, values);
  if (parsed.config === undefined) throw new ConfigError(parsed.problems);
  const org = parsed.config;
  const plan = buildStackPlan(org, options.secrets);
  const fleet = options.fleet ?? readStackFleet(options.projectDir);
  const problems: Problem[] = [...preflight(plan), ...fleet.problemsFor(org)];
  if (options.deploying) problems.push(...placeholderProblems(org));
  if (problems.length > 0) throw new ConfigError(problems);
  return { org, plan };
}
