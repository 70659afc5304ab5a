/**
 * certbot's own error, as Nginx Proxy Manager v2.15.1 hands it back: a failed order is a CommandError whose
 * message is certbot's stderr, answered 500 with `debug.stack` on certificate routes (backend/app.js), so the first
 * lines of that stack are certbot's words (docs/upstream/nginx-proxy-manager.md §6.10). The provider puts them in
 * its message, with what each usual cause asks of the operator, instead of guessing at port 80.
 */

/** certbot's stderr from NPM's answer, or undefined when the answer carries none. */
export function certbotOutput(json: unknown): string | undefined {
  const stack = (json as { debug?: { stack?: unknown } } | undefined)?.debug?.stack;
  if (!Array.isArray(stack)) return undefined;
  const lines: string[] = [];
  for (const line of stack.map(String)) {
    if (/^\s+at /.test(line)) break;
    lines.push(line);
  }
  const text = lines
    .join("\n")
    .replace(/^(\w*Error): /, "")
    .trim();
  return text === "" || /^(CommandError|Error)$/.test(text) ? undefined : text;
}

/** The usual causes, by what certbot (or Let's Encrypt through it) says. */
const CAUSES: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /rateLimited|too many (certificates|failed authorizations|new orders|requests)|rate limit/i,
    "Let's Encrypt's rate limit: wait until the time its message names before running pulumi up again (another order now only counts against the limit)",
  ],
  [
    /\bCAA\b/,
    'a CAA record of the domain forbids Let\'s Encrypt: add one allowing it (e.g. 0 issue "letsencrypt.org") or remove the restricting one',
  ],
  [
    /DNS problem|NXDOMAIN|SERVFAIL|no valid (A|AAAA) records/i,
    "the name does not resolve as it must: give it an A (and, if any, a correct AAAA) record pointing at the public IP the router forwards tcp/80 and tcp/443 to Nginx Proxy Manager from",
  ],
  [
    /Another instance of Certbot is already running/i,
    "another certbot run was busy on NPM (its hourly renewal, or a request made by hand): run pulumi up again when it is done",
  ],
  [
    /Timeout during connect|Connection refused|Invalid response from|unauthorized|Fetching http/i,
    "Let's Encrypt could not fetch the challenge over HTTP: the router must forward tcp/80 to Nginx Proxy Manager and the name must resolve to the public IP",
  ],
];

/** What to do about a failed order, from certbot's words. */
export function certbotAdvice(output: string): string {
  return (
    CAUSES.find(([pattern]) => pattern.test(output))?.[1] ??
    "read certbot's words above, and NPM's /data/logs/letsencrypt.log for the whole exchange"
  );
}

/** certbot's words, cut to what a terminal shows at once. */
export function certbotQuote(output: string): string {
  const oneLine = output.replace(/\s*\n\s*/g, " | ");
  return oneLine.length > 900 ? `${oneLine.slice(0, 897)}...` : oneLine;
}
