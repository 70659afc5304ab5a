/**
 * The call capacity an organisation's summary.md states and preflight warns about (issue #31): the prediction from
 * the measured per-core figure and the declared host size, bounded by the media port range of the livekit.yaml that
 * would be deployed; the warning channel (render prints it, the program logs it, summary.md states it).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { analyseStack } from "../checks/analyse";
import { formatWarning, preflightWarnings } from "../checks/warnings";
import {
  callCapacity,
  callCapacityLines,
  participantsFor,
  shortfall,
} from "../config-templates/call-capacity";
import { renderSummary } from "../config-templates/summary";
import { MEASURED_CALL_CAPACITY } from "../facts/capacity";
import { placeholderSecrets } from "../facts/secrets";
import { PROJECT_DIR } from "../config/stack-files";
import { planFor, stackValues } from "./helpers";

const perCore = MEASURED_CALL_CAPACITY.participantsPerCore;
/** A figure of the tests' own, so that the rules are checked whatever the benchmark last measured. */
const FIGURE = { ...MEASURED_CALL_CAPACITY, participantsPerCore: 40, measured: "2026-01-01" };

describe("call capacity: predicted from the measured figure per core and the declared host", () => {
  it("has a measured figure to predict from", () => {
    assert.ok(perCore > 0, "facts/capacity.ts holds no measured participants per core");
    assert.match(MEASURED_CALL_CAPACITY.measured, /^\d{4}-\d{2}-\d{2}$/);
  });

  it("scales with the cores, rounding down", () => {
    assert.equal(participantsFor(40, 4), 160);
    assert.equal(participantsFor(37.5, 3), 112);
    assert.equal(participantsFor(40, 0.5), 20);
  });

  it("predicts nothing by CPU until the host's cores are declared; the media range bounds it anyway", () => {
    const capacity = callCapacity(planFor("produktor"))!;
    assert.equal(capacity.hostCores, undefined);
    assert.equal(capacity.byCpu, undefined);
    // udp/50100-50200: 101 ports, two per participant who speaks.
    assert.deepEqual(capacity.mediaRange, { start: 50100, end: 50200 });
    assert.equal(capacity.byPorts, 50);
    assert.match(renderSummary(planFor("produktor")), /LiveKit, one audio call: \*\*not predicted\*\*/);
  });

  it("takes the smaller of CPU and media range, and says which", () => {
    const small = callCapacity(planFor("produktor", { capacity: { hostCores: 1 } }), FIGURE)!;
    assert.equal(small.byCpu, 40);
    assert.equal(small.predicted, 40);
    assert.equal(small.limitedBy, "cpu");
    const wide = callCapacity(
      planFor("produktor", {
        capacity: { hostCores: 64 },
        ports: { livekitUdp: "50000-59999" },
        network: {
          routerForwards: [
            ...(stackValues("produktor").network as { routerForwards: string[] }).routerForwards,
            "udp/50000-59999",
          ],
        },
      }),
      FIGURE,
    )!;
    assert.equal(wide.byPorts, 5000);
    assert.equal(wide.byCpu, 2560);
    assert.equal(wide.limitedBy, "cpu");
    const narrow = callCapacity(planFor("produktor", { capacity: { hostCores: 4 } }), FIGURE)!;
    assert.equal(narrow.byCpu, 160);
    assert.equal(narrow.predicted, 50);
    assert.equal(narrow.limitedBy, "ports");
  });

  it("reads the media range from the livekit.yaml that would be deployed, overrides included", () => {
    const plan = planFor("produktor", {
      overrides: { livekit: { rtc: { port_range_start: 50100, port_range_end: 50109 } } },
    });
    assert.equal(callCapacity(plan)!.byPorts, 5);
  });

  it("has nothing to say for a stack without LiveKit", () => {
    assert.equal(callCapacity(planFor("moda1")), undefined);
    assert.doesNotMatch(renderSummary(planFor("moda1")), /one audio call/);
  });
});

describe("call capacity: a warning, never a refusal, when the expected call does not fit", () => {
  it("warns at expectedParticipants when the media range holds fewer, with the range to widen to", () => {
    const plan = planFor("produktor", { capacity: { hostCores: 64, expectedParticipants: 80 } });
    const [warning] = preflightWarnings(plan);
    assert.ok(warning !== undefined);
    assert.equal(warning.key, "matrix-fleet:capacity.expectedParticipants");
    assert.match(
      warning.message,
      /calls of 80 participants are expected, and LiveKit's media range udp\/50100-50200 \(101 ports\) holds 50/,
    );
    assert.match(warning.fix, /widen ports\.livekitUdp to at least 160 ports/);
  });

  it("warns at hostCores when an expected call cannot be judged without the host's size", () => {
    const [warning] = preflightWarnings(planFor("produktor", { capacity: { expectedParticipants: 20 } }));
    assert.equal(warning?.key, "matrix-fleet:capacity.hostCores");
    assert.match(warning!.fix, /pulumi config set --path capacity\.hostCores/);
  });

  it("warns when the host's CPU carries fewer than expected, naming the cores that would", () => {
    const capacity = callCapacity(
      planFor("produktor", { capacity: { hostCores: 1, expectedParticipants: 45 } }),
      FIGURE,
    )!;
    const missing = shortfall(capacity)!;
    assert.match(missing.message, /carries about 40 in one call \(1 core, 40 participants per core measured/);
    assert.match(missing.fix, /at least 2 cores/);
  });

  it("is quiet when the call fits, and says so in summary.md", () => {
    const capacity = callCapacity(
      planFor("produktor", { capacity: { hostCores: 8, expectedParticipants: 10 } }),
      FIGURE,
    )!;
    assert.equal(shortfall(capacity), undefined);
    assert.match(
      callCapacityLines(capacity).join("\n"),
      /Expected calls \(capacity\.expectedParticipants\): 10 participants, within this capacity/,
    );
  });

  it("cannot judge a declared host without a measured figure, and says how to measure it", () => {
    const capacity = callCapacity(
      planFor("produktor", { capacity: { hostCores: 8, expectedParticipants: 10 } }),
      { ...FIGURE, participantsPerCore: 0 },
    )!;
    assert.match(shortfall(capacity)!.message, /no figure per core measured yet.*cannot be judged/);
    assert.match(shortfall(capacity)!.fix, /BENCH=capacity \.\/fleet bench/);
  });

  it("passes the gate: analyseStack returns the warning and throws nothing", () => {
    const values = stackValues("produktor", { capacity: { hostCores: 1, expectedParticipants: 5000 } });
    const { warnings } = analyseStack("produktor", values, {
      projectDir: PROJECT_DIR,
      secrets: placeholderSecrets(),
      deploying: false,
    });
    assert.equal(warnings.length, 1);
    assert.match(
      formatWarning(warnings[0]!),
      /^warning: \[stack produktor\] matrix-fleet:capacity\.expectedParticipants: calls of 5000/,
    );
  });
});
