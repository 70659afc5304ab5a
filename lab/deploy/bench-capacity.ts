/**
 * The capacity benchmark (`BENCH=capacity ./fleet bench`; issue #31): how many people one organisation's LiveKit
 * carries in one audio call, and how Synapse holds up when they all join at once. Runs in the Docker lab
 * (LAB_SCRIPT of lab/deploy/run.sh): produktor deployed with the real `pulumi up`, plus two lab-only settings —
 * LiveKit's Prometheus port (to count forwarded packets) and, unless BENCH_MEDIA_PORTS=0, a media range wide enough
 * that the ramp measures CPU rather than the port range (the organisation's own range is a bound of its own,
 * printed apart). For each CPU limit set on LiveKit's container (`docker update --cpus`), a ramp of calls from the
 * client namespace (lab/load/ramp.ts: loss < 2 %, join p95 < 3 s), then Synapse bursts. Prints the tables and the
 * measured figures next to the prediction summary.md makes from facts/capacity.ts. Asserts nothing.
 *
 * Knobs: BENCH_LIMITS (LiveKit CPU limits, default "0.5,1"), BENCH_SPEAKERS (3), BENCH_SIZES, BENCH_MEASURE_SECONDS
 * (15), BENCH_JOIN_RATE (joins per second, 10), BENCH_MEDIA_PORTS (1000), BENCH_BURST_SIZES ("25,50,100,200"),
 * BENCH_BURST_WINDOW (seconds, 60), BENCH_COST_MEMBERS (the call both generators make to compare their cost, 20;
 * 0 skips it).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { formatBurst, formatRamp, BURST_HEADER } from "../load/capacity-table";
import { discover } from "../load/call-step";
import { burstHolds } from "../load/burst-stats";
import { LivekitProbe, machineCores } from "../load/livekit-probe";
import { Organisation, callRoom } from "../load/members";
import { DEFAULT_PLAN } from "../load/ramp";
import { MemberPool, RampTarget, runRamp } from "../load/ramp-run";
import { synapseBurst } from "../load/synapse-burst";
import { RampCapacity, predictionLines } from "../load/prediction";
import { generatorCost } from "../load/generator-cost";
import { lkJwtEnv } from "../audio-call";
import { LabFleet } from "./fleet";
import { CLIENT_NAMESPACE } from "./sites";
import { smokeBurst, smokeCall } from "../scenarios/capacity";

const STACK = "produktor";
const METRICS_PORT = 6789;
const numbers = (name: string, fallback: string) =>
  (process.env[name] ?? fallback).split(",").map((v) => Number(v.trim()));
const LIMITS = numbers("BENCH_LIMITS", "0.5,1");
const SPEAKERS = Number(process.env.BENCH_SPEAKERS ?? "3");
const SIZES = numbers("BENCH_SIZES", DEFAULT_PLAN.sizes.join(","));
const MEASURE_SECONDS = Number(process.env.BENCH_MEASURE_SECONDS ?? "15");
const JOIN_RATE = Number(process.env.BENCH_JOIN_RATE ?? "10");
const MEDIA_PORTS = Number(process.env.BENCH_MEDIA_PORTS ?? "1000");
const BURST_SIZES = numbers("BENCH_BURST_SIZES", "25,50,100,200");
const BURST_WINDOW = Number(process.env.BENCH_BURST_WINDOW ?? "60");
const COST_MEMBERS = Number(process.env.BENCH_COST_MEMBERS ?? "20");
/** Ramps and bursts that broke off (the benchmark goes on with the others and exits 1 at the end). */
let failures = 0;
const OPTIONS = {
  speakers: SPEAKERS,
  joinsPerSecond: JOIN_RATE,
  settleSeconds: 3,
  measureSeconds: MEASURE_SECONDS,
};

