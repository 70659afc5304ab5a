import { SECTION_DOCS, keyDoc } from "./key-docs";
import { CONFIG_NAMESPACE } from "./problems";
import { KeyRecorder, KeySpec } from "./section-reader";
import { parseStackConfig } from "./stack-config";

/**
 * The stack config's keys and the JSON Schema of `Pulumi.<stack>.yaml`, both taken from the parser itself: a run
 * with a recorder notes every key the section readers ask for and how they read it. So the schema editors use
 * (`# yaml-language-server: $schema=...` in each stack file) and the configuration reference (docs/configuration.md,
 * both written by `npm run schema` and checked by a test) cannot drift from what `render` and `pulumi up` accept.
 * The parser stays the one place that knows the config; config/key-docs.ts adds the words.
 */

type JsonSchema = Record<string, unknown>;

/** Every config key (path syntax, e.g. `network.publicIp`) with what the parser reads there. */
export function stackConfigKeys(): Map<string, KeySpec> {
  // Two runs with different values: a default that differs between them derives from other keys (hosts from
  // serverName, the brand from organisation, ...) and is left out of the schema.
  const first = recordKeys("schema-a", { serverName: "a.example.org", network: { publicIp: "192.0.2.1" } });
  const second = recordKeys("schema-b", {
    organisation: "B",
    serverName: "b.example.org",
    network: { publicIp: "192.0.2.2", lanIp: "192.0.2.3" },
  });
  const keys = new Map<string, KeySpec>();
  for (const [path, spec] of first) {
    const other = second.get(path);
    const { default: fallback, ...rest } = spec;
    const sameDefault = JSON.stringify(fallback) === JSON.stringify(other?.default);
    keys.set(path, fallback !== undefined && sameDefault ? { ...rest, default: fallback } : rest);
  }
  return keys;
}

function recordKeys(stack: string, values: Record<string, unknown>): KeyRecorder {
  const recorder: KeyRecorder = new Map();
  parseStackConfig(stack, values, recorder);
  return recorder;
}

/** The JSON Schema (draft-07, which yaml-language-server reads) of a `Pulumi.<stack>.yaml` file. */
export function stackFileJsonSchema(): JsonSchema {
  const keys = stackConfigKeys();
  const top = sectionSchema("", keys);
  const namespaced = (key: string): string => `${CONFIG_NAMESPACE}:${key}`;
  const properties = Object.fromEntries(
    Object.entries(top.properties as Record<string, JsonSchema>).map(([key, schema]) => [
      namespaced(key),
      schema,
    ]),
  );
  const required = ((top.required ?? []) as string[]).map(namespaced);
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "matrix-fleet stack file (Pulumi.<stack>.yaml)",
    description:
      "Generated from matrix-fleet's config parser (npm run schema); docs/configuration.md explains each key.",
    type: "object",
    required: ["config"],
    properties: {
      config: {
        type: "object",
        properties,
        required,
        // Other namespaces (pulumi:, docker:, ...) are not ours and pass; an unknown matrix-fleet key fails, and so
        // does ours written with other capitals or separators (matrix_fleet:), which the parser reports too.
        patternProperties: { [`^(?!${CONFIG_NAMESPACE}:)(?!${looseNamespace()}:)[^:]+:`]: {} },
        additionalProperties: false,
      },
    },
  };
}

function sectionSchema(prefix: string, keys: ReadonlyMap<string, KeySpec>): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [path, spec] of keys) {
    const parent = path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "";
    if (parent !== prefix) continue;
    const key = path.slice(prefix === "" ? 0 : prefix.length + 1);
    const schema = spec.kind === "section" ? sectionSchema(path, keys) : leafSchema(spec);
    properties[key] = { ...schema, ...describe(path, spec) };
    // A section holding a required key is required itself: the parser reports the key as missing either way.
    if (spec.required === true || (spec.kind === "section" && schema.required !== undefined))
      required.push(key);
  }
  return {
    type: "object",
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
}

/** What an editor shows for a key: its meaning and a default that derives from other keys (config/key-docs.ts). */
function describe(path: string, spec: KeySpec): JsonSchema {
  const doc = spec.kind === "section" ? SECTION_DOCS[path] : keyDoc(path)?.meaning;
  if (doc === undefined) return {};
  const derived = keyDoc(path)?.derivedDefault;
  const text = derived === undefined ? doc : `${doc} (default: ${derived})`;
  // Markdown links read badly in an editor's hover: keep their text.
  return { description: text.replace(/\[([^\]]+)\]\([^)]+\)/g, "$1") };
}

/** Each kind as the parser accepts it: typed YAML, or the strings the Pulumi engine hands a program. */
function leafSchema(spec: KeySpec): JsonSchema {
  const fallback = spec.default === undefined ? {} : { default: spec.default };
  switch (spec.kind) {
    case "string":
      return spec.values === undefined
        ? { type: ["string", "number"], ...fallback }
        : { enum: [...spec.values], ...fallback };
    case "boolean":
      return { anyOf: [{ type: "boolean" }, { enum: ["true", "false"] }], ...fallback };
    case "integer":
      return {
        anyOf: [
          { type: "integer", minimum: spec.minimum, maximum: spec.maximum },
          { type: "string", pattern: "^\\s*\\d+\\s*$" },
        ],
        ...fallback,
      };
    case "portRange":
      return {
        anyOf: [
          { type: "string", pattern: "^\\s*\\d+\\s*(-\\s*\\d+\\s*)?$" },
          { type: "integer", minimum: 1, maximum: 65535 },
          {
            type: "object",
            properties: { start: { type: "integer" }, end: { type: "integer" } },
            required: ["start", "end"],
            additionalProperties: false,
          },
        ],
        ...fallback,
      };
    case "stringList":
      return {
        anyOf: [{ type: "array", items: { type: "string", minLength: 1 } }, { type: "string" }],
        ...fallback,
      };
    case "map":
      return { type: "object" };
    case "secure":
      return {
        type: "object",
        properties: { secure: { type: "string" } },
        required: ["secure"],
        additionalProperties: false,
      };
    default:
      return {};
  }
}

/** The namespace in any capitals, with or without a separator: `[Mm][Aa]...[-_. ]?...` (JSON Schema has no /i). */
function looseNamespace(): string {
  return CONFIG_NAMESPACE.split("-")
    .map((part) => [...part].map((c) => `[${c.toUpperCase()}${c}]`).join(""))
    .join("[-_. ]?");
}
