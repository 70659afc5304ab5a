/**
 * The stack config's JSON Schema and the README's key table are both taken from the config parser
 * (config/json-schema.ts), so they cannot drift from what `render` and `pulumi up` accept: these tests fail when
 * the checked-in schema, the stack files' schema line or the README's table disagrees with the parser.
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
import { STACKS } from "./helpers";

const SCHEMA_LINE = "# yaml-language-server: $schema=./config/stack-config.schema.json";

function stackFile(stack: string): Record<string, unknown> {
  return yaml.load(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")) as Record<
    string,
    unknown
  >;
}

/** The keys a README table row names: `a.{x,y}` is a.x and a.y, `a.*` and `a.<name>` every key under a. */
function readmeKeyPatterns(): string[] {
  const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("### Placeholders"));
  const rows = section.split("\n").filter((line) => line.startsWith("| `"));
  return rows.flatMap((row) =>
    [...(row.split("|")[1] ?? "").matchAll(/`([^`]+)`/g)].flatMap(([, cell]) => {
      const braces = /^(.*)\{([^}]+)\}$/.exec(cell!);
      return braces === null ? [cell!] : braces[2]!.split(",").map((key) => `${braces[1]}${key}`);
    }),
  );
}

function matches(pattern: string, key: string): boolean {
  const wildcard = /^(.*)\.(\*|<[a-z]+>)$/.exec(pattern);
  return wildcard === null ? pattern === key : key.startsWith(`${wildcard[1]}.`);
}

describe("the stack config's schema and key table come from the parser", () => {
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

  it("the README's key table names exactly the keys the parser reads", () => {
    const keys = [...stackConfigKeys()].filter(([, spec]) => spec.kind !== "section").map(([key]) => key);
    const patterns = readmeKeyPatterns();
    // Secret config of the program itself, documented in the Nginx Proxy Manager section.
    const elsewhere = ["npmIdentity", "npmSecret"];
    const undocumented = keys.filter(
      (key) => !elsewhere.includes(key) && !patterns.some((p) => matches(p, key)),
    );
    assert.deepEqual(undocumented, [], "keys the parser reads but the README's table does not name");
    const unknown = patterns.filter((p) => !keys.some((key) => matches(p, key)));
    assert.deepEqual(unknown, [], "README rows that name no key the parser reads");
  });
});
