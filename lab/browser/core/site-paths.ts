/**
 * The lab web origin's files (lab/browser/page-server.ts): a request path maps to the bundled site, or, under
 * /widgets/element-call/ (where Element Web serves it), to Element Call's embedded build; never above either.
 */
import * as path from "node:path";

/** The file a request path maps to, or undefined: /widgets/element-call/ is Element Call's dist, the rest the site. */
export function fileFor(siteDir: string, urlPath: string, elementCall: string): string | undefined {
  const clean = decodeURIComponent(urlPath.split("?")[0]!.split("#")[0]!);
  const [root, rest] = clean.startsWith("/widgets/element-call/")
    ? [elementCall, clean.slice("/widgets/element-call/".length)]
    : [siteDir, clean.slice(1)];
  const file = path.resolve(root, rest === "" ? "index.html" : rest);
  return file.startsWith(path.resolve(root) + path.sep) ? file : undefined;
}
