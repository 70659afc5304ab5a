import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { projectConfig } from "./stack-config";
import { ConfigError, problem } from "./problems";

/** The repository root: where `Pulumi.yaml` and the `Pulumi.<stack>.yaml` files live. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

const STACK_FILE = /^Pulumi\.(.+)\.yaml$/;

/** Stack names that have a `Pulumi.<stack>.yaml` in `dir`, sorted. */
export function listStacks(dir: string = PROJECT_DIR): string[] {
  return fs
    .readdirSync(dir)
    .map((file) => STACK_FILE.exec(file)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
}

/** The `matrix-fleet:*` settings of one stack file, namespace stripped. */
export function readStackFile(stack: string, dir: string = PROJECT_DIR): Record<string, unknown> {
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) {
    const known = listStacks(dir);
    throw new ConfigError([
      problem(
        stack,
        "",
        `no stack file ${path.basename(file)}`,
        `use one of: ${known.join(", ") || "(none)"}`,
      ),
    ]);
  }
  return parseStackFileText(stack, fs.readFileSync(file, "utf8"));
}

export function parseStackFileText(stack: string, text: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = yaml.load(text);
  } catch (error) {
    throw new ConfigError([
      problem(
        stack,
        "",
        `Pulumi.${stack}.yaml is not valid YAML: ${(error as Error).message.split("\n")[0]}`,
        "fix the YAML syntax",
      ),
    ]);
  }
  const config = (document as { config?: unknown } | null)?.config;
  if (config === undefined || config === null) return {};
  if (typeof config !== "object" || Array.isArray(config)) {
    throw new ConfigError([
      problem(stack, "", "the `config:` section is not a map", "write config as key: value pairs"),
    ]);
  }
  return projectConfig(config as Record<string, unknown>);
}
