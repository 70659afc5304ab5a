import { OrgConfig } from "../config/model";
import { buildStackPlan } from "../config-templates/plan";
import { VerifyTarget, verifyTarget } from "../config-templates/verify-target";
import { placeholderSecrets } from "../facts/secrets";

/**
 * What verify checks of a stack, from its config alone (its documents rendered with placeholder secrets). Kept out of
 * verify/ so that the call probe's bundle, which receives its target ready-made, carries no renderer.
 */
export function targetOfStack(org: OrgConfig): VerifyTarget {
  return verifyTarget(org, buildStackPlan(org, placeholderSecrets()));
}
