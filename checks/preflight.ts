import { Problem } from "../config/problems";
import { StackPlan } from "../config-templates/plan";
import { checkTurnCapacity } from "./capacity";
import { checkCoturnHardening } from "./hardening";
import { checkImagesPinned, checkOverriddenPorts, checkPortClashes, checkRouterForwards } from "./host";
import { checkLivekitCandidates, checkLivekitTurnPath } from "./livekit-network";
import { checkLivekitTurnServers } from "./livekit-turn";
import { checkLkJwt } from "./lk-jwt";
import { checkMonitoring } from "./monitoring";
import { checkOverrides } from "./overrides";
import { checkPortsBesideProxy } from "./proxy-shared-host";
import { checkLivekit, checkMatrixRtc } from "./matrix-rtc";
import {
  checkAdoptHosts,
  checkDuplicateDomains,
  checkLivekitSignalling,
  checkNpmSchema,
  checkProxyPaths,
  checkWellKnownCors,
} from "./proxy";
import { checkBodySize, checkFederationList, checkSynapseBasics, checkSynapseStarts } from "./synapse";
import { checkReleaseCompatibility } from "./release-compat";
import { checkSynapseRateLimits } from "./synapse-rates";
import { checkMembersJoinCalls } from "./synapse-calls";
import { checkTurn } from "./turn";
import { checkCoturnTlsFiles } from "./turn-tls";

/**
 * Preflight: every known production failure that can be decided from configuration, checked on the documents
 * that would be deployed (overrides included): ports, capacity, the federation whitelist and coturn's hardening are
 * read from the documents, never from the keys that usually produce them. Pure; returns all problems at once.
 * Each check cites the failure mode it prevents (numbers from shared/reference/matrix-rtc-facts.md).
 */
export function preflight(plan: StackPlan): Problem[] {
  return [
    ...checkImagesPinned(plan),
    ...checkReleaseCompatibility(plan),
    ...checkPortClashes(plan),
    ...checkPortsBesideProxy(plan),
    ...checkOverriddenPorts(plan),
    ...checkRouterForwards(plan),
    ...checkSynapseBasics(plan),
    ...checkSynapseStarts(plan),
    ...checkSynapseRateLimits(plan),
    ...checkMembersJoinCalls(plan),
    ...checkTurn(plan),
    ...checkTurnCapacity(plan),
    ...checkCoturnHardening(plan),
    ...checkCoturnTlsFiles(plan),
    ...checkMatrixRtc(plan),
    ...checkLivekit(plan),
    ...checkLivekitCandidates(plan),
    ...checkLivekitTurnPath(plan),
    ...checkLivekitTurnServers(plan),
    ...checkLkJwt(plan),
    ...checkWellKnownCors(plan),
    ...checkProxyPaths(plan),
    ...checkLivekitSignalling(plan),
    ...checkNpmSchema(plan),
    ...checkDuplicateDomains(plan),
    ...checkAdoptHosts(plan),
    ...checkFederationList(plan),
    ...checkBodySize(plan),
    ...checkOverrides(plan),
    ...checkMonitoring(plan),
  ];
}
