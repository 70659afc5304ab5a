import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { projectConfig } from "./namespaces";
import { CONFIG_NAMESPACE, ConfigError, Problem, problem } from "./problems";
import { describe, editDistance } from "./section-reader";
import { STACK_FILE_SCHEMA, engineReadingProblems } from "./yaml-readings";

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
    document = yaml.load(text, { schema: STACK_FILE_SCHEMA });
  } catch (error) {
    throw new ConfigError([
      {
        stack,
        key: `Pulumi.${stack}.yaml`,
        message: `is not valid YAML: ${(error as Error).message.split("\n")[0]}`,
        fix: "fix the YAML syntax",
      },
    ]);
  }
  if (document === undefined || document === null) return {};
  const structure = [...stackFileStructureProblems(stack, document), ...engineReadingProblems(stack, text)];
  if (structure.length > 0) throw new ConfigError(structure);
  const config = (document as { config?: unknown }).config;
  if (config === undefined || config === null) return {};
  if (typeof config !== "object" || Array.isArray(config)) {
    throw new ConfigError([
      {
        stack,
        key: "config",
        message: "the `config:` section is not a map",
        fix: "write config as key: value pairs",
      },
    ]);
  }
  return projectConfig(config as Record<string, unknown>);
}

/** The top-level keys of a Pulumi stack file (`ProjectStack` in pulumi/pulumi sdk/go/common/workspace/project.go). */
const STACK_FILE_KEYS = ["secretsprovider", "encryptedkey", "encryptionsalt", "config", "environment"];

/**
 * A stack file is a map whose settings sit under `config:`. A list, settings written at the top level or a
 * misspelt `config:` would leave every setting unread, and the operator would be told only that serverName is
 * missing: each is named here instead.
 */
function stackFileStructureProblems(stack: string, document: unknown): Problem[] {
  const file = `Pulumi.${stack}.yaml`;
  if (typeof document !== "object" || Array.isArray(document)) {
    return [
      {
        stack,
        key: file,
        message: `is ${Array.isArray(document) ? "a YAML list" : `a single value (${describe(document)})`}, not a stack file: a stack file is a map with the settings under a top-level config: key`,
        fix: `write it as a map: a line 'config:', then one indented line per setting, e.g. '  ${CONFIG_NAMESPACE}:serverName: example.org'`,
      },
    ];
  }
  return Object.keys(document as Record<string, unknown>)
    .filter((key) => !STACK_FILE_KEYS.includes(key))
    .map((key) => {
      if (key.includes(":"))
        return {
          stack,
          key,
          message: `is at the top level of ${file}, outside config:, where Pulumi reads no settings`,
          fix: `indent it (and every other setting) under a top-level config: key`,
        };
      const near = STACK_FILE_KEYS.find((known) => editDistance(key.toLowerCase(), known) <= 2);
      return {
        stack,
        key,
        message: `is not a key of a Pulumi stack file (${STACK_FILE_KEYS.join(", ")})`,
        fix: near === undefined ? "remove it" : `did you mean '${near}'? Rename it`,
      };
    });
}
