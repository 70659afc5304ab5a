/* global process, console */
// Compares a bridged provider's generated Pulumi schema with the npm SDK the program is written against, so a
// name the bridge maps differently from @pulumi/<name> fails the engine build instead of a `pulumi up`.
// For each resource the project uses: every input property of the SDK's Args interface, and of the nested input
// types it refers to, must exist in the schema under the same name (extra schema properties are newer upstream
// fields the SDK does not know: listed, not fatal). Usage: node check-schema.mjs <random|docker> <schema.json>
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const [name, schemaPath] = process.argv.slice(2);
const projectRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const sdkDir = join(projectRoot, "node_modules", "@pulumi", name);
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));

/** The resources the program creates or reads, as SDK module file, Args interface and schema token. */
const USED = {
  random: [
    {
      file: "randomPassword",
      args: "RandomPasswordArgs",
      token: "random:index/randomPassword:RandomPassword",
    },
  ],
  docker: [
    { file: "provider", args: "ProviderArgs", token: "provider" },
    { file: "container", args: "ContainerArgs", token: "docker:index/container:Container" },
    { file: "remoteImage", args: "RemoteImageArgs", token: "docker:index/remoteImage:RemoteImage" },
    { file: "network", args: "NetworkArgs", token: "docker:index/network:Network" },
    { file: "volume", args: "VolumeArgs", token: "docker:index/volume:Volume" },
  ],
}[name];
if (!USED) throw new Error(`unknown provider ${name}`);

/** Property names of `export interface <iface> { ... }` in a .d.ts text (top-level members only). */
function interfaceKeys(source, iface) {
  // Doc comments hold braces and colons of their own: drop them before counting.
  const text = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const start = text.search(new RegExp(`export interface ${iface} \\{`));
  if (start < 0) return undefined;
  const keys = [];
  let depth = 0;
  for (const line of text.slice(start).split("\n")) {
    const opens = (line.match(/\{/g) ?? []).length;
    const closes = (line.match(/\}/g) ?? []).length;
    if (depth === 1) {
      const member = /^\s*(?:readonly\s+)?([A-Za-z_$][\w$]*)\??:/.exec(line);
      if (member) keys.push(member[1]);
    }
    depth += opens - closes;
    if (depth === 0 && keys.length + opens > 0 && line.includes("}")) break;
  }
  return keys;
}

const inputTypes = (() => {
  try {
    return readFileSync(join(sdkDir, "types", "input.d.ts"), "utf8");
  } catch {
    return "";
  }
})();
const problems = [];
const notes = [];

function compare(where, sdkKeys, schemaProps) {
  for (const key of sdkKeys) {
    if (!(key in schemaProps))
      problems.push(`${where}: @pulumi/${name} has '${key}', the bridged schema has not`);
  }
  const extra = Object.keys(schemaProps).filter((k) => !sdkKeys.includes(k));
  if (extra.length > 0)
    notes.push(`${where}: only in the bridged schema (newer upstream): ${extra.join(", ")}`);
  // Nested object types: compare them too, by the SDK's interface of the same name.
  for (const [key, prop] of Object.entries(schemaProps)) {
    if (!sdkKeys.includes(key)) continue;
    const ref = prop.$ref ?? prop.items?.$ref;
    if (!ref?.startsWith("#/types/")) continue;
    const typeName = ref.split(":").pop();
    const nested = interfaceKeys(inputTypes, typeName);
    const typeSchema = schema.types?.[ref.slice("#/types/".length)];
    if (!nested || !typeSchema) {
      problems.push(`${where}.${key}: type ${typeName} is missing from ${nested ? "the schema" : "the SDK"}`);
      continue;
    }
    compare(`${where}.${key}`, nested, typeSchema.properties ?? {});
  }
}

for (const { file, args, token } of USED) {
  const dts = readFileSync(join(sdkDir, `${file}.d.ts`), "utf8");
  const sdkKeys = interfaceKeys(dts, args);
  if (!sdkKeys) throw new Error(`no interface ${args} in ${file}.d.ts`);
  const resource = token === "provider" ? schema.provider : schema.resources?.[token];
  if (!resource) {
    problems.push(`${token}: not in the bridged schema`);
    continue;
  }
  compare(token === "provider" ? `${name} provider` : token, sdkKeys, resource.inputProperties ?? {});
}
for (const note of notes) console.error(`check-schema: note: ${note}`);
for (const problem of problems) console.error(`check-schema: ${problem}`);
if (problems.length > 0) process.exit(1);
console.error(`check-schema: ${USED.length} resource(s) of @pulumi/${name} match the bridged schema`);
