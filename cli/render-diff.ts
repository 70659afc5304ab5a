import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { UsageError } from "./args";

/**
 * `render --diff <ref>`: renders the stacks at the working tree and at a git ref (with that ref's own code and
 * stack files) and returns a unified diff per rendered file, secrets still placeholders. A reviewer sees
 * "coturn max-port changed" without reading TypeScript.
 */
export function renderDiff(stack: string, ref: string, projectDir: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "render-diff-"));
  try {
    const baseTree = path.join(root, "tree");
    fs.mkdirSync(baseTree);
    const archive = spawnSync("git", ["-C", projectDir, "archive", "--format=tar", ref], {
      maxBuffer: 256 * 1024 * 1024,
    });
    if (archive.status !== 0)
      throw new UsageError(`--diff ${ref}: not a git ref here (${archive.stderr.toString().trim()})`);
    run("tar", ["-x", "-C", baseTree], archive.stdout);
    // The ref's own renderers run with this checkout's dependencies (the lockfile rarely differs between them).
    fs.rmSync(path.join(baseTree, "node_modules"), { recursive: true, force: true });
    fs.symlinkSync(path.join(projectDir, "node_modules"), path.join(baseTree, "node_modules"));
    const sides: Array<[label: string, tree: string]> = [
      [ref, baseTree],
      ["working-tree", projectDir],
    ];
    const notes: string[] = [];
    for (const [label, tree] of sides) {
      const out = path.join(root, label === ref ? "base" : "head");
      fs.mkdirSync(out);
      if (!fs.existsSync(path.join(tree, "cli", "render.ts"))) {
        notes.push(`# ${label} has no cli/render.ts: everything is shown as added`);
        continue;
      }
      const result = spawnSync(
        process.execPath,
        [
          "--require",
          "tsx/cjs",
          path.join(tree, "cli", "render.ts"),
          "--stack",
          stack,
          "--out",
          out,
          "--project-dir",
          tree,
        ],
        { cwd: tree, encoding: "utf8", timeout: 120_000 },
      );
      if (result.status !== 0)
        notes.push(`# ${label} does not render cleanly:\n${result.stderr.replace(/^/gm, "#   ")}`);
    }
    const diff = spawnSync("diff", ["-ruN", "base", "head"], {
      cwd: root,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    if (diff.status !== 0 && diff.status !== 1) throw new Error(`diff failed: ${diff.stderr}`);
    const body = diff.stdout
      .split("\n")
      .filter((line) => !line.startsWith("diff -ruN "))
      .map((line) =>
        line.startsWith("--- base/")
          ? `--- ${ref}:${line.slice(9).split("\t")[0]}`
          : line.startsWith("+++ head/")
            ? `+++ working-tree:${line.slice(9).split("\t")[0]}`
            : line,
      )
      .join("\n");
    const summary =
      body.trim() === "" ? `no rendered file changes between ${ref} and the working tree\n` : body;
    return [...notes, summary].join("\n");
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function run(command: string, args: string[], input: Buffer): void {
  const result = spawnSync(command, args, { input });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr.toString()}`);
}
