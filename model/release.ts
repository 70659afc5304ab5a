/**
 * What the images a stack runs can do, where a document depends on it: lk-jwt-service delegates a member's delayed
 * leave only from 0.6.0 on (facts/compatibility.ts), so LiveKit's webhook to it is rendered only then.
 */
import { OrgConfig } from "../config/model";
import { LK_JWT_FACTS } from "../facts/compatibility";
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
