import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import * as yaml from "js-yaml";
import { programFiles } from "../../cli/changed-stacks";
import { previewBatches, renderedChanges, selectStacks, selectionSummary } from "../../cli/stack-selection";
import { PROJECT_DIR } from "../../config/stack-files";
import { STACKS } from "../helpers";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "changed-stacks-test-"));
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** What `render --stack all --diff` prints for a change to moda1's relay range (see render-diff.test.ts). */
const MODA1_DIFF = `--- HEAD:moda1/coturn/turnserver.conf
+++ working-tree:moda1/coturn/turnserver.conf
@@ -2,7 +2,7 @@
-max-port=49200
+max-port=49180
--- HEAD:moda1/router-checklist.md
+++ working-tree:moda1/router-checklist.md
@@ -10,6 +10,6 @@
-| UDP | 49160-49200 |
+| UDP | 49160-49180 |
`;

describe("the stacks a pull request previews", () => {
  const program = programFiles();

  it("are made of the program's own files and its dependency manifests, not the tools beside it", () => {
    for (const file of ["index.ts", "components/coturn.ts", "config-templates/coturn.ts", "checks/fleet.ts"])
      assert.ok(program.has(file), file);
    for (const file of ["package-lock.json", "package.json", "tsconfig.json", "Pulumi.yaml"])
      assert.ok(program.has(file), file);
    for (const file of ["cli/render.ts", "test/helpers.ts", "README.md", "Pulumi.moda1.yaml", "lab/run.sh"])
      assert.ok(!program.has(file), file);
  });

  it("are the stacks whose rendered files or stack file changed", () => {
    const selection = selectStacks({
      stacks: STACKS,
      changedFiles: ["Pulumi.moda1.yaml", "Pulumi.medex.yaml", "README.md"],
      renderDiff: MODA1_DIFF,
      programFiles: program,
    });
    assert.deepEqual(selection.previews, [
      { stack: "medex", reasons: ["its stack file changed: Pulumi.medex.yaml"] },
      {
        stack: "moda1",
        reasons: [
          "rendered files changed: `coturn/turnserver.conf`, `router-checklist.md`",
          "its stack file changed: Pulumi.moda1.yaml",
        ],
      },
    ]);
  });

  it("are every stack when a program file or the lockfile changed", () => {
    for (const changed of ["config-templates/coturn.ts", "package-lock.json", "facts/images.ts"]) {
      const selection = selectStacks({
        stacks: STACKS,
        changedFiles: ["README.md", changed],
        renderDiff: "",
        programFiles: program,
      });
      assert.deepEqual(
        selection.previews.map((p) => p.stack),
        [...STACKS],
        changed,
      );
      assert.deepEqual(selection.programChanges, [changed]);
    }
  });

  it("are none for a change that touches neither, and the summary says why in each case", () => {
    const none = selectStacks({
      stacks: STACKS,
      changedFiles: ["README.md", "cli/render.ts"],
      renderDiff: "no rendered file changes between origin/main and the working tree\n",
      programFiles: program,
    });
    assert.deepEqual(none.previews, []);
    assert.match(
      selectionSummary(none, "origin/main"),
      /None of the 4 stacks: no rendered file and no stack file/,
    );
    const all = selectStacks({
      stacks: STACKS,
      changedFiles: ["config-templates/coturn.ts"],
      renderDiff: "",
      programFiles: program,
    });
    assert.match(
      selectionSummary(all, "origin/main"),
      /All 4 stacks, because the program changed: `config-templates\/coturn\.ts`/,
    );
    const one = selectStacks({
      stacks: STACKS,
      changedFiles: [],
      renderDiff: MODA1_DIFF,
      programFiles: program,
    });
    assert.match(
      selectionSummary(one, "origin/main"),
      /1 of 4 stacks; the program did not change\.\n\n\| stack \| why \|\n\| --- \| --- \|\n\| moda1 \| rendered files changed: `coturn\/turnserver\.conf`, `router-checklist\.md` \|/,
    );
  });

  it("read the changed files of each stack from the render diff", () => {
    assert.deepEqual(
      [...renderedChanges(MODA1_DIFF)],
      [["moda1", ["coturn/turnserver.conf", "router-checklist.md"]]],
    );
    assert.deepEqual([...renderedChanges("no rendered file changes between a and b\n")], []);
  });

  it("run one per job, or in at most the given number of batches, each stack exactly once", () => {
    assert.deepEqual(previewBatches(["medex", "moda1"], 64), [
      { name: "medex", stacks: "medex" },
      { name: "moda1", stacks: "moda1" },
    ]);
    const stacks = Array.from({ length: 1000 }, (_, i) => `org${String(i).padStart(4, "0")}`);
    const batches = previewBatches(stacks, 64);
    assert.ok(batches.length <= 64, String(batches.length));
    assert.deepEqual(
      batches.flatMap((b) => b.stacks.split(" ")),
      stacks,
    );
    assert.equal(batches[0]!.name, `1 of ${batches.length}: org0000 … org0015`);
  });
});

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync("git", args, { cwd, encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

/** This checkout's files (committed or not, minus ignored ones) as one commit of a temporary repository. */
function repositoryFromWorkingTree(name: string): string {
  const repo = path.join(root, name);
  const files = git(PROJECT_DIR, "ls-files", "-co", "--exclude-standard", "-z")
    .split("\0")
    .filter((f) => f !== "" && fs.existsSync(path.join(PROJECT_DIR, f)));
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.copyFileSync(path.join(PROJECT_DIR, file), path.join(repo, file));
  }
  fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(repo, "node_modules"));
  git(repo, "init", "--quiet");
  git(repo, "add", "-A");
  git(
    repo,
    "-c",
    "user.name=test",
    "-c",
    "user.email=test@example.invalid",
    "commit",
    "--quiet",
    "-m",
    "base",
  );
  return repo;
}

