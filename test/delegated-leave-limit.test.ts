/**
 * Sizing `rc_delayed_event_mgmt` for delegated leave (facts/delegated-leave.ts, model/release.ts): the limit for a
 * number of call members is checked against a model of Synapse's limiter, not against its own formula. The model
 * follows synapse/api/ratelimiting.py (`Ratelimiter.can_do_action`, 1.157.1 and the default branch of 2026-07-24):
 * a bucket per key whose count drains at per_second, an action refused when the drained count exceeds
 * burst_count - 1, and only allowed actions counted. lk-jwt-service's restarts carry no token (helper.go
 * `ExecuteDelayedEventAction` at a375b13), so all of them share the key of its one address
 * (synapse/handlers/delayed_events.py `_mgmt_ratelimit`).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DEFAULT_CONCURRENT_CALL_MEMBERS,
  DELEGATED_RESTART_INTERVAL_SECONDS,
  delegatedMembersCarried,
  delegatedRestartLimit,
} from "../facts/delegated-leave";
import { ELEMENT_CALL_RATE_LIMITS, RateLimit } from "../facts/synapse";
import { delayedEventLimit } from "../model/release";
import { orgFor } from "./helpers";

/** Synapse's limiter for one key: how many of the restarts at the given times (seconds, ascending) it refuses. */
function refusedBySynapse(limit: RateLimit, times: readonly number[]): number {
  let count = 0;
  let start = 0;
  let refused = 0;
  for (const now of times) {
    let performed = count - (now - start) * limit.per_second;
    if (performed < 0) {
      performed = 0;
      count = 0;
      start = now;
    }
    if (performed > limit.burst_count - 1) refused += 1;
    else count += 1;
  }
  return refused;
}

/**
 * The restarts lk-jwt-service makes for `members` delegated members over `seconds`: one when a member is delegated
 * (at `joinedAt`), then one every 8 s (80 % of Element Call's 10 s delay). `spread` joins them evenly over one
 * interval instead of all at once.
 */
function restarts(members: number, seconds: number, spread: boolean): number[] {
  const times: number[] = [];
  for (let m = 0; m < members; m += 1) {
    const joinedAt = spread ? (m / members) * DELEGATED_RESTART_INTERVAL_SECONDS : 0;
    for (let t = joinedAt; t < seconds; t += DELEGATED_RESTART_INTERVAL_SECONDS) times.push(t);
  }
  return times.sort((a, b) => a - b);
}

describe("rc_delayed_event_mgmt for delegated leave", () => {
  it("restarts every member 8 s apart: 80 % of Element Call's 10 s leave delay", () => {
    // element-call src/config/ConfigOptions.ts (v0.24.0, b51a33c4): delayed_leave_event_delay_ms 10000;
    // lk-jwt-service delayedEventManager.go delayRestartDuration: DelayTimeout * 8 / 10.
    assert.equal(DELEGATED_RESTART_INTERVAL_SECONDS, 8);
  });

  it("carries 80 members who joined at the same moment, for ten minutes, without a 429", () => {
    const limit = delegatedRestartLimit(DEFAULT_CONCURRENT_CALL_MEMBERS);
    assert.equal(refusedBySynapse(limit, restarts(DEFAULT_CONCURRENT_CALL_MEMBERS, 600, false)), 0);
    assert.equal(refusedBySynapse(limit, restarts(DEFAULT_CONCURRENT_CALL_MEMBERS, 600, true)), 0);
  });

  it("carries any number of members it is sized for, joined at once or spread", () => {
    for (const members of [1, 5, 8, 9, 20, 33, 80, 150, 400]) {
      const limit = delegatedRestartLimit(members);
      for (const spread of [false, true])
        assert.equal(
          refusedBySynapse(limit, restarts(members, 300, spread)),
          0,
          `${members} members, ${spread}`,
        );
      assert.ok(delegatedMembersCarried(limit) >= members, `${members} members: ${JSON.stringify(limit)}`);
    }
  });

  it("is never below Element Call's documented minimum", () => {
    for (const members of [0, 1, 2, 8]) {
      const limit = delegatedRestartLimit(members);
      assert.ok(limit.per_second >= ELEMENT_CALL_RATE_LIMITS.rc_delayed_event_mgmt.per_second);
      assert.ok(limit.burst_count >= ELEMENT_CALL_RATE_LIMITS.rc_delayed_event_mgmt.burst_count);
    }
  });

  it("Element Call's 1/s, burst 20 (what 0.5.0 needed) refuses delegated members: 80 at once, and 10 within minutes", () => {
    const minimum = ELEMENT_CALL_RATE_LIMITS.rc_delayed_event_mgmt;
    assert.equal(delegatedMembersCarried(minimum), 8);
    assert.ok(refusedBySynapse(minimum, restarts(80, 60, false)) > 0);
    assert.equal(refusedBySynapse(minimum, restarts(8, 600, true)), 0, "8 members, spread");
    assert.ok(refusedBySynapse(minimum, restarts(10, 600, true)) > 0, "10 members, spread");
  });

  it("is what a stack renders with lk-jwt-service 0.6.0, and Element Call's minimum with 0.5.0", () => {
    assert.deepEqual(
      { ...delayedEventLimit(orgFor("pro-dukt")) },
      {
        per_second: 15,
        burst_count: 120,
        why: "lk-jwt-service 0.6.0 restarts the delayed leave event of each of 80 concurrent call members every 8 s without a token, all from its one address",
      },
    );
    const older = orgFor("pro-dukt", { images: { lkJwt: "ghcr.io/element-hq/lk-jwt-service:0.5.0" } });
    assert.equal(delayedEventLimit(older), ELEMENT_CALL_RATE_LIMITS.rc_delayed_event_mgmt);
  });
});
