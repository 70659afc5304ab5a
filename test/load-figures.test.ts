/**
 * The capacity benchmark's measurement math (lab/load/, issue #31): a generator run's figures (join latency
 * percentiles, loss with subscriptions that never arrived, the generator's CPU), the ramp's verdicts, sizes and
 * capacity, what ended a ramp, the server readings parsed from the kernel's and LiveKit's text, the Synapse
 * burst's figures, and the prediction's 20 % agreement.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BurstOutcome, burstFigures, burstHolds } from "../lab/load/burst-stats";
import { GeneratorResult, JoinOutcome, percentile, stepFigures } from "../lab/load/call-stats";
import { formatBurst, formatStep } from "../lab/load/capacity-table";
import { generatorEvent } from "../lab/load/generator";
import { agrees } from "../lab/load/prediction";
import {
  cgroupV1Cpu,
  cgroupV2Cpu,
  counterSum,
  cpuCgroupPath,
  machineCpu,
  udpPortsInRange,
} from "../lab/load/probe-parse";
import { DEFAULT_PLAN, ServerSample, Step, bottleneck, capacityOf, judge, nextSize } from "../lab/load/ramp";

const join = (member: number, connectMs: number, more: Partial<JoinOutcome> = {}): JoinOutcome => ({
  member,
  speaker: false,
  tokenMs: connectMs / 3,
  connectMs,
  audioMs: connectMs + 100,
  stage: "joined",
  ...more,
});

function result(more: Partial<GeneratorResult> = {}): GeneratorResult {
  return {
    joins: [join(0, 500, { speaker: true, audioMs: null }), join(1, 700), join(2, 900)],
    expectedTracks: 2,
    tracks: [
      {
        subscriber: 1,
        publisher: "a",
        expected: 500,
        received: 495,
        lost: 5,
        jitterMeanMs: 2,
        jitterMaxMs: 9,
      },
      {
        subscriber: 2,
        publisher: "a",
        expected: 500,
        received: 500,
        lost: 0,
        jitterMeanMs: 4,
        jitterMaxMs: 6,
      },
    ],
    delayMs: { p50: 3, p95: 12, p99: 20 },
    cpu: { windowSeconds: 10, windowCpuSeconds: 2.5, totalCpuSeconds: 9, maxRssMiB: 120 },
    windowStartMs: 0,
    windowEndMs: 10_000,
    ...more,
  };
}

const server = (more: Partial<ServerSample> = {}): ServerSample => ({
  livekitCores: 0.5,
  livekitLimitCores: 1,
  throttledPercent: 0,
  forwardedPps: 5000,
  mediaPorts: 40,
  mediaRange: 1000,
  machineBusyCores: 1.2,
  machineCores: 2,
  loadAverage: 1.5,
  ...more,
});

/** A step of `n` participants that passes when n <= capacity (an oracle standing in for the lab). */
function stepAt(n: number, capacity: number): Step {
  const figures = stepFigures(
    result({
      joins: Array.from({ length: n }, (_, i) => join(i, 400)),
      expectedTracks: 1,
      tracks: [
        {
          subscriber: 1,
          publisher: "a",
          expected: 1000,
          received: n <= capacity ? 1000 : 900,
          lost: n <= capacity ? 0 : 100,
          jitterMeanMs: 1,
          jitterMaxMs: 2,
        },
      ],
    }),
    1,
  );
  return { figures, server: server(), verdict: judge(figures) };
}

describe("a generator run's figures", () => {
  it("takes percentiles by nearest rank", () => {
    assert.equal(percentile([], 0.95), 0);
    assert.equal(percentile([5], 0.95), 5);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95), 10);
    assert.equal(percentile([10, 1, 9, 2, 8, 3, 7, 4, 6, 5], 0.5), 5);
  });

  it("counts loss over the interval, the joins' percentiles and the generator's cores", () => {
    const f = stepFigures(result(), 1);
    assert.equal(f.joined, 3);
    assert.equal(f.lossPercent, 0.5); // 5 of 1000
    assert.equal(f.joinP95Ms, 900);
    assert.equal(f.audioP95Ms, 1000); // the speaker hears nobody: not counted
    assert.equal(f.generatorCores, 0.25);
    assert.equal(f.receivedPps, 99.5);
    assert.equal(f.jitterMaxMs, 9);
  });

  it("counts a subscription that never arrived as lost for the whole interval, and failed joins by stage", () => {
    const f = stepFigures(
      result({
        expectedTracks: 3,
        joins: [
          join(0, 500),
          join(1, 700),
          join(2, 0, { stage: "connect", error: "could not establish pc connection" }),
        ],
      }),
      1,
    );
    assert.equal(f.missingTracks, 1);
    // 5 lost of 1000, plus 500 of 500 (10 s at 50 packets a second)
    assert.equal(f.lossPercent, (100 * 505) / 1500);
    assert.deepEqual(f.joinFailures, { connect: { count: 1, first: "could not establish pc connection" } });
    assert.equal(f.joined, 2);
  });
});

