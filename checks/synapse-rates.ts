import { isPlainObject } from "../config/merge";
import { Problem, problem } from "../config/problems";
import { StackPlan } from "../config-templates/plan";
import { ELEMENT_CALL_RATE_LIMITS, SYNAPSE_RATE_LIMIT_DEFAULTS, RateLimit } from "../facts/synapse";
import { delayedEventLimit, lkJwtDelegatesLeave } from "../model/release";

/**
 * Shared-IP offices (field failures 14 and 15): Element Call's key sharing and its delayed-event heartbeat need
 * the rate limits Element Call documents (with delegated leave, lk-jwt-service's restarts for every call member of
 * the organisation: model/release.ts), and Synapse must see each client's own address behind the proxy, or every
 * user behind it shares one bucket. Read from homeserver.yaml as deployed (overrides merged); upstream facts in
 * docs/upstream/synapse.md §8.
 */
export function checkSynapseRateLimits({ org, synapse }: StackPlan): Problem[] {
  const hs = synapse.homeserver;
  const problems: Problem[] = [];
  const listeners = Array.isArray(hs.listeners) ? hs.listeners.filter(isPlainObject) : [];
  const proxied = listeners.filter((l) => Number(l.port) === org.ports.synapse);
  if (proxied.some((l) => l.x_forwarded !== true)) {
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.listeners",
        `the listener on ${org.ports.synapse}, which the proxy forwards to, has no x_forwarded: true: Synapse takes the proxy's address for every client, so all users share one rate-limit bucket (per-IP limits such as unauthenticated delayed-event restarts drop them from calls)`,
        "drop the override, or set x_forwarded: true on that listener (Nginx Proxy Manager's locations send X-Forwarded-For)",
      ),
    );
  }
  if (!org.components.matrixRtc) return problems;
  const needs = {
    rc_message: { ...ELEMENT_CALL_RATE_LIMITS.rc_message, by: "Element Call needs" },
    rc_delayed_event_mgmt: {
      ...delayedEventLimit(org),
      by: lkJwtDelegatesLeave(org) ? "delegated leave needs" : "Element Call needs",
    },
  };
  for (const name of Object.keys(needs) as Array<keyof typeof needs>) {
    const needed = needs[name];
    const deployed = effectiveRateLimit(hs, name);
    if (deployed.per_second >= needed.per_second && deployed.burst_count >= needed.burst_count) continue;
    problems.push(
      problem(
        org.stack,
        `overrides.synapse.${name}`,
        `${name} is ${describe(deployed)}, below the ${describe(needed)} ${needed.by} (${needed.why}): call members, most of all several behind one address, get 429 and drop out of calls`,
        `drop the override; matrix-fleet renders ${name}: {per_second: ${needed.per_second}, burst_count: ${needed.burst_count}} with MatrixRTC (raise it further for more members, never lower)`,
      ),
    );
  }
  return problems;
}

const describe = (limit: RateLimit) => `${limit.per_second}/s with a burst of ${limit.burst_count}`;

/**
 * What Synapse runs with: each sub-key falls back to Synapse's default on its own (RatelimitSettings.parse), and
 * without an rc_message section the legacy rc_messages_per_second / rc_message_burst_count are read.
 */
function effectiveRateLimit(
  hs: Readonly<Record<string, unknown>>,
  name: keyof typeof SYNAPSE_RATE_LIMIT_DEFAULTS,
): RateLimit {
  const defaults = SYNAPSE_RATE_LIMIT_DEFAULTS[name];
  const section = hs[name];
  const legacy = name === "rc_message" && !(name in hs);
  const read = (key: keyof RateLimit, legacyKey: string): number => {
    const value = legacy ? hs[legacyKey] : isPlainObject(section) ? section[key] : undefined;
    return value === undefined || value === null ? defaults[key] : Number(value);
  };
  return {
    per_second: read("per_second", "rc_messages_per_second"),
    burst_count: read("burst_count", "rc_message_burst_count"),
  };
}
