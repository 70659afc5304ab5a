import { Problem } from "../config/problems";
import { StackPlan } from "../documents/plan";
import { checkImagesPinned, checkPortClashes, checkRouterForwards } from "./host";
import { checkLkJwt } from "./lk-jwt";
import { checkLivekit, checkMatrixRtc } from "./matrix-rtc";
import { checkNpmSchema, checkProxyPaths, checkWellKnownCors } from "./proxy";
import { checkBodySize, checkFederationList, checkSynapseBasics } from "./synapse";
import { checkTurn } from "./turn";

/**
 * Preflight: every known production failure that can be decided from configuration, checked on the documents
 * that would be deployed (overrides included). Pure; returns all problems at once.
 * Each check cites the failure mode it prevents (numbers from shared/reference/matrix-rtc-facts.md).
 */
export function preflight(plan: StackPlan): Problem[] {
  return [
    ...checkImagesPinned(plan),
    ...checkPortClashes(plan),
    ...checkRouterForwards(plan),
    ...checkSynapseBasics(plan),
    ...checkTurn(plan),
    ...checkMatrixRtc(plan),
    ...checkLivekit(plan),
    ...checkLkJwt(plan),
    ...checkWellKnownCors(plan),
    ...checkProxyPaths(plan),
    ...checkNpmSchema(plan),
    ...checkFederationList(plan),
    ...checkBodySize(plan),
  ];
}
