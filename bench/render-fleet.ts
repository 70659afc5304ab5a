/**
 * `npm run bench` (render part; alone: `BENCH=render npm run bench`): `render --stack all` of synthetic fleets of
 * 10, 100 and 1000 organisations (copies of medex with their own names, addresses and hosts, no federation:
 * test/synthetic-fleet.ts), each written as stack files into a temporary project directory and rendered by a fresh
 * process as an operator runs it (`--project-dir`), wall time, median of BENCH_RUNS (default 3). Prints the time
 * per organisation, its growth from one fleet size to the next, and the marginal cost of an added organisation
 * (startup excluded). Targets (issue #19, 2 cores): 1000 organisations under 10 s, and the time per organisation
 * at 1000 within 1.5x of that at 100.
 *
 * Also the Pulumi program's side of it: one stack's analysis (parse, preflight, the fleet checks against every
 * other stack file) inside a fleet of N, in this process, as `pulumi preview` of that stack runs it.
 * `BENCH_SIZES=10,100` picks the fleet sizes. Prints figures; asserts nothing.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { analyseStack } from "../checks/analyse";
import { placeholderSecrets } from "../facts/secrets";
import { PROJECT_DIR, readStackFile } from "../config/stack-files";
import { syntheticStackName, writeSyntheticFleet } from "../test/synthetic-fleet";

const RUNS = Number(process.env.BENCH_RUNS ?? "3");
const SIZES = (process.env.BENCH_SIZES ?? "10,100,1000").split(",").map(Number);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** One `render --stack all` of the fleet in `dir`, into a fresh output directory; wall milliseconds. */
function renderAll(dir: string): number {
  const out = path.join(dir, "out");
  fs.rmSync(out, { recursive: true, force: true });
  const started = performance.now();
  const result = spawnSync(
    process.execPath,
    [
      // As `./fleet render` starts it.
      "--import",
      "tsx",
      path.join(PROJECT_DIR, "cli", "render.ts"),
      "--stack",
      "all",
      "--project-dir",
      dir,
      "--out",
      out,
    ],
    { cwd: PROJECT_DIR, encoding: "utf8", timeout: 600_000, maxBuffer: 64 * 1024 * 1024 },
  );
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`render --stack all failed:\n${result.stderr}`);
  return ms;
}

/** One stack's analysis in the fleet, its values handed over as the Pulumi engine does (not the file's object). */
function analyseOne(dir: string, stack: string): number {
  const values = { ...readStackFile(stack, dir) };
  const started = performance.now();
  analyseStack(stack, values, { projectDir: dir, secrets: placeholderSecrets(), deploying: false });
  return performance.now() - started;
}

const totalSeconds = (msPerOrg: number, size: number) => (msPerOrg * size) / 1000;

function main(): void {
  console.log(`\nmatrix-fleet benchmark: render --stack all of synthetic fleets (median of ${RUNS})`);
  console.log(`node ${process.version}, ${os.cpus().length} cores, ${new Date().toISOString()}`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "matrix-fleet-bench-render-"));
  const perOrg = new Map<number, number>();
  try {
    let previous: number | undefined;
    for (const size of SIZES) {
      const dir = path.join(root, `fleet-${size}`);
      writeSyntheticFleet(dir, size);
      const times: number[] = [];
      for (let run = 0; run < RUNS; run++) times.push(renderAll(dir));
      const ms = median(times);
      perOrg.set(size, ms / size);
      const growth =
        previous === undefined
          ? ""
          : `, ${(ms / size / perOrg.get(previous)!).toFixed(2)}x per org of N=${previous}` +
            ` (marginal ${((ms - perOrg.get(previous)! * previous) / (size - previous)).toFixed(1)} ms/org)`;
      const middle = syntheticStackName(Math.floor(size / 2));
      const one = median(Array.from({ length: RUNS }, () => analyseOne(dir, middle)));
      console.log(
        `  N=${String(size).padEnd(5)} render --stack all ${(ms / 1000).toFixed(2).padStart(6)} s, ` +
          `${(ms / size).toFixed(1).padStart(6)} ms/org${growth}; one stack's analysis ${one.toFixed(0)} ms`,
      );
      previous = size;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  const [at100, at1000] = [perOrg.get(100), perOrg.get(1000)];
  if (at100 !== undefined && at1000 !== undefined) {
    console.log(
      `  1000 organisations: ${totalSeconds(at1000, 1000).toFixed(2)} s (target: under 10 s); ` +
        `per org ${(at1000 / at100).toFixed(2)}x that at 100 (target: at most 1.5x)`,
    );
  }
}

main();
