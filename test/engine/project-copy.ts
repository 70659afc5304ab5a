import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROGRAM_DIR } from "../../tools/engine/workspace";

/**
 * A copy of the repository's files (tracked, and new ones not ignored) in a temporary directory (node_modules linked, not copied), with some
 * files replaced: a stack file with a mistake in it, say, without editing the real checkout.
 */
export function copyProject(replacements: Readonly<Record<string, string>> = {}): {
  dir: string;
  dispose(): void;
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matrix-fleet-copy-"));
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: PROGRAM_DIR,
    encoding: "utf8",
  })
    .split("\0")
    .filter((file) => file !== "" && fs.existsSync(path.join(PROGRAM_DIR, file)));
  for (const file of files) {
    fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    fs.copyFileSync(path.join(PROGRAM_DIR, file), path.join(dir, file));
  }
  fs.symlinkSync(path.join(PROGRAM_DIR, "node_modules"), path.join(dir, "node_modules"));
  for (const [file, content] of Object.entries(replacements)) fs.writeFileSync(path.join(dir, file), content);
  return { dir, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
