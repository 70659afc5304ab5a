import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { deepMerge } from "../config/merge";
import { CONFIG_NAMESPACE } from "../config/problems";
import { PROJECT_DIR, readStackFile } from "../config/stack-files";
import { STACKS } from "./helpers";

/**
 * A throwaway project directory holding the four stack files, in which one stack file at a time is replaced by a
 * case of the configuration catalogue (bad-configurations.test.ts): the fleet checks see the real other stacks.
 */
export class CatalogueProject {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-catalogue-"));
  private readonly originals = new Map<string, string>();

  constructor() {
    for (const stack of STACKS) {
      const text = fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8");
      this.originals.set(stack, text);
      fs.writeFileSync(path.join(this.dir, `Pulumi.${stack}.yaml`), text);
    }
  }

  /** Writes `Pulumi.<stack>.yaml` as given (raw text). */
  writeText(stack: string, text: string): void {
    fs.writeFileSync(path.join(this.dir, `Pulumi.${stack}.yaml`), text);
  }

  /** Writes the real stack file with `changes` deep-merged over its settings (a `null` removes a key). */
  writeChanged(stack: string, changes: Readonly<Record<string, unknown>>): void {
    this.writeText(stack, stackFileText(deepMerge(readStackFile(stack), changes)));
  }

  restore(stack: string): void {
    this.writeText(stack, this.originals.get(stack)!);
  }

  /** A fresh, empty output directory for one render. */
  outDir(name: string): string {
    return path.join(this.dir, "out", name.replace(/[^a-z0-9]+/gi, "-"));
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A stack file holding `values` (namespace stripped) under `config:`, as `pulumi config set` would write it; a key
 * that carries a namespace of its own (`matrix_fleet:organisation`) is written as it is.
 */
export function stackFileText(values: Readonly<Record<string, unknown>>): string {
  const config = Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k.includes(":") ? k : `${CONFIG_NAMESPACE}:${k}`, v]),
  );
  return yaml.dump({ config }, { lineWidth: -1 });
}

/** Every file under `dir`, relative; none when it does not exist. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}
