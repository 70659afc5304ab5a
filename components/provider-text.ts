/**
 * The text the engine runs as a dynamic provider: the provider's module with every project module it imports,
 * bundled by esbuild into one self-contained CommonJS text that exports `handler: () => provider` (the contract
 * of the SDK's dynamic-provider host, `sdk/nodejs/cmd/dynamic-provider/index.ts`: it loads the resource's
 * `__provider` input with `requireFromString(text).handler()`). The SDK's own route, serialising a provider
 * object's closure, parses every function the provider reaches, and cost the NPM providers about two seconds of
 * every preview (bench/engine.ts); this takes milliseconds, from the same sources the unit tests load. The text
 * is stored in each resource's state, so refresh and destroy need nothing outside the state. A provider that
 * imports anything but project modules and Node's own (`node:`) modules at run time is refused: the text must run
 * where only Node is. The NPM providers and the health gates use it.
 */
import { buildSync } from "esbuild";
import * as path from "node:path";

const PROJECT_DIR = path.resolve(__dirname, "..");

/** Texts made in this process, by entry module and export. */
const made = new Map<string, string>();

/**
 * The provider text whose handler returns `new <exportName>()` from `entry` (a project path without `.ts`, e.g.
 * `components/npm-proxy-host`). Deterministic: the same sources (and esbuild) give the same text, wherever the
 * repository is checked out, so an unchanged provider is no change to Pulumi.
 */
export function providerText(entry: string, exportName: string): string {
  const key = `${entry}#${exportName}`;
  let text = made.get(key);
  if (text === undefined) {
    text = bundle(entry, exportName);
    made.set(key, text);
  }
  return text;
}

function bundle(entry: string, exportName: string): string {
  const result = buildSync({
    entryPoints: [`${entry}.ts`],
    absWorkingDir: PROJECT_DIR,
    bundle: true,
    write: false,
    format: "cjs",
    platform: "node",
    target: "node20",
    // A package import stays a require(), which is refused below.
    packages: "external",
    legalComments: "none",
    logLevel: "silent",
    footer: { js: `module.exports.handler = () => new module.exports.${exportName}();` },
  });
  const text = result.outputFiles[0]!.text;
  const packages = [...text.matchAll(/\brequire\("([^"]+)"\)/g)]
    .map((m) => m[1]!)
    .filter((name) => !name.startsWith("node:"));
  if (packages.length > 0)
    throw new Error(
      `${entry}.ts needs ${packages.join(", ")} at run time; a dynamic provider must be self-contained`,
    );
  return text;
}