/** The lab-only settings: LiveKit's metrics port and the widened media range (with the router's forward). */
async function benchSettings(fleet: LabFleet): Promise<{ start: number; end: number }> {
  // Without the monitoring: its seven containers would share the two cores with what is measured, and its LiveKit
  // metrics (ports.livekitMetrics, the same port) ask for a password the probe does not hold.
  await fleet.set(STACK, "components.monitoring", "false");
  await fleet.set(STACK, "overrides.livekit.prometheus_port", String(METRICS_PORT));
  const file = yaml.load(fleet.workspace.stackFile(STACK)) as { config: Record<string, unknown> };
  const network = file.config["matrix-fleet:network"] as { routerForwards: string[] };
  const start = 50100;
  if (MEDIA_PORTS <= 0) return { start, end: 50200 };
  const end = start + MEDIA_PORTS - 1;
  const index = network.routerForwards.indexOf("udp/50100-50200");
  if (index < 0) throw new Error(`${STACK}'s routerForwards has no udp/50100-50200 to widen`);
  await fleet.set(STACK, "ports.livekitUdp", `${start}-${end}`);
  await fleet.set(STACK, `network.routerForwards[${index}]`, `udp/${start}-${end}`);
  return { start, end };
}

interface Bench {
  readonly fleet: LabFleet;
  readonly target: RampTarget;
  readonly org: Organisation;
  readonly range: { start: number; end: number };
}

/** produktor deployed with the bench settings, its members' pool and LiveKit's probe. */
async function setUp(fleet: LabFleet): Promise<Bench> {
  const range = await benchSettings(fleet);
  const up = await fleet.up(STACK);
  if (up.code !== 0) throw new Error(`${STACK} up failed:\n${LabFleet.failure(up)}`);
  const site = fleet.site(STACK);
  const view = await discover(site.serverName);
  const org = {
    synapseUrl: `http://${site.dockerLan}:8008`,
    homeserverUrl: view.homeserverUrl,
    registrationSecret: String(fleet.homeserver(STACK).registration_shared_secret),
  };
  const target = {
    namespace: CLIENT_NAMESPACE,
    caFile: fleet.target().organisation(STACK).caFile,
    view,
    probe: LivekitProbe.open(site, STACK, range, METRICS_PORT),
    pool: new MemberPool(org, "bench"),
  };
  return { fleet, target, org, range };
}

/** The same call made by both generators, LiveKit unlimited: what a simulated participant costs each. */
async function costPart({ fleet, target, org }: Bench): Promise<string[]> {
  const env = lkJwtEnv(fleet.target(), STACK);
  const livekit = {
    apiUrl: `http://${fleet.site(STACK).dockerLan}:7880`,
    clientUrl: env.LIVEKIT_URL!,
    key: env.LIVEKIT_KEY!,
    secret: env.LIVEKIT_SECRET!,
  };
  const members = await target.pool.take(COST_MEMBERS);
  const room = await callRoom(org, members[0]!, "generator cost");
  const cost = await generatorCost(target, livekit, room, members, { ...OPTIONS, measureSeconds: 10 });
  const line =
    `Load generator cost, ${cost.members} members (${cost.speakers} speaking), LiveKit unlimited: ` +
    `Go ${cost.goCoresPer100.toFixed(2)} cores per 100 participants (${cost.goRssMiB.toFixed(0)} MiB), ` +
    `rtc-node ${cost.rtcNodeCoresPer100.toFixed(2)} (${cost.rtcNodeRssMiB.toFixed(0)} MiB, ${cost.rtcNodeJoined} joined)`;
  console.error(`capacity: ${line}`);
  return [line, ""];
}

