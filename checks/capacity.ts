import { Problem, problem } from "../config/problems";
import { StackPlan } from "../config-templates/plan";
import { turnCapacity } from "../config-templates/turn-capacity";

/**
 * coturn's capacity as deployed (relay range, total-quota and user-quota after overrides), the figures summary.md
 * prints: readable, and not all of it in one credential's hands.
 */
export function checkTurnCapacity(plan: StackPlan): Problem[] {
  const capacity = turnCapacity(plan);
  if (capacity === undefined) return [];
  const { org } = plan;
  const keyOf = (option: string, typed: string) =>
    option in org.overrides.coturn ? `overrides.coturn.${option}` : typed;
  const problems: Problem[] = [];
  for (const [option, value] of [
    ["total-quota", capacity.totalQuota],
    ["user-quota", capacity.userQuota],
  ] as const) {
    if (Number.isNaN(value))
      problems.push(
        problem(
          org.stack,
          keyOf(option, `turn.${option === "total-quota" ? "totalQuota" : "userQuota"}`),
          `${option} is not a whole number: coturn's quota, and the capacity summary.md states, would be unknown`,
          "drop the override; set turn.totalQuota and turn.userQuota",
        ),
      );
  }
  if (problems.length > 0) return problems;
  if (capacity.userQuota === 0 || capacity.userQuota >= capacity.allocations) {
    problems.push(
      problem(
        org.stack,
        keyOf("user-quota", "turn.userQuota"),
        `one TURN credential may hold ${capacity.userQuota === 0 ? "any number of" : capacity.userQuota} allocations, and coturn grants ${capacity.allocations} in all: a single user (or a leaked credential) can take every relay and stop everyone else's calls behind NAT`,
        `keep user-quota below the ${capacity.allocations} relays (default turn.userQuota 12), or widen ports.turnRelay`,
      ),
    );
  }
  return problems;
}
