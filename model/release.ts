/**
 * What the images a stack runs can do, where a document depends on it: lk-jwt-service delegates a member's delayed
 * leave only from 0.6.0 on (facts/compatibility.ts), so LiveKit's webhook to it is rendered only then.
 */
import { OrgConfig } from "../config/model";
import { LK_JWT_FACTS } from "../facts/compatibility";
import {
  DEFAULT_CONCURRENT_CALL_MEMBERS,
  DELEGATED_RESTART_INTERVAL_SECONDS,
  delegatedRestartLimit,
} from "../facts/delegated-leave";
import { ELEMENT_CALL_RATE_LIMITS, RateLimit } from "../facts/synapse";
import { atLeast, imageVersion } from "../facts/versions";

/** Whether the stack's lk-jwt-service delegates delayed leave events (needs LiveKit's webhook at /sfu_webhook). */
export function lkJwtDelegatesLeave(org: OrgConfig): boolean {
  const version = imageVersion(org.images.lkJwt);
  return version !== undefined && atLeast(version, LK_JWT_FACTS.delegatedLeave.since);
}

/**
 * Where LiveKit posts its participant events: lk-jwt-service's `/sfu_webhook` on the port the Docker host publishes
 * it on. LiveKit runs on the host network, so loopback reaches the published port without leaving the host and
 * without the proxy (the endpoint is not meant for the public: the SFU signs each post with its API key).
 */
export function lkJwtWebhookUrl(org: OrgConfig): string {
  return `http://127.0.0.1:${org.ports.lkJwt}/sfu_webhook`;
}

/** The call members across the organisation the delayed-event limit is sized for (issue #31 will declare them). */
export function concurrentCallMembers(_org: OrgConfig): number {
  return DEFAULT_CONCURRENT_CALL_MEMBERS;
}

/**
 * The `rc_delayed_event_mgmt` a stack with MatrixRTC needs, and why: with delegated leave (lk-jwt-service 0.6.0 and
 * later) every member's restarts come from lk-jwt-service's one address, sized for the organisation's concurrent
 * call members (facts/delegated-leave.ts); otherwise Element Call's documented minimum for its own heartbeat.
 */
export function delayedEventLimit(org: OrgConfig): RateLimit & { readonly why: string } {
  const minimum = ELEMENT_CALL_RATE_LIMITS.rc_delayed_event_mgmt;
  if (!lkJwtDelegatesLeave(org)) return minimum;
  const members = concurrentCallMembers(org);
  const version = imageVersion(org.images.lkJwt)!;
  return {
    ...delegatedRestartLimit(members),
    why: `lk-jwt-service ${version.major}.${version.minor}.${version.patch} restarts the delayed leave event of each of ${members} concurrent call members every ${DELEGATED_RESTART_INTERVAL_SECONDS} s without a token, all from its one address`,
  };
}
