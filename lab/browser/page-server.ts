/**
 * Serves the lab browser's web site (lab/browser/site.ts) over HTTPS, from the test process in the hub namespace
 * (the lab's internet), on the address and name of lab/browser/origin.ts, with a certificate of the lab CA. Static
 * files only: what a web server in front of Element Web does.
 */
import * as fs from "node:fs";
import * as https from "node:https";
import * as path from "node:path";
import { fileFor } from "./core/site-paths";
import { ELEMENT_CALL_DIST } from "./site";

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ogg": "audio/ogg",
  ".mp3": "audio/mpeg",
  ".tflite": "application/octet-stream",
};

export interface PageServer {
  /** https://<name> (port 443) or https://<name>:<port>. */
  readonly origin: string;
  /** Requests served, "<status> <path>", in order: what the browser asked this origin for. */
  readonly served: string[];
  close(): Promise<void>;
}

export async function startPageServer(options: {
  readonly siteDir: string;
  readonly host: string;
  readonly port: number;
  readonly name: string;
  readonly cert: string;
  readonly key: string;
}): Promise<PageServer> {
  const served: string[] = [];
  const server = https.createServer(
    { cert: fs.readFileSync(options.cert), key: fs.readFileSync(options.key) },
    (req, res) => {
      const file = fileFor(options.siteDir, req.url ?? "/", ELEMENT_CALL_DIST);
      if (file === undefined || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
        served.push(`404 ${req.url}`);
        res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
        return;
      }
      served.push(`200 ${req.url}`);
      res.writeHead(200, {
        "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream",
        "Cache-Control": "no-store",
      });
      fs.createReadStream(file).pipe(res);
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  return {
    origin: `https://${options.name}${options.port === 443 ? "" : `:${options.port}`}`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
