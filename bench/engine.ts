/**
 * `npm run bench` (engine part): the real `pulumi preview` of each stack next to an empty TypeScript program's
 * preview on the same CLI, language host and plugins, measured in one run (runs interleaved, median of
 * BENCH_RUNS, default 3). Target: each stack at most 1.5x the empty program.
 *
 * Where the difference goes is measured too, on produktor (the largest stack), by previewing cut-down copies of
 * the program: only loading its modules, loading and analysing the stack config (preflight) without declaring a
 * resource, and the whole program without the NPM proxy hosts and certificates (the dynamic providers). Each step's increment over
 * the previous one is its cost. Prints figures; asserts nothing.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EngineWorkspace, PROGRAM_DIR } from "../tools/engine/workspace";
import { copyProject } from "../test/engine/project-copy";

const RUNS = Number(process.env.BENCH_RUNS ?? "3");
const STACKS = ["produktor", "pro-dukt", "medex", "moda1"];

interface Subject {
  readonly label: string;
  readonly preview: () => Promise<number>;
  readonly dispose: () => void;
}

/** A workspace over a program directory (the repository or a cut-down copy of it). */
async function programSubject(label: string, stack: string, programDir?: string): Promise<Subject> {
  const workspace = await EngineWorkspace.create({ stacks: [stack], programDir });
  return {
    label,
    preview: async () => {
      const result = await workspace.preview(stack);
      if (result.code !== 0) throw new Error(`${label}: preview failed\n${result.stderr}${result.stdout}`);
      return result.ms;
    },
    dispose: () => workspace.dispose(),
  };
}

/** A TypeScript program that declares nothing, with the project's node_modules and compiler settings. */
async function emptySubject(): Promise<Subject> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matrix-fleet-empty-"));
  fs.writeFileSync(path.join(dir, "index.ts"), "export const nothing = 1;\n");
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "empty", main: "index.ts" }));
  fs.copyFileSync(path.join(PROGRAM_DIR, "tsconfig.json"), path.join(dir, "tsconfig.json"));
  fs.copyFileSync(path.join(PROGRAM_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  fs.writeFileSync(path.join(dir, "Pulumi.empty.yaml"), "config: {}\n");
  fs.symlinkSync(path.join(PROGRAM_DIR, "node_modules"), path.join(dir, "node_modules"));
  const subject = await programSubject("empty TypeScript program", "empty", dir);
  return { ...subject, dispose: () => (subject.dispose(), fs.rmSync(dir, { recursive: true, force: true })) };
}

/** produktor's program cut down at one point, in a copy of the repository. */
async function cutDownSubject(label: string, replacements: Record<string, string>): Promise<Subject> {
  const copy = copyProject(replacements);
  const subject = await programSubject(label, "produktor", copy.dir);
  return { ...subject, dispose: () => (subject.dispose(), copy.dispose()) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function measure(subjects: Subject[]): Promise<number[]> {
  const times = subjects.map(() => [] as number[]);
  for (let run = 0; run < RUNS; run++) {
    for (const [i, subject] of subjects.entries()) {
      times[i]!.push(await subject.preview());
      process.stderr.write(".");
    }
  }
  process.stderr.write("\n");
  return times.map(median);
}

async function main(): Promise<void> {
  console.log(`\nmatrix-fleet benchmark: the real pulumi preview (median of ${RUNS}, runs interleaved)`);
  const index = fs.readFileSync(path.join(PROGRAM_DIR, "index.ts"), "utf8");
  const stackComponent = fs.readFileSync(path.join(PROGRAM_DIR, "components", "homeserver-stack.ts"), "utf8");
  // No proxy host (nor certificate) is declared when the list of rendered hosts is empty.
  const withoutProxyHosts = stackComponent.replace(
    "hosts: context.documents.template.proxyHosts,",
    "hosts: context.documents.template.proxyHosts.slice(0, 0),",
  );
  if (withoutProxyHosts === stackComponent) throw new Error("cannot cut the proxy hosts out of the program");
  const subjects: Subject[] = [await emptySubject()];
  try {
    for (const stack of STACKS) subjects.push(await programSubject(stack, stack));
    subjects.push(
      await cutDownSubject("produktor: modules loaded, nothing declared", {
        "index.ts": `import { HomeserverStack } from "./components/homeserver-stack";\nimport { loadProgramConfig } from "./components/program-config";\nexport const loaded = [typeof HomeserverStack, typeof loadProgramConfig];\n`,
      }),
      await cutDownSubject("produktor: config analysed (preflight), nothing declared", {
        "index.ts": `import "./components/homeserver-stack";\nimport { loadProgramConfig } from "./components/program-config";\nexport const stack = loadProgramConfig().org.stack;\n`,
      }),
      await cutDownSubject("produktor: all but the NPM hosts and certificates", {
        "index.ts": index,
        "components/homeserver-stack.ts": withoutProxyHosts,
      }),
    );
    const medians = await measure(subjects);
    const empty = medians[0]!;
    console.log(`  ${"empty TypeScript program".padEnd(58)} ${seconds(empty).padStart(8)}`);
    for (const [i, subject] of subjects.entries()) {
      if (i === 0 || i > STACKS.length) continue;
      const ratio = medians[i]! / empty;
      console.log(
        `  ${subject.label.padEnd(58)} ${seconds(medians[i]!).padStart(8)}  ${ratio.toFixed(2)}x ${ratio <= 1.5 ? "" : "(over 1.5x)"}`,
      );
    }
    console.log("\n  where produktor's time goes (each step's increment over the one before):");
    const steps: Array<[string, number]> = [
      ["empty program", empty],
      ...subjects
        .slice(STACKS.length + 1)
        .map((s, i) => [s.label, medians[STACKS.length + 1 + i]!] as [string, number]),
      ["produktor: the whole program", medians[1]!],
    ];
    let previous = 0;
    for (const [label, ms] of steps) {
      console.log(`    ${label.padEnd(58)} ${seconds(ms).padStart(8)}  (+${seconds(ms - previous)})`);
      previous = ms;
    }
    console.log("  target: each stack's preview at most 1.5x the empty program's");
  } finally {
    for (const subject of subjects) subject.dispose();
  }
}

void main();
