import * as fs from "node:fs";
import * as path from "node:path";
import { stackFileJsonSchema } from "../config/json-schema";
import { PROJECT_DIR } from "../config/stack-files";
import { parseArgs, runCli } from "./args";
import { REFERENCE_FILE, writeReference } from "./config-reference";
import { overrideKeysMarkdown } from "./override-keys-doc";

/** The reference page of the keys an override may set, from the override registries. */
export const OVERRIDE_KEYS_FILE = path.join(PROJECT_DIR, "docs", "override-keys.md");

/** Where the stack files' `# yaml-language-server: $schema=` line points. */
export const SCHEMA_FILE = path.join(PROJECT_DIR, "config", "stack-config.schema.json");

const USAGE = `usage: npm run schema

Writes config/stack-config.schema.json, the JSON Schema of Pulumi.<stack>.yaml, and the configuration reference
in docs/configuration.md, both from the config parser itself (the words from config/key-docs.ts), and
docs/override-keys.md, the keys an override may set, from the override registries (checks/override-keys-*.ts).
Editors with the YAML language server validate and complete the stack files with the schema. A test fails while a
file differs from what the parser and the registries accept: run this after changing a key.`;

/** The schema file's text: stable, so a changed key shows up as a diff in review. */
export function schemaText(): string {
  return `${JSON.stringify(stackFileJsonSchema(), null, 2)}\n`;
}

/** The options this tool takes (the handbook's test parses every command it shows with them). */
export const OPTIONS = { help: "flag" } as const;

async function main(argv: readonly string[]): Promise<number> {
  const { flags } = parseArgs(argv, OPTIONS);
  if (flags.has("help")) {
    console.log(USAGE);
    return 0;
  }
  fs.writeFileSync(SCHEMA_FILE, schemaText());
  console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
  await writeReference();
  console.log(`wrote ${path.relative(process.cwd(), REFERENCE_FILE)}`);
  fs.writeFileSync(OVERRIDE_KEYS_FILE, overrideKeysMarkdown());
  console.log(`wrote ${path.relative(process.cwd(), OVERRIDE_KEYS_FILE)}`);
  return 0;
}

if (require.main === module) runCli("schema", USAGE, () => main(process.argv.slice(2)));