describe("the generator's output", () => {
  it("reads its events as Go's encoder writes them, keys sorted (a missed event would leave a step unsampled)", () => {
    // Lines as audio-load printed them (its first lab run missed "measuring" by matching '{"event"').
    assert.deepEqual(generatorEvent('{"atMs":1796652712963,"event":"measuring"}'), {
      atMs: 1796652712963,
      event: "measuring",
    });
    assert.equal(generatorEvent('{"event":"joining","members":2,"speakers":1}')?.event, "joining");
    assert.equal(generatorEvent('{"result":{"joins":[],"expectedTracks":0,"tracks":null}}'), undefined);
    assert.equal(generatorEvent('{"error":"the run\'s deadline passed"}'), undefined);
    assert.equal(generatorEvent('{"atMs":1,"event":'), undefined);
  });
});

describe("the ramp", () => {
  it("fails a step on loss, slow joins or a failed join, saying which", () => {
    const good = stepFigures(result(), 1);
    assert.deepEqual(judge(good), { pass: true, reasons: [] });
    const slow = { ...good, joinP95Ms: 3000, lossPercent: 2 };
    const verdict = judge(slow);
    assert.equal(verdict.pass, false);
    assert.match(
      verdict.reasons.join("; "),
      /packet loss 2\.00 % \(must stay under 2 %\); joins p95 3\.00 s/,
    );
    assert.match(
      judge({ ...good, joinFailures: { token: { count: 2, first: "HTTP 502" } } }).reasons[0]!,
      /2 joins failed at token: HTTP 502/,
    );
  });

  it("climbs the sizes, then halves the gap above the capacity to within 10 %", () => {
    for (const capacity of [130, 37, 500, 4]) {
      const steps: Step[] = [];
      for (let size = nextSize(steps); size !== undefined; size = nextSize(steps))
        steps.push(stepAt(size, capacity));
      const found = capacityOf(steps);
      assert.ok(steps.length <= DEFAULT_PLAN.maxSteps);
      assert.ok(found.participants <= capacity, `${capacity}: found ${found.participants}`);
      if (capacity < 500) {
        assert.ok(found.participants >= 0.88 * capacity - 2, `${capacity}: found ${found.participants}`);
        assert.ok(found.endedBy !== undefined && !found.endedBy.verdict.pass);
      } else assert.equal(found.endedBy, undefined, "the sizes ran out first");
    }
  });

  it("names what ended a ramp", () => {
    const failed = stepAt(200, 100);
    assert.match(
      bottleneck({ ...failed, server: server({ mediaPorts: 1000 }) }),
      /^LiveKit's UDP media range: all 1000 ports held/,
    );
    assert.match(
      bottleneck({ ...failed, server: server({ livekitCores: 0.97 }) }),
      /^LiveKit's CPU: LiveKit 0\.97 of its 1\.00-core limit/,
    );
    assert.match(bottleneck({ ...failed, server: server({ throttledPercent: 60 }) }), /^LiveKit's CPU/);
    // The lab's first half-core ramp: 126 of 130 in, no packet lost, LiveKit throttled (the proxy's connections).
    const shut = {
      ...failed,
      figures: { ...failed.figures, joined: 126, participants: 130, lossPercent: 0 },
    };
    assert.match(
      bottleneck({ ...shut, server: server({ throttledPercent: 46 }) }),
      /^the join path, not LiveKit's media: 126 of 130 joined/,
    );
    assert.match(
      bottleneck({ ...failed, server: server({ machineBusyCores: 1.95 }) }),
      /^the machine's CPU, not LiveKit's limit/,
    );
    assert.match(bottleneck(failed), /^not CPU \(.*\): packet loss/);
  });
});

describe("server readings", () => {
  it("parses cgroup v1 and v2 CPU and throttling", () => {
    assert.deepEqual(cgroupV1Cpu("2500000000\n", "nr_periods 100\nnr_throttled 25\nthrottled_time 123\n"), {
      usageSeconds: 2.5,
      periods: 100,
      throttledPeriods: 25,
    });
    assert.deepEqual(
      cgroupV2Cpu(
        "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\nnr_periods 40\nnr_throttled 4\nthrottled_usec 9\n",
      ),
      { usageSeconds: 1.5, periods: 40, throttledPeriods: 4 },
    );
  });

  it("finds a process's CPU cgroup in /proc/<pid>/cgroup", () => {
    const v1 = "12:pids:/docker/abc\n4:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n0::/\n";
    assert.deepEqual(cpuCgroupPath(v1), { version: 1, path: "/docker/abc" });
    assert.deepEqual(cpuCgroupPath("0::/system.slice/docker-abc.scope\n"), {
      version: 2,
      path: "/system.slice/docker-abc.scope",
    });
    assert.equal(cpuCgroupPath(""), undefined);
  });

  it("counts the UDP ports in a range from /proc/<pid>/net/udp (hex)", () => {
    const table = [
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops",
      "  1: 0201A8C6:C3D4 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1 2 0 0", // 50132
      "  2: 0201A8C6:C3D5 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1 2 0 0", // 50133
      "  3: 0201A8C6:0D96 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1 2 0 0", // 3478
      "  4: 0301A8C6:C3D4 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1 2 0 0", // 50132 again
    ].join("\n");
    assert.deepEqual([...udpPortsInRange(table, 50100, 50200)].sort(), [50132, 50133]);
  });

  it("reads the machine's busy and total CPU from /proc/stat", () => {
    assert.deepEqual(machineCpu("cpu  100 5 50 800 20 3 2 0 0 0\ncpu0 1 2 3\n"), { busy: 160, total: 980 });
  });

  it("sums a Prometheus counter over the series with the given labels", () => {
    const metrics = [
      "# TYPE livekit_packet_total counter",
      'livekit_packet_total{country="",direction="outgoing",node_id="N",node_type="SERVER",transmission="initial"} 1200',
      'livekit_packet_total{country="",direction="outgoing",node_id="N",node_type="SERVER",transmission="retransmit"} 30',
      'livekit_packet_total{country="",direction="incoming",node_id="N",node_type="SERVER",transmission="initial"} 99',
      'livekit_packet_total_other{direction="outgoing"} 5',
    ].join("\n");
    assert.equal(counterSum(metrics, "livekit_packet_total", { direction: "outgoing" }), 1230);
    assert.equal(
      counterSum(metrics, "livekit_packet_total", { direction: "outgoing", transmission: "initial" }),
      1200,
    );
    assert.equal(counterSum(metrics, "livekit_nack_total", {}), undefined);
  });
});

describe("a Synapse burst's figures", () => {
  const outcome = (member: number, ms: number, more: Partial<BurstOutcome> = {}): BurstOutcome => ({
    member,
    ms,
    joinMs: ms / 2,
    rateLimited: 0,
    ...more,
  });

  it("takes the percentiles of the members that got in and counts 429s and errors", () => {
    const figures = burstFigures(
      [
        outcome(0, 100),
        outcome(1, 300, { rateLimited: 2 }),
        outcome(2, 5000, { rateLimited: 1 }),
        outcome(3, 200, { error: "HTTP 500" }),
      ],
      60,
    );
    assert.equal(figures.ok, 3);
    assert.equal(figures.errors, 1);
    assert.equal(figures.firstError, "HTTP 500");
    assert.equal(figures.rateLimited, 3);
    assert.equal(figures.membersRateLimited, 2);
    assert.equal(figures.p95Ms, 5000);
    assert.equal(figures.p50Ms, 300);
    assert.equal(burstHolds(figures), false);
    assert.equal(burstHolds(burstFigures([outcome(0, 100), outcome(1, 2900)], 60)), true);
    assert.match(formatBurst(figures, false), /^ +4 +60 s +3 +1 +3 \(2\) +0\.30 s +5\.00 s .* no: HTTP 500$/);
  });
});

describe("prediction against measurement", () => {
  it("agrees within 20 % of the measurement", () => {
    assert.equal(agrees(100, 100), true);
    assert.equal(agrees(120, 100), true);
    assert.equal(agrees(80, 100), true);
    assert.equal(agrees(121, 100), false);
    assert.equal(agrees(79, 100), false);
    assert.equal(agrees(10, 0), false);
  });

  it("prints a step's row with its verdict", () => {
    const row = formatStep(stepAt(120, 100));
    assert.match(row, /^ +120 +120\/120 +0\.40 s .* FAIL: packet loss 10\.00 %/);
  });
});
