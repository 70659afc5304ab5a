import { Problem, problem } from "../config/problems";
import { callCapacity, shortfall } from "../config-templates/call-capacity";
import { StackPlan } from "../config-templates/plan";

/**
 * Preflight warnings: what the configuration says may not hold in use, without stopping `render`, `pulumi preview`
 * or `pulumi up` (issue #31: a stack that expects larger calls than its host carries). Same shape as a problem
 * (stack, key, what, fix); render prints them, the program logs them as Pulumi warnings (preview and up show them)
 * and summary.md states them. Pure.
 */
export function preflightWarnings(plan: StackPlan): Problem[] {
  const capacity = callCapacity(plan);
  const missing = capacity === undefined ? undefined : shortfall(capacity);
  if (missing === undefined) return [];
  const key =
    capacity?.hostCores === undefined && !missing.fix.startsWith("widen")
      ? "capacity.hostCores"
      : "capacity.expectedParticipants";
  return [problem(plan.org.stack, key, missing.message, missing.fix)];
}

export function formatWarning(w: Problem): string {
  return `warning: [stack ${w.stack}] ${w.key}: ${w.message}\n    fix: ${w.fix}`;
}
