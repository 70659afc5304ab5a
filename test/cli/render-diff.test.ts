import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { PROJECT_DIR } from "../../config/stack-files";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "render-diff-test-"));
after(() => fs.rmSync(root, { recursive: true, force: true }));

function git(cwd: string, ...args: string[]): string {
  const result = spawnSync("git", args, { cwd, encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

/**
 * A temporary git repository holding this checkout's files (committed or not, minus ignored ones) as one
 * commit, so that the test exercises the code under test on both sides of the diff.
 */
function repositoryFromWorkingTree(): string {
  const repo = path.join(root, "repo");
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

function renderDiff(repo: string, ref: string) {
  return spawnSync(
    process.execPath,
    ["--require", "tsx/cjs", "cli/render.ts", "--stack", "moda1", "--diff", ref],
    { cwd: repo, encoding: "utf8", timeout: 120_000 },
  );
}

describe("render --diff <ref>", () => {
  const repo = repositoryFromWorkingTree();

  it("says so when nothing changed", () => {
    const result = renderDiff(repo, "HEAD");
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, "no rendered file changes between HEAD and the working tree\n");
  });

  it("shows exactly the rendered lines a stack value changes, and nothing else", () => {
    fs.appendFileSync(
      path.join(repo, "Pulumi.moda1.yaml"),
      "  matrix-fleet:ports:\n    turnRelay: 49160-49180\n",
    );
    const result = renderDiff(repo, "HEAD");
    assert.equal(result.status, 0, result.stderr);
    const diff = result.stdout;
    const files = [...diff.matchAll(/^\+\+\+ working-tree:(.+)$/gm)].map((m) => m[1]);
    assert.deepEqual(files, [
      "moda1/coturn/turnserver.conf",
      "moda1/router-checklist.md",
      "moda1/summary.md",
    ]);
    const removed = diff.split("\n").filter((l) => l.startsWith("-") && !l.startsWith("---"));
    const added = diff.split("\n").filter((l) => l.startsWith("+") && !l.startsWith("+++"));
    assert.deepEqual(
      removed.filter((l) => l.includes("-port=")),
      ["-max-port=49200"],
    );
    assert.deepEqual(
      added.filter((l) => l.includes("-port=")),
      ["+max-port=49180"],
    );
    assert.ok(
      added.some((l) => /^\+\| UDP \| 49160-49180 \|/.test(l)),
      "router checklist shows the new range",
    );
    assert.ok(
      added.some((l) => l.includes("**21 concurrent relay allocations**")),
      "summary shows the new capacity",
    );
    assert.equal(removed.length, 3, diff);
    assert.equal(added.length, 3, diff);
    assert.doesNotMatch(diff, /static-auth-secret=(?!\{\{secret:)/, "secrets stay placeholders");
  });

  it("refuses an unknown ref with a usage error", () => {
    const result = renderDiff(repo, "no-such-ref");
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--diff no-such-ref: not a git ref here/);
  });
});
