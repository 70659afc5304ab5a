import { buildSync } from "esbuild";
import * as path from "node:path";

/**
 * The programs of the stack's own monitoring (agents/: the call probe, the alert bot), each bundled by esbuild into
 * one file the upstream Node image runs as `node <file>`: the same sources the unit tests load, with every project
 * module they import and nothing else (Node's standard library only), for Node 18 and later (the lab runs Debian's
 * 18, the pinned image 22). Deterministic, so an unchanged program is no change to its container.
 */
const PROJECT_DIR = path.resolve(__dirname, "..");
const made = new Map<string, string>();

export function agentBundle(entry: string): string {
  let text = made.get(entry);
  if (text === undefined) {
    const result = buildSync({
      entryPoints: [`${entry}.ts`],
      absWorkingDir: PROJECT_DIR,
      bundle: true,
      write: false,
      format: "cjs",
      platform: "node",
      target: "node18",
      packages: "external",
      legalComments: "none",
      logLevel: "silent",
    });
    text = result.outputFiles[0]!.text;
    const packages = [...text.matchAll(/\brequire\("([^"]+)"\)/g)]
      .map((m) => m[1]!)
      .filter((name) => !name.startsWith("node:"));
    if (packages.length > 0)
      throw new Error(
        `${entry}.ts needs ${packages.join(", ")} at run time; an agent must be self-contained`,
      );
    made.set(entry, text);
  }
  return text;
}
