/**
 * The stack config's JSON Schema and the configuration reference (docs/configuration.md) are both generated from
 * the config parser (config/json-schema.ts) with the words of config/key-docs.ts, so they cannot drift from what
 * `render` and `pulumi up` accept: these tests fail when the checked-in schema, the stack files' schema line or the
 * reference disagrees with the parser, or a key has no meaning written down.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import Ajv from "ajv";
import * as yaml from "js-yaml";
import { stackConfigKeys, stackFileJsonSchema } from "../config/json-schema";
import { PROJECT_DIR, listStacks } from "../config/stack-files";
import { SCHEMA_FILE } from "../cli/schema";
import { REFERENCE_FILE, referenceMarkdown, withReference } from "../cli/config-reference";
import { KEY_DOCS, SECTION_DOCS, keyDoc } from "../config/key-docs";
import { STACKS } from "./helpers";

const SCHEMA_LINE = "# yaml-language-server: $schema=./config/stack-config.schema.json";

function stackFile(stack: string): Record<string, unknown> {
  return yaml.load(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as Record<
    string,
    unknown
  >;
}

describe("the stack config's schema and reference come from the parser", () => {
  const schema = stackFileJsonSchema();
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

  it("config/stack-config.schema.json is what the parser accepts (else: npm run schema)", () => {
    assert.deepEqual(JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")), schema);
  });

  it("every stack file names the schema for editors and validates against it", () => {
    assert.deepEqual(listStacks(), [...STACKS]);
    for (const stack of STACKS) {
      const text = fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8");
      assert.equal(text.split("\n")[0], SCHEMA_LINE, `Pulumi.${stack}.yaml`);
      assert.ok(validate(stackFile(stack)), `${stack}: ${JSON.stringify(validate.errors)}`);
    }
  });

  it("rejects a misspelt key, a wrong type and a clear-text adopted secret", () => {
    const file = stackFile("produktor") as { config: Record<string, unknown> };
    const network = file.config["matrix-fleet:network"] as Record<string, unknown>;
    const cases: Array<[string, Record<string, unknown>]> = [
      ["matrix-fleet:network", { ...network, publicIP: "203.0.113.10" }],
      ["matrix-fleet:serverNmae", "x.org" as unknown as Record<string, unknown>],
      ["matrix-fleet:ports", { turn: "three" }],
      ["matrix-fleet:components", { jitsi: "maybe" }],
      ["matrix-fleet:adoptedSecrets", { turn_shared_secret: "in the clear" }],
    ];
    for (const [key, value] of cases) {
      assert.equal(validate({ ...file, config: { ...file.config, [key]: value } }), false, key);
    }
    assert.equal(
      validate({ ...file, config: { ...file.config, "docker:host": "x" } }),
      true,
      "other namespaces",
    );
  });

  it("docs/configuration.md holds the reference generated from the parser (else: npm run schema)", async () => {
    const page = fs.readFileSync(REFERENCE_FILE, "utf8");
    assert.equal(page, await withReference(page), "docs/configuration.md: run npm run schema");
  });

  it("every key the parser reads has its meaning, and every meaning names a key", () => {
    const keys = [...stackConfigKeys()];
    const leaves = keys.filter(([, spec]) => spec.kind !== "section").map(([key]) => key);
    assert.deepEqual(
      leaves.filter((key) => keyDoc(key) === undefined),
      [],
      "keys without an entry in config/key-docs.ts",
    );
    const matches = (entry: string, key: string): boolean =>
      entry.endsWith(".*") ? key.startsWith(entry.slice(0, -1)) : entry === key;
    assert.deepEqual(
      Object.keys(KEY_DOCS).filter((entry) => !leaves.some((key) => matches(entry, key))),
      [],
      "entries of config/key-docs.ts that name no key the parser reads",
    );
    const sections = new Set(leaves.map((key) => (key.includes(".") ? key.slice(0, key.indexOf(".")) : "")));
    assert.deepEqual(
      [...sections].filter((section) => SECTION_DOCS[section] === undefined),
      [],
      "sections without a line in config/key-docs.ts SECTION_DOCS",
    );
    assert.deepEqual(
      Object.keys(SECTION_DOCS).filter((section) => !sections.has(section)),
      [],
      "SECTION_DOCS entries that name no section",
    );
  });

  it("the reference states each key's type and default as the parser reads them", () => {
    const reference = referenceMarkdown();
    const row = (key: string): string =>
      reference.split("\n").find((line) => line.startsWith(`| \`${key}\` |`)) ?? "";
    assert.match(row("serverName"), /\| string \| \*\*required\*\* \|/);
    assert.match(row("ports.turnRelay"), /\| port range \| `49160-49200` \|/);
    assert.match(row("components.jitsi"), /\| boolean \| `false` \|/);
    assert.match(row("turn.userQuota"), /\| integer 1-100000 \| `12` \|/);
    assert.match(row("hosts.rtc"), /\| `matrix-rtc.<serverName>` \|/);
    assert.match(row("adoptedSecrets.postgres_password"), /\| secret \| none \|/);
  });

  it("the schema shows each key's meaning in an editor", () => {
    const network = (schema.properties as Record<string, Record<string, Record<string, unknown>>>).config!
      .properties as Record<string, { properties: Record<string, { description?: string }> }>;
    assert.match(network["matrix-fleet:network"]!.properties.publicIp!.description ?? "", /WAN address/);
    assert.match(
      network["matrix-fleet:hosts"]!.properties.rtc!.description ?? "",
      /\(default: `matrix-rtc.<serverName>`\)/,
    );
  });
});
