/**
 * The lab browser's web site: the call pages of lab/browser/pages/ bundled for the browser with esbuild (with
 * livekit-client, matrix-js-sdk and matrix-widget-api from npm), an HTML file per page, and Element Call's
 * embedded build (npm @element-hq/element-call-embedded, as published) under /widgets/element-call/, the path
 * Element Web serves it from (element-web `src/models/Call.ts`, generateWidgetUrl). Served over HTTPS with a lab
 * certificate by lab/browser/page-server.ts, on an origin of its own: the homeserver, lk-jwt-service and LiveKit
 * are other origins, so CORS applies as it does to Element Web.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { build } from "esbuild";

const PAGES = path.join(__dirname, "pages");

/** Where npm installed Element Call's embedded build. */
export const ELEMENT_CALL_DIST = path.join(
  __dirname,
  "..",
  "..",
  "node_modules",
  "@element-hq",
  "element-call-embedded",
  "dist",
);

/** The pages a person (or the driver) opens; each is `<name>.html` loading `<name>.js`. */
export const SITE_PAGES = ["media-call", "widget-host"] as const;

/** Bundles the pages into `dir` (emptied first); returns the milliseconds it took. */
export async function buildSite(dir: string): Promise<number> {
  const started = Date.now();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  await build({
    entryPoints: SITE_PAGES.map((page) => path.join(PAGES, `${page}.ts`)),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "chrome120",
    outdir: dir,
    // matrix-js-sdk's Rust crypto comes along as JavaScript; its WASM module is fetched only by initRustCrypto,
    // which the widget host never calls: its rooms are unencrypted (docs/development/browser-lab.md).
    logLevel: "warning",
  });
  // The probe runs before any page script, in every frame: a classic script, not a module.
  await build({
    entryPoints: [path.join(PAGES, "peer-connections.ts")],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "chrome120",
    outfile: path.join(dir, "peer-connections.js"),
    logLevel: "warning",
  });
  for (const page of SITE_PAGES) {
    fs.writeFileSync(
      path.join(dir, `${page}.html`),
      `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>matrix-fleet lab: ${page}</title>` +
        `<style>body{margin:0;font:14px sans-serif;background:#fff}</style></head>` +
        `<body><script type="module" src="./${page}.js"></script></body></html>\n`,
    );
  }
  return Date.now() - started;
}