/** The workflow's two steps, as pr.yml runs them: the render diff, then the selection; returns its outputs. */
function workflowSelection(repo: string): { outputs: Record<string, string>; summary: string } {
  const tool = (file: string, ...args: string[]) => {
    const result = spawnSync(process.execPath, ["--require", "tsx/cjs", file, ...args], {
      cwd: repo,
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.equal(result.status, 0, result.stderr);
    return result.stdout;
  };
  fs.writeFileSync(
    path.join(repo, "render-diff.txt"),
    tool("cli/render.ts", "--stack", "all", "--diff", "HEAD"),
  );
  const outputFile = path.join(repo, "github-output");
  const summaryFile = path.join(repo, "summary.md");
  tool(
    "cli/changed-stacks.ts",
    ...["--base", "HEAD", "--render-diff", "render-diff.txt"],
    ...["--github-output", outputFile, "--summary", summaryFile],
  );
  const outputs = Object.fromEntries(
    fs
      .readFileSync(outputFile, "utf8")
      .trim()
      .split("\n")
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
  return { outputs, summary: fs.readFileSync(summaryFile, "utf8") };
}

describe("the pull-request workflow's stack selection", () => {
  it("previews exactly moda1 for a change to moda1's stack file", () => {
    const repo = repositoryFromWorkingTree("stack-file");
    fs.appendFileSync(
      path.join(repo, "Pulumi.moda1.yaml"),
      "  matrix-fleet:ports:\n    turnRelay: 49160-49180\n",
    );
    const { outputs, summary } = workflowSelection(repo);
    assert.deepEqual(JSON.parse(outputs.stacks!), ["moda1"]);
    assert.deepEqual(JSON.parse(outputs.batches!), [{ name: "moda1", stacks: "moda1" }]);
    assert.equal(outputs.count, "1");
    assert.match(
      summary,
      /\| moda1 \| rendered files changed: `coturn\/turnserver\.conf`, `router-checklist\.md`, `summary\.md`; its stack file changed: Pulumi\.moda1\.yaml \|/,
    );
  });

  it("previews every stack for a change to a renderer", () => {
    const repo = repositoryFromWorkingTree("renderer");
    const renderer = path.join(repo, "config-templates", "coturn.ts");
    const text = fs.readFileSync(renderer, "utf8");
    // Even a change that renders the same files (here a comment) may change what the program does.
    fs.writeFileSync(renderer, text.replace("// VoIP media is UDP;", "// VoIP media is UDP (reworded);"));
    assert.notEqual(fs.readFileSync(renderer, "utf8"), text);
    const { outputs, summary } = workflowSelection(repo);
    assert.match(fs.readFileSync(path.join(repo, "render-diff.txt"), "utf8"), /^no rendered file changes/);
    assert.deepEqual(JSON.parse(outputs.stacks!), [...STACKS]);
    assert.equal(outputs.count, "4");
    assert.match(summary, /All 4 stacks, because the program changed: `config-templates\/coturn\.ts`\./);
  });

  it("is what pr.yml's preview job runs over", () => {
    const workflow = yaml.load(
      fs.readFileSync(path.join(PROJECT_DIR, ".github/workflows/pr.yml"), "utf8"),
    ) as {
      jobs: Record<
        string,
        {
          outputs?: Record<string, string>;
          steps?: Array<Record<string, string>>;
          if?: string;
          strategy?: { matrix: Record<string, string> };
        }
      >;
    };
    const select = workflow.jobs["unit-and-render-diff"]!.steps!.find((s) => s.id === "select")!;
    assert.match(select.run!, /changed-stacks -- --base "origin\/\$BASE_REF" --render-diff render-diff\.txt/);
    assert.match(select.run!, /--github-output "\$GITHUB_OUTPUT" --summary "\$GITHUB_STEP_SUMMARY"/);
    assert.equal(
      workflow.jobs["unit-and-render-diff"]!.outputs!.batches,
      "${{ steps.select.outputs.batches }}",
    );
    const preview = workflow.jobs.preview!;
    assert.equal(
      preview.strategy!.matrix.batch,
      "${{ fromJSON(needs.unit-and-render-diff.outputs.batches) }}",
    );
    assert.equal(preview.if, "needs.unit-and-render-diff.outputs.count != '0'");
  });
});
