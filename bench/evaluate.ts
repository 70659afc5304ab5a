/**
 * `npm run bench`: how long the program takes to evaluate under the SDK's in-process mock engine, for each real
 * stack and for synthetic fleets of 10, 100 and 1000 organisations (all in one process). Prints figures; asserts
 * nothing. Target: each added organisation costs under 50 ms. `BENCH_SIZES=10,100` picks the fleet sizes (1000
 * organisations take minutes and ~15 GB of heap, hence the raised heap limit in the npm script).
 *
 * Where the time goes (measured with a CPU profile and by switching it off): the Pulumi SDK captures a full,
 * source-mapped stack trace for every resource it constructs (`Resource.callsites()`, for source positions).
 * Under tsx that is ~80% of an organisation's evaluation; the engine's own work in a real deployment dwarfs both.
 *
 * bench/: measurements, not tests (speed targets live here, never in timed tests). May import every layer and
 * index.ts's components; nothing imports it.
 */
import * as pulumi from "@pulumi/pulumi";
import { performance } from "node:perf_hooks";
import { HomeserverStack } from "../components/homeserver-stack";
import { fleetProblems } from "../checks/fleet";
import { OrgConfig } from "../config/model";
import { buildStackPlan } from "../config-templates/plan";
import { preflight } from "../checks/preflight";
import { placeholderSecrets } from "../facts/secrets";
import { loadOrgConfig } from "../config/stack-config";
import { listStacks, readStackFile } from "../config/stack-files";

const SECRET_KEY = pulumi.runtime.specialSigKey;
const SECRET_SIG = pulumi.runtime.specialSecretSig;

async function evaluate(orgs: readonly OrgConfig[], fleet: readonly OrgConfig[] = orgs): Promise<number> {
  const started = performance.now();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "random:index/randomPassword:RandomPassword") {
          state.result = { [SECRET_KEY]: SECRET_SIG, value: `bench-${args.name}`.padEnd(48, "0") };
        }
        return { id: `${args.name}-id`, state };
      },
      call: () => ({}),
    },
    "matrix-fleet",
    "bench",
    false,
  );
  // Preflight + fleet checks are part of every evaluation, as in index.ts.
  const problems =
    fleetProblems(fleet).length +
    orgs.reduce((n, org) => n + preflight(buildStackPlan(org, placeholderSecrets())).length, 0);
  if (problems > 0) throw new Error(`benchmark fleet has ${problems} problems`);
  const stacks = orgs.map(
    (org) =>
      new HomeserverStack(org.stack, {
        org,
      }),
  );
  await Promise.all(
    stacks
      .flatMap((s) => [...s.containers, ...s.stores.flatMap((store) => (store.volume ? [store.volume] : []))])
      .map((r) => new Promise<void>((resolve) => r.urn.apply(() => resolve()))),
  );
  await pulumi.runtime.disconnect();
  return performance.now() - started;
}

/** N organisations shaped like produktor, each with its own names, addresses and peers. */
function syntheticFleet(size: number): OrgConfig[] {
  const base = readStackFile("produktor");
  return Array.from({ length: size }, (_, i) => {
    const name = `org${i}`;
    const ip = (offset: number) => `10.${Math.floor(i / 250) + offset}.${i % 250}.10`;
    return loadOrgConfig(name, {
      ...base,
      organisation: `Org ${i}`,
      serverName: `${name}.example.net`,
      hosts: { homeserver: `chat.${name}.example.net` },
      // 198.18.0.0/15 (RFC 2544): a WAN address must not be private.
      network: {
        ...(base.network as object),
        publicIp: `198.18.${Math.floor(i / 250)}.${i % 250}`,
        lanIp: ip(0),
      },
      docker: { host: `ssh://deploy@${ip(0)}` },
      proxy: {
        ...(base.proxy as object),
        npmUrl: `http://${ip(50)}:81`,
        lanIp: ip(50),
        letsencryptEmail: `admin@${name}.example.net`,
      },
      federation: { peers: [] },
    });
  });
}

async function main(): Promise<void> {
  console.log("matrix-fleet benchmark: program evaluation under the in-process mock engine");
  console.log(`node ${process.version}, ${new Date().toISOString()}\n`);
  // Warm-up: module loading and JIT are not what we measure.
  const realFleet = listStacks().map((stack) => loadOrgConfig(stack, readStackFile(stack)));
  await evaluate([realFleet[0]!], realFleet);

  console.log("real stacks (one evaluation each):");
  for (const org of realFleet) {
    const runs = [
      await evaluate([org], realFleet),
      await evaluate([org], realFleet),
      await evaluate([org], realFleet),
    ];
    runs.sort((a, b) => a - b);
    console.log(
      `  ${org.stack.padEnd(10)} median ${runs[1]!.toFixed(1).padStart(7)} ms  (min ${runs[0]!.toFixed(1)}, max ${runs[2]!.toFixed(1)})`,
    );
  }

  console.log("\nsynthetic fleets (one process, N organisations):");
  let previous: { size: number; ms: number } | undefined;
  const sizes = (process.env.BENCH_SIZES ?? "10,100,1000").split(",").map(Number);
  for (const size of sizes) {
    const orgs = syntheticFleet(size);
    const heapBefore = process.memoryUsage().heapUsed;
    const ms = await evaluate(orgs);
    const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
    const marginal =
      previous === undefined
        ? ""
        : `, marginal ${((ms - previous.ms) / (size - previous.size)).toFixed(1)} ms/org`;
    console.log(
      `  N=${String(size).padEnd(5)} total ${ms.toFixed(0).padStart(7)} ms, ${(ms / size).toFixed(1).padStart(6)} ms/org${marginal}, heap +${heapMb.toFixed(0)} MB`,
    );
    previous = { size, ms };
  }
  console.log("\ntarget: adding an organisation costs under 50 ms");
}

void main();