async function rampPart({ target, range }: Bench): Promise<string[]> {
  const out: string[] = [];
  const ramps: RampCapacity[] = [];
  for (const limit of LIMITS) {
    // After the first ramp, sizes under half of what the last one predicts for this limit would only pass: skipped.
    const last = ramps.at(-1);
    const floor = last === undefined ? 0 : (last.capacity * limit) / last.limit / 2;
    const sizes = SIZES.filter((size) => size >= floor);
    const plan = { ...DEFAULT_PLAN, sizes: sizes.length > 0 ? sizes : SIZES };
    try {
      const { steps, capacity } = await runRamp(target, limit, OPTIONS, plan);
      out.push(...formatRamp(limit, steps, capacity), "");
      ramps.push({ limit, capacity: capacity.participants });
    } catch (error) {
      // The steps that ended were printed as they went; the other limits and the bursts still run.
      out.push(`LiveKit limited to ${limit} cores: the ramp broke off: ${(error as Error).message}`, "");
      console.error(`capacity: the ramp at ${limit} cores broke off: ${(error as Error).stack}`);
      failures++;
    }
  }
  target.probe.limit(0);
  return [...out, ...predictionLines(ramps, SPEAKERS, range.end - range.start + 1), ""];
}

async function burstPart({ target, org }: Bench): Promise<string[]> {
  const out = [
    "Synapse bursts (members join the call's room and send their call membership within the window):",
    BURST_HEADER,
  ];
  for (const size of BURST_SIZES) {
    try {
      const members = await target.pool.take(size);
      const room = await callRoom(org, members[0]!, `burst ${size}`);
      const burst = await synapseBurst(
        {
          ...target,
          homeserverUrl: target.view.homeserverUrl,
          livekitServiceUrl: target.view.livekitServiceUrl,
        },
        room,
        members,
        BURST_WINDOW,
      );
      out.push(formatBurst(burst, burstHolds(burst)));
    } catch (error) {
      out.push(`${String(size).padStart(6)}  the burst broke off: ${(error as Error).message}`);
      failures++;
    }
    console.error(`capacity: ${out.at(-1)}`);
  }
  return out;
}

/** The Docker lab's smoke (lab/scenarios/capacity.ts) first: it proves the path, and its time is what CI pays. */
async function smokePart(fleet: LabFleet): Promise<string[]> {
  const started = Date.now();
  try {
    const call = await smokeCall(fleet);
    const callSeconds = (Date.now() - started) / 1000;
    await smokeBurst(fleet, call);
    const line = `Smoke (lab/scenarios/capacity.ts): passed, call ${callSeconds.toFixed(1)} s, with the burst ${((Date.now() - started) / 1000).toFixed(1)} s`;
    console.error(`capacity: ${line}`);
    return [line, ""];
  } catch (error) {
    failures++;
    console.error(`capacity: the smoke failed: ${(error as Error).stack}`);
    return [
      `Smoke (lab/scenarios/capacity.ts): FAILED after ${((Date.now() - started) / 1000).toFixed(1)} s: ${(error as Error).message}`,
      "",
    ];
  }
}

async function main(): Promise<void> {
  const began = new Date();
  const fleet = await LabFleet.create(path.join(process.env.LAB_DIR ?? ".lab/deploy", "bench-capacity"), [
    STACK,
  ]);
  const out: string[] = [];
  try {
    const bench = await setUp(fleet);
    out.push(...(await smokePart(fleet)));
    if (COST_MEMBERS > 0) out.push(...(await costPart(bench)));
    out.push(...(await rampPart(bench)));
    out.push(...(await burstPart(bench)));
  } finally {
    await fleet.stop();
  }
  const load = fs.readFileSync("/proc/loadavg", "utf8").trim();
  console.log(
    `\nmatrix-fleet benchmark: call capacity of ${STACK}'s LiveKit (${SPEAKERS} speakers, Opus 48 kbps, joins ${JOIN_RATE}/s, ` +
      `${MEASURE_SECONDS} s measured per step), ${began.toISOString()}, ${machineCores()} cores, load average at the end ${load}`,
  );
  for (const line of out) console.log(line);
  if (failures > 0) process.exitCode = 1;
}

void main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
