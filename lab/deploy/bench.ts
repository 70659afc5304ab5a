/**
 * The deployment benchmark (`BENCH=deploy ./fleet bench`, or the last part of `./fleet bench`): per lab
 * organisation, the real `pulumi preview` of an empty stack, `pulumi up` from empty until every container is
 * healthy, and, on the deployed stack, a preview and a no-op `up` (median of BENCH_RUNS, default 3). Target: a
 * no-op up within 2x that stack's preview. Prints figures; asserts nothing. Runs in the Docker lab (lab/deploy).
 */
import * as path from "node:path";
import { CommandResult } from "../../tools/engine/workspace";
import { LabFleet } from "./fleet";

const STACKS = ["produktor", "pro-dukt", "moda1"];
const RUNS = Number(process.env.BENCH_RUNS ?? "3");
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function timed(result: CommandResult, what: string): number {
  if (result.code !== 0) throw new Error(`${what} failed:\n${LabFleet.failure(result)}`);
  return result.ms;
}

async function main(): Promise<void> {
  const fleet = await LabFleet.create(path.join(process.env.LAB_DIR ?? ".lab/deploy", "bench"), STACKS);
  const rows: string[] = [];
  try {
    for (const stack of STACKS) {
      const emptyPreview = timed(await fleet.preview(stack), `${stack} preview`);
      const up = timed(await fleet.up(stack), `${stack} up`);
      const previews: number[] = [];
      const noops: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        previews.push(timed(await fleet.preview(stack), `${stack} preview`));
        const noop = await fleet.up(stack);
        if (!/\d+ unchanged/.test(noop.stdout) || / (created|updated|replaced|deleted)\b/.test(noop.stdout))
          throw new Error(`${stack}: the second up was not a no-op:\n${noop.stdout.slice(-2000)}`);
        noops.push(timed(noop, `${stack} no-op up`));
      }
      const ratio = median(noops) / median(previews);
      rows.push(
        `  ${stack.padEnd(10)} preview (empty) ${seconds(emptyPreview).padStart(7)}   up to healthy ${seconds(up).padStart(7)}` +
          `   preview ${seconds(median(previews)).padStart(7)}   no-op up ${seconds(median(noops)).padStart(7)}` +
          `  (${ratio.toFixed(2)}x the preview${ratio <= 2 ? "" : ", over the 2x target"})`,
      );
      console.error(rows.at(-1));
    }
  } finally {
    await fleet.stop();
  }
  console.log(`\nmatrix-fleet benchmark: pulumi up on the lab's Docker engines (median of ${RUNS}; 2 cores)`);
  for (const row of rows) console.log(row);
  console.log("  target: a no-op up within 2x that stack's preview");
}

void main();
