/**
 * The house rules of the code base (issue #20), checked on the import graph of every TypeScript file:
 * data flows one way through the layers, no file takes part in an import cycle, and every folder says in its main
 * file what it holds and what it may import. Failures name the file and the import to change.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { PROJECT_DIR } from "../config/stack-files";
import { BESIDE, BROWSER_CORE, DOUBLES, LAB_FOLDERS, LAYERS, MAIN_FILES, ROOT } from "./layer-rules";

const SKIP = new Set(["node_modules", ".git", ".cache", ".lab", "out", "bin", "docs"]);

function sourceFiles(dir = PROJECT_DIR): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name)) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [path.relative(PROJECT_DIR, full)] : [];
  });
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)|\brequire\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s*["']([^"']+)["']/g;

/** Project files a file imports, as paths relative to the repository root. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");
  const targets: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2] ?? match[3] ?? match[4] ?? "";
    if (!specifier.startsWith(".")) continue;
    const base = path.normalize(path.join(path.dirname(file), specifier));
    const resolved = [`${base}.ts`, path.join(base, "index.ts"), base].find((candidate) =>
      fs.existsSync(path.join(PROJECT_DIR, candidate)),
    );
    targets.push(resolved ?? `${base} (unresolved)`);
  }
  return targets;
}

function folderOf(file: string): string {
  const parts = file.split(path.sep);
  if (parts.length === 1) return ROOT;
  if (parts.slice(0, 3).join("/") === BROWSER_CORE && parts.length > 3) return BROWSER_CORE;
  const inner = parts.slice(0, 2).join("/");
  return LAB_FOLDERS.includes(inner) && parts.length > 2 ? inner : parts[0]!;
}

function mayImport(from: string, to: string): boolean {
  if (from === to) return true;
  const fromLayer = (LAYERS as readonly string[]).indexOf(from);
  const toLayer = (LAYERS as readonly string[]).indexOf(to);
  if (from === ROOT) return toLayer >= 0;
  if (fromLayer >= 0) return toLayer >= 0 && toLayer < fromLayer;
  return (BESIDE[from] ?? []).includes(to);
}

const files = sourceFiles();
const graph = new Map(files.map((file) => [file, importsOf(file)]));

describe("layers: one-way imports, no cycles, a header per folder", () => {
  it("finds the program's files and their imports", () => {
    assert.ok(files.includes("index.ts") && files.includes("config/stack-config.ts"), files.join(", "));
    assert.ok(graph.get("checks/analyse.ts")!.includes("config/stack-config.ts"));
  });

  it("resolves every relative import to a file", () => {
    const unresolved = [...graph].flatMap(([file, targets]) =>
      targets.filter((t) => t.endsWith("(unresolved)")).map((t) => `${file} -> ${t}`),
    );
    assert.deepEqual(unresolved, []);
  });

  it("imports only from the same folder, a lower layer, or what a folder beside the layers may use", () => {
    const known = new Set<string>([...LAYERS, ROOT, ...Object.keys(BESIDE)]);
    const unknownFolders = [...new Set(files.map(folderOf))].filter((f) => !known.has(f));
    assert.deepEqual(unknownFolders, [], "a new folder needs a place in LAYERS or BESIDE");
    const upward = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((target) => !mayImport(folderOf(file), folderOf(target)))
        .map((target) => `${file} imports ${target}: ${folderOf(file)}/ may not import ${folderOf(target)}/`),
    );
    assert.deepEqual(upward, []);
  });

  it("lets the lab's contract doubles use Node's standard library and nothing else", () => {
    const doubles = files.filter((file) => folderOf(file) === DOUBLES);
    assert.ok(doubles.includes("lab/doubles/lk-jwt-service.ts"), doubles.join(", "));
    const packages = doubles.flatMap((file) =>
      [...fs.readFileSync(path.join(PROJECT_DIR, file), "utf8").matchAll(IMPORT)]
        .map((m) => m[1] ?? m[2] ?? m[3] ?? m[4] ?? "")
        .filter((specifier) => !specifier.startsWith(".") && !specifier.startsWith("node:"))
        .map((specifier) => `${file} imports ${specifier}`),
    );
    assert.deepEqual(packages, []);
  });

  it("has no import cycle between files", () => {
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (file: string): void => {
      state.set(file, "open");
      stack.push(file);
      for (const target of graph.get(file) ?? []) {
        if (state.get(target) === "open")
          cycles.push([...stack.slice(stack.indexOf(target)), target].join(" -> "));
        else if (state.get(target) === undefined && graph.has(target)) visit(target);
      }
      stack.pop();
      state.set(file, "done");
    };
    for (const file of files) if (state.get(file) === undefined) visit(file);
    assert.deepEqual(cycles, []);
  });

  it("opens each folder's main file with a header saying what the folder holds and may import", () => {
    const missing = Object.entries(MAIN_FILES).filter(([folder, file]) => {
      const text = fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");
      // A shell script's leading comment; a TypeScript file's first doc comment before its first export.
      const header = file.endsWith(".sh")
        ? (/^(?:#!.*\n)?((?:#.*\n)+)/.exec(text)?.[1] ?? "")
        : (/\/\*\*[\s\S]*?\*\//.exec(text.split(/\nexport /)[0] ?? "")?.[0] ?? "");
      return !header.includes(`${folder}/`) || !/\bimport/.test(header);
    });
    assert.deepEqual(missing, []);
  });
});
