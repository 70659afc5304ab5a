import { ELEMENT_CALL_RATE_LIMITS, RateLimit } from "./synapse";

/**
 * What delegated leave (lk-jwt-service 0.6.0, docs/upstream/lk-jwt-service.md "0.6.0") costs Synapse's
 * `rc_delayed_event_mgmt`, and the limit that carries a number of call members. lk-jwt-service restarts every
 * delegated member's delayed leave event itself, without an access token, so Synapse limits all those restarts in the
 * one bucket of lk-jwt-service's address (per client IP for an unauthenticated restart, docs/upstream/synapse.md
 * §8.2): every call member of the organisation shares it, wherever the members are.
 */

/**
 * The delay of the leave event Element Call schedules and hands to lk-jwt-service as `delay_timeout`:
 * `DEFAULT_CONFIG.matrix_rtc_session.delayed_leave_event_delay_ms` in element-hq/element-call
 * `src/config/ConfigOptions.ts` at v0.24.0 and on the default branch (b51a33c4, 2026-08-21), sent by
 * `src/livekit/openIDSFU.ts` with the delay_id.
 */
export const ELEMENT_CALL_LEAVE_DELAY_MS = 10_000;

/**
 * lk-jwt-service restarts a delegated delayed event at 80 % of its timeout, re-armed after every successful restart
 * (`delayRestartDuration`, `DelayTimeout * 8 / 10`, delayedEventManager.go at a375b13); a 429 is retried after
 * Synapse's Retry-After or `retry_after_ms` (helper.go). The leave is sent when a restart is 20 % of the delay late.
 */
export const LK_JWT_RESTART_FRACTION = 0.8;

/** Seconds between two restarts of one delegated member's leave event: 8 s with Element Call's delay. */
export const DELEGATED_RESTART_INTERVAL_SECONDS =
  (ELEMENT_CALL_LEAVE_DELAY_MS / 1000) * LK_JWT_RESTART_FRACTION;

/**
 * The call members, across the organisation, that the rendered limit carries when nothing else is declared (the
 * lead's sizing; issue #31 will let a stack declare its expected participants and pass them to
 * `delegatedRestartLimit`).
 */
export const DEFAULT_CONCURRENT_CALL_MEMBERS = 80;

/**
 * Headroom over the steady demand, as Element Call's guide sizes its own minimum ("at least the heart-beat frequency
 * plus a bit of headroom", docs/self_hosting.md at v0.24.0): members joining (a new delegation is restarted at once)
 * and lk-jwt-service's retries come on top of the steady restarts, and a refused restart has only the last 20 % of
 * the delay before Synapse sends the leave.
 */
export const DELEGATION_HEADROOM = 1.5;

/**
 * The `rc_delayed_event_mgmt` that carries `members` delegated call members: per_second for their steady restarts
 * (members / 8 s) and burst_count for all of them restarting at once (a meeting whose members joined together, or
 * lk-jwt-service reconnecting them all), both with the headroom; Synapse's limiter is a leaky bucket of burst_count
 * draining at per_second (synapse/api/ratelimiting.py). Never below Element Call's documented minimums. 80 members:
 * 15/s, burst 120.
 */
export function delegatedRestartLimit(members: number): RateLimit {
  const floor = ELEMENT_CALL_RATE_LIMITS.rc_delayed_event_mgmt;
  return {
    per_second: Math.max(
      floor.per_second,
      Math.ceil((members / DELEGATED_RESTART_INTERVAL_SECONDS) * DELEGATION_HEADROOM),
    ),
    burst_count: Math.max(floor.burst_count, Math.ceil(members * DELEGATION_HEADROOM)),
  };
}

/** How many delegated members a limit carries in steady state, without headroom (Element Call's 1/s: 8). */
export function delegatedMembersCarried(limit: RateLimit): number {
  return Math.floor(limit.per_second * DELEGATED_RESTART_INTERVAL_SECONDS);
}
