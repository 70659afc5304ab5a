/**
 * The real engine's `pulumi preview` of every organisation (CLI, language host and plugins from tools/engine),
 * offline on a throwaway backend. What it plans must be exactly the inventory the mock-engine tests assert, so
 * the mock tests and the real engine can never drift apart. Run by `./fleet test` with the engine's env sourced.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { analyseStack } from "../../checks/analyse";
import { ConfigError, formatProblems } from "../../config/problems";
import { placeholderSecrets } from "../../facts/secrets";
import { readStackFile } from "../../config/stack-files";
import { EngineWorkspace, PROGRAM_DIR, plannedSteps } from "../../tools/engine/workspace";
import { STACKS, orgFor } from "../helpers";
import { mockInventory } from "../pulumi-harness";
import { copyProject } from "./project-copy";

/** Resources only the engine registers: the stack's root and the default providers. */
function engineOwned(type: string, name: string): boolean {
  return (
    type === "pulumi:pulumi:Stack" || (type.startsWith("pulumi:providers:") && name.startsWith("default"))
  );
}

function gitStatus(): string {
  return execFileSync("git", ["status", "--porcelain", "--untracked-files=all"], {
    cwd: PROGRAM_DIR,
    encoding: "utf8",
  });
}

describe("the real pulumi preview of every organisation", () => {
  let workspace: EngineWorkspace;
  let statusBefore: string;
  before(async () => {
    statusBefore = gitStatus();
    workspace = await EngineWorkspace.create({ stacks: STACKS });
  });
  after(() => workspace?.dispose());

  for (const stack of STACKS) {
    it(`${stack}: passes and plans exactly the mock engine's inventory, all creates`, async () => {
      const result = await workspace.preview(stack, { json: true });
      assert.equal(result.code, 0, `pulumi preview failed:\n${result.stderr}\n${result.stdout.slice(-3000)}`);
      const steps = plannedSteps(result.stdout).filter((s) => !engineOwned(s.type, s.name));
      const planned = steps.map((s) => `${s.type}::${s.name}`).sort();
      assert.deepEqual(planned, await mockInventory(orgFor(stack)));
      // A first preview on an empty backend creates everything, except the reads of adopted volumes.
      assert.deepEqual([...new Set(steps.map((s) => s.op))], ["create"]);
    });
  }

  it("leaves the working tree exactly as it was (no encryptionsalt or other edits in tracked files)", () => {
    assert.equal(gitStatus(), statusBefore);
  });
});

describe("./fleet preview with a configuration problem", () => {
  it("fails with exactly preflight's message and exit 1", async () => {
    // LiveKit's media range moved onto coturn's relay range: a preflight error.
    const original = fs.readFileSync(path.join(PROGRAM_DIR, "Pulumi.pro-dukt.yaml"), "utf8");
    const broken = `${original.trimEnd()}\n  matrix-fleet:ports:\n    livekitUdp: "49170-49300"\n`;
    const copy = copyProject({ "Pulumi.pro-dukt.yaml": broken });
    try {
      let expected = "";
      try {
        analyseStack("pro-dukt", readStackFile("pro-dukt", copy.dir), {
          projectDir: copy.dir,
          secrets: placeholderSecrets(),
          deploying: false,
        });
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        expected = formatProblems(error.problems);
      }
      assert.match(expected, /overlaps coturn relay range/, "the broken file is a preflight problem");
      const run = spawnSync(
        process.execPath,
        ["--import", "tsx", path.join(copy.dir, "cli", "preview.ts"), "--stack", "pro-dukt"],
        { cwd: copy.dir, encoding: "utf8", env: process.env },
      );
      assert.equal(run.status, 1, run.stderr);
      assert.ok(
        run.stderr.includes(expected),
        `the preview's output does not contain preflight's message:\n--- expected\n${expected}\n--- got\n${run.stderr}`,
      );
      assert.doesNotMatch(run.stderr, / {4}at .*\.ts:\d+/, "no stack trace for a user mistake");
    } finally {
      copy.dispose();
    }
  });
});

describe("./fleet preview with a fleet problem another stack file causes", () => {
  it("fails with exactly the fleet check's message, as render reports it", async () => {
    // medex drops produktor from its whitelist: produktor's preview must refuse, naming medex's key.
    const original = fs.readFileSync(path.join(PROGRAM_DIR, "Pulumi.medex.yaml"), "utf8");
    const oneWay = original.replace("      - produktor.io\n", "");
    assert.notEqual(oneWay, original);
    const copy = copyProject({ "Pulumi.medex.yaml": oneWay });
    try {
      const expected = [
        "1 configuration problem:",
        "[stack medex] matrix-fleet:federation.peers: produktor.io (stack produktor) federates with medex-pflegedienst.de, but medex-pflegedienst.de does not list produktor.io: rooms shared between them break one way",
        "    fix: add produktor.io to federation.peers of stack medex, or remove medex-pflegedienst.de from stack produktor",
      ].join("\n");
      const render = spawnSync(
        process.execPath,
        [
          "--require",
          "tsx/cjs",
          path.join(copy.dir, "cli", "render.ts"),
          "--stack",
          "produktor",
          "--out",
          path.join(copy.dir, "out"),
        ],
        { cwd: copy.dir, encoding: "utf8" },
      );
      assert.equal(render.status, 1, render.stderr);
      assert.equal(render.stderr.trim(), expected);
      const run = spawnSync(
        process.execPath,
        ["--import", "tsx", path.join(copy.dir, "cli", "preview.ts"), "--stack", "produktor"],
        { cwd: copy.dir, encoding: "utf8", env: process.env },
      );
      assert.equal(run.status, 1, run.stderr);
      assert.ok(run.stderr.includes(expected), `--- expected\n${expected}\n--- got\n${run.stderr}`);
    } finally {
      copy.dispose();
    }
  });
});

describe("./fleet preview with overrides marked unjudged (issue #28)", () => {
  it("passes and warns about each one, as render lists them", async () => {
    const original = fs.readFileSync(path.join(PROGRAM_DIR, "Pulumi.moda1.yaml"), "utf8");
    const marked = `${original.trimEnd()}\n  matrix-fleet:overrides:\n    unjudged:\n      synapse:\n        experimental_features:\n          msc4306_enabled: true\n`;
    const copy = copyProject({ "Pulumi.moda1.yaml": marked });
    try {
      const run = spawnSync(
        process.execPath,
        ["--import", "tsx", path.join(copy.dir, "cli", "preview.ts"), "--stack", "moda1"],
        { cwd: copy.dir, encoding: "utf8", env: process.env },
      );
      assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
      assert.match(
        run.stdout,
        /warning: unjudged override, written as given and not checked: overrides\.unjudged\.synapse\.experimental_features\.msc4306_enabled = true/,
      );
    } finally {
      copy.dispose();
    }
  });
});
