/**
 * A CONTRACT DOUBLE of Nginx Proxy Manager v2.15.1's REST API: not NPM, but an HTTP server that answers the
 * endpoints matrix-fleet uses the way NPM's code at that tag does. Each behaviour and its source file
 * (NginxProxyManager/nginx-proxy-manager, tag v2.15.1) is listed in docs/upstream/nginx-proxy-manager.md §6.8.
 * Request bodies are validated with the project's one copy of NPM's schema (facts/npm-api-schema.ts), compiled
 * with Ajv as NPM compiles it (2020-12, allErrors, coerceTypes: a port "8080" is stored as 8080).
 * Knobs inject what a real NPM does on a bad day: 5xx, slow answers, nginx rejecting a config, certbot failing or
 * taking long, an expired token, a user without permission, a host stored before a 500.
 */
import Ajv2020, { ValidateFunction } from "ajv/dist/2020";
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { CERTIFICATE_POST, PROXY_HOST_POST, PROXY_HOST_PUT } from "../facts/npm-api-schema";

const ajv = new Ajv2020({
  verbose: true,
  allErrors: true,
  allowUnionTypes: true,
  strict: false,
  coerceTypes: true,
});
const validatePost = ajv.compile(PROXY_HOST_POST);
const validatePut = ajv.compile(PROXY_HOST_PUT);
const validateCertificate = ajv.compile(CERTIFICATE_POST);
const validateToken: ValidateFunction = ajv.compile({
  type: "object",
  additionalProperties: false,
  required: ["identity", "secret"],
  properties: {
    identity: { type: "string", minLength: 1 },
    secret: { type: "string", minLength: 1 },
    scope: { type: "string", enum: ["user"] },
  },
});

export type Row = Record<string, unknown> & { id: number; domain_names: string[] };
export type HostKind = "proxy-hosts" | "redirection-hosts" | "dead-hosts";

/** `datetime('now','localtime')` as better-sqlite3 returns it (backend/models/now_helper.js). */
export function sqliteNow(offsetMs = 0): string {
  const d = new Date(Date.now() + offsetMs);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

class Answer extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}
const fail = (status: number, message: string) => new Answer(status, { error: { code: status, message } });

/** certbot's stderr when Let's Encrypt cannot validate a name (certbot 2.x, HTTP-01 over webroot). */
export const CERTBOT_CHALLENGE_FAILED = [
  "Saving debug log to /tmp/letsencrypt-log/letsencrypt.log",
  "Some challenges have failed.",
  "Ask for help or search for solutions at https://community.letsencrypt.org. See the logfile /tmp/letsencrypt-log/letsencrypt.log or re-run Certbot with -v for more details.",
  "",
].join("\n");

/**
 * NPM's 500 for a failed certbot run (backend/app.js adds `debug` on certificate routes): `stack` is the
 * CommandError's stack, whose first lines are certbot's stderr (the error's message, set after the stack was
 * captured but read when it is formatted), then the frames; `previous` is the execFile error's own fields.
 */
function certbotFailure(stderr: string, id: number, names: readonly string[], email: string) {
  const cmd = `certbot certonly --config /etc/letsencrypt.ini --work-dir /tmp/letsencrypt-lib --logs-dir /tmp/letsencrypt-log --cert-name npm-${id} --agree-tos --authenticator webroot -m ${email} --preferred-challenges http --domains ${names.join(",")}`;
  return {
    error: { code: 500, message: "Internal Error" },
    debug: {
      stack: [
        ...`Error: ${stderr}`.split("\n"),
        "    at ChildProcess.exithandler (node:child_process:422:12)",
        "    at ChildProcess.emit (node:events:518:28)",
      ],
      previous: { code: 1, killed: false, signal: null, cmd },
    },
  };
}

/** `getCertificateInfoFromFile` (backend/internal/certificate.js): subject CN, issuer, validity in epoch seconds. */
function certificateInfo(names: readonly string[]) {
  const now = Math.floor(Date.now() / 1000);
  return {
    cn: names[0],
    issuer: "C = US, O = Let's Encrypt, CN = E5",
    dates: { from: now - 3600, to: now + 90 * 86_400 - 3600 },
  };
}

export interface NpmDouble {
  readonly url: string;
  /** Live (not deleted) rows by type; tests may edit them as NPM's UI would. */
  readonly hosts: Map<number, Row>;
  readonly redirectionHosts: Map<number, Row>;
  readonly deadHosts: Map<number, Row>;
  readonly certificates: Map<number, Row>;
  /** Requests received, as "METHOD path". */
  readonly requests: string[];
  /** Certificates certbot issued (each a Let's Encrypt order), and certbot runs in all. */
  readonly stats: { issued: number; certbotRuns: number };
  /** A host or certificate made by hand in NPM's UI. */
  addHandMade(kind: HostKind, domains: string[], fields?: Record<string, unknown>): Row;
  /** Answer the next N requests under /api/nginx (only those of `method`, if given) with 502, doing nothing. */
  failNext(count: number, method?: string): void;
  /** Delay the next `count` answers (default: all; only to `method` if given); the work is done at once. */
  delay(ms: number, count?: number, method?: string): void;
  /** nginx rejects the next configured host (NPM then stores meta.nginx_online false). */
  nginxRejectsNext(output: string): void;
  /** The next proxy-host write is stored, then answered 500 (NPM's first `nginx -t` failing). */
  storeThenFailNext(): void;
  /** certbot fails the next order, writing `stderr` (NPM's 500 carries it in debug.stack); certbot takes this long. */
  certbotFailsNext(stderr?: string): void;
  certbotTakes(ms: number): void;
  /** Every token issued so far has expired. */
  expireTokens(): void;
  /** NPM got a new signing key (a new /data/keys.json): every token issued so far is garbage to it. */
  forgetTokens(): void;
  /** The user loses (or regains) every permission. */
  denyPermissions(denied: boolean): void;
  close(): Promise<void>;
}

interface State {
  readonly identity: string;
  readonly secret: string;
  /** One autoincrement per table, as in NPM's database. */
  nextId: Record<HostKind, number>;
  nextCertificate: number;
  tokens: Map<string, "valid" | "expired">;
  failures: number;
  failMethod: string | undefined;
  delayMs: number;
  delayCount: number;
  delayMethod: string | undefined;
  nginxError: string | undefined;
  storeThenFail: boolean;
  certbotFails: string | undefined;
  certbotMs: number;
  certbotBusy: boolean;
  denied: boolean;
}

export async function startNpmDouble(identity: string, secret: string): Promise<NpmDouble> {
  const kinds: Record<HostKind, Map<number, Row>> = {
    "proxy-hosts": new Map(),
    "redirection-hosts": new Map(),
    "dead-hosts": new Map(),
  };
  const certificates = new Map<number, Row>();
  const deletedCertificates = new Set<number>();
  const requests: string[] = [];
  const stats = { issued: 0, certbotRuns: 0 };
  const s: State = {
    identity,
    secret,
    nextId: { "proxy-hosts": 1, "redirection-hosts": 1, "dead-hosts": 1 },
    nextCertificate: 1,
    tokens: new Map(),
    failures: 0,
    failMethod: undefined,
    delayMs: 0,
    delayCount: Infinity,
    delayMethod: undefined,
    nginxError: undefined,
    storeThenFail: false,
    certbotFails: undefined,
    certbotMs: 0,
    certbotBusy: false,
    denied: false,
  };
  const proxyHosts = kinds["proxy-hosts"];

  /** backend/internal/host.js isHostnameTaken: every type, case-insensitive, the name as sent. */
  const taken = (names: string[], exceptProxyId?: number) =>
    names.find((name) =>
      Object.entries(kinds).some(([kind, rows]) =>
        [...rows.values()].some(
          (row) =>
            !(kind === "proxy-hosts" && row.id === exceptProxyId) &&
            row.domain_names.some((d) => d.toLowerCase() === name.toLowerCase()),
        ),
      ),
    );

  /** backend/internal/host.js cleanSslHstsData. */
  const cleanSslHsts = (data: Record<string, unknown>, existing: Record<string, unknown> = {}) => {
    const c: Record<string, unknown> = { ...existing, ...data };
    if (!c.certificate_id) Object.assign(c, { ssl_forced: false, http2_support: false });
    if (!c.ssl_forced) c.hsts_enabled = false;
    if (!c.hsts_enabled) c.hsts_subdomains = false;
    return c;
  };

  /**
   * What SQLite's integer affinity makes of a row: Ajv's coercion inside `certificate_id`'s anyOf turns 7 into
   * "7" (checked with Ajv 8), the integer column stores 7 again (backend/migrations/20180618015850_initial.js).
   */
  const stored = (row: Record<string, unknown>) => {
    for (const column of ["forward_port", "access_list_id", "certificate_id", "owner_user_id"])
      if (typeof row[column] === "string" && /^\d+$/.test(row[column] as string))
        row[column] = Number(row[column]);
    return row as Row;
  };

  /** `nginx -t` fails while a live host's config points at a deleted certificate's files (§6.1, DELETE). */
  const nginxBroken = () =>
    Object.values(kinds).some((rows) =>
      [...rows.values()].some(
        (h) => h.enabled !== false && deletedCertificates.has(Number(h.certificate_id)),
      ),
    );

  /** backend/internal/nginx.js configure: `nginx -t`, write, `nginx -t`, meta patched, reload. */
  const configure = (row: Row) => {
    // A live config pointing at a deleted certificate's files fails the first `nginx -t`: configure rejects.
    if (nginxBroken()) throw fail(500, "Internal Error");
    row.meta = {
      ...(row.meta as object),
      nginx_online: s.nginxError === undefined,
      nginx_err: s.nginxError ?? null,
    };
    row.modified_on = sqliteNow();
    s.nginxError = undefined;
    return row;
  };

  /** A host's graph (proxyHostModel.defaultAllowGraph): the certificate relation skips deleted rows, meta emptied. */
  const expansion = (row: Row, name: string): unknown => {
    if (name === "owner") return { id: 1, email: s.identity };
    if (name === "access_list") return null;
    const certificate = certificates.get(Number(row.certificate_id));
    return certificate === undefined ? null : { ...structuredClone(certificate), meta: {} };
  };
  const HOST_GRAPH = ["owner", "certificate", "access_list"];
  const hostWith = (row: Row, expand: readonly string[]) => {
    // objection refuses a relation outside allowGraph with an error NPM gives no status: a 500.
    if (expand.some((name) => !HOST_GRAPH.includes(name.replace(/\..*$/, ""))))
      throw fail(500, "Internal Error");
    return {
      ...structuredClone(row),
      ...Object.fromEntries(
        expand.map((name) => name.replace(/\..*$/, "")).map((n) => [n, expansion(row, n)]),
      ),
    };
  };
  const withExpansions = (row: Row) => hostWith(row, HOST_GRAPH);

  /** backend/internal/certificate.js create (HTTP-01): insert, certbot, expiry; a failed order is deleted. */
  const issue = async (names: string[], meta: Record<string, unknown>): Promise<Row> => {
    const id = s.nextCertificate++;
    const now = sqliteNow();
    const row: Row = {
      id,
      created_on: now,
      modified_on: now,
      owner_user_id: 1,
      provider: "letsencrypt",
      nice_name: names.join(", "),
      domain_names: [...names].sort(),
      expires_on: now,
      meta,
    };
    certificates.set(id, row);
    stats.certbotRuns++;
    const busy = s.certbotBusy;
    s.certbotBusy = true;
    await new Promise((r) => setTimeout(r, s.certbotMs));
    if (!busy) s.certbotBusy = false;
    // "Another instance of Certbot is already running" (processExpiringHosts) or an order Let's Encrypt refused.
    if (busy || s.certbotFails !== undefined) {
      const stderr = busy ? "Another instance of Certbot is already running.\n" : s.certbotFails!;
      s.certbotFails = undefined;
      certificates.delete(id);
      throw new Answer(500, certbotFailure(stderr, id, names, s.identity));
    }
    stats.issued++;
    Object.assign(row, { expires_on: sqliteNow(90 * 86_400_000), modified_on: sqliteNow() });
    return row;
  };

  const validate = (check: ValidateFunction, body: unknown) => {
    if (!check(body)) throw fail(400, ajv.errorsText(check.errors));
  };

  const createHost = async (body: Record<string, unknown>): Promise<unknown> => {
    const wantsCertificate = body.certificate_id === "new";
    if (wantsCertificate) delete body.certificate_id;
    const used = taken(body.domain_names as string[]);
    if (used !== undefined) throw fail(400, `${used} is already in use`);
    const now = sqliteNow();
    const row = stored(
      cleanSslHsts({
        ...{
          forward_scheme: "http",
          access_list_id: 0,
          certificate_id: 0,
          ssl_forced: false,
          caching_enabled: false,
        },
        ...{
          block_exploits: false,
          advanced_config: "",
          allow_websocket_upgrade: false,
          http2_support: false,
        },
        ...{
          enabled: true,
          hsts_enabled: false,
          hsts_subdomains: false,
          trust_forwarded_proto: false,
          locations: null,
        },
        ...body,
        id: s.nextId["proxy-hosts"]++,
        created_on: now,
        modified_on: now,
        owner_user_id: 1,
        meta: body.meta ?? {},
        domain_names: [...(body.domain_names as string[])].sort(),
      }),
    );
    proxyHosts.set(row.id, row);
    if (wantsCertificate) {
      const certificate = await issue(row.domain_names, row.meta as Record<string, unknown>);
      updateHost(row.id, { certificate_id: certificate.id });
    }
    const answer = withExpansions(row);
    if (s.storeThenFail) {
      s.storeThenFail = false;
      throw fail(500, "Internal Error");
    }
    configure(row);
    return answer;
  };

  const updateHost = (id: number, body: Record<string, unknown>): Row => {
    const row = proxyHosts.get(id);
    if (row === undefined) throw fail(404, `Not Found - ${id}`);
    if (body.domain_names !== undefined) {
      const used = taken(body.domain_names as string[], id);
      if (used !== undefined) throw fail(400, `${used} is already in use`);
    }
    const merged = cleanSslHsts(body, row);
    if (Array.isArray(merged.domain_names))
      merged.domain_names = [...(merged.domain_names as string[])].sort();
    Object.assign(row, stored(merged), { modified_on: sqliteNow() });
    if (s.storeThenFail) {
      s.storeThenFail = false;
      throw fail(500, "Internal Error");
    }
    return row.enabled === false ? row : configure(row);
  };

  const putHost = async (id: number, body: Record<string, unknown>) => {
    // internalProxyHost.update checks the names before it reads the row: a missing id whose names are taken is a 400.
    if (body.domain_names !== undefined) {
      const used = taken(body.domain_names as string[], id);
      if (used !== undefined) throw fail(400, `${used} is already in use`);
    }
    const row = proxyHosts.get(id);
    if (row === undefined) throw fail(404, `Not Found - ${id}`);
    if (body.certificate_id === "new") {
      const names = (body.domain_names as string[] | undefined) ?? row.domain_names;
      body.certificate_id = (await issue(names, { ...(row.meta as object), ...(body.meta as object) })).id;
    }
    return withExpansions(updateHost(id, body));
  };

  const usersOf = (certificateId: number) => ({
    proxy_hosts: [...proxyHosts.values()].filter((h) => h.certificate_id === certificateId),
    redirection_hosts: [...kinds["redirection-hosts"].values()].filter(
      (h) => h.certificate_id === certificateId,
    ),
    dead_hosts: [...kinds["dead-hosts"].values()].filter((h) => h.certificate_id === certificateId),
    streams: [],
  });
  const expanded = (row: Row, expand: string[]) => {
    const users = usersOf(row.id) as Record<string, unknown>;
    return {
      ...structuredClone(row),
      ...Object.fromEntries(expand.filter((e) => e in users).map((e) => [e, users[e]])),
    };
  };

  /** The routes: a resolved value is a 200 (201 for creates), a thrown `Answer` an error. */
  const route = async (
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
  ): Promise<[number, unknown]> => {
    const expand = (query.get("expand") ?? "").split(",").filter((e) => e !== "");
    const id = Number(/\/(\d+)$/.exec(path)?.[1]);
    if (path === "/api/nginx/proxy-hosts" && method === "GET")
      return [
        200,
        [...proxyHosts.values()]
          .sort((a, b) => a.domain_names.join(",").localeCompare(b.domain_names.join(",")))
          .map((h) => hostWith(h, expand)),
      ];
    if (path === "/api/nginx/proxy-hosts" && method === "POST") {
      validate(validatePost, body);
      return [201, await createHost(body as Record<string, unknown>)];
    }
    for (const kind of ["redirection-hosts", "dead-hosts"] as const)
      if (path === `/api/nginx/${kind}` && method === "GET")
        return [200, [...kinds[kind].values()].map((h) => hostWith(h, expand))];
    if (/^\/api\/nginx\/proxy-hosts\/\d+$/.test(path)) {
      if (method === "PUT") {
        validate(validatePut, body);
        return [200, await putHost(id, body as Record<string, unknown>)];
      }
      const row = proxyHosts.get(id);
      if (row === undefined) throw fail(404, `Not Found - ${id}`);
      if (method === "GET") return [200, hostWith(row, expand)];
      if (method === "DELETE") {
        // Soft-deleted and its config removed, then a reload: `nginx -t` fails while nginx is broken, a 500.
        proxyHosts.delete(id);
        if (nginxBroken()) throw fail(500, "Internal Error");
        return [200, true];
      }
    }
    if (path === "/api/nginx/certificates" && method === "GET")
      return [
        200,
        [...certificates.values()]
          .sort((a, b) => String(a.nice_name).localeCompare(String(b.nice_name)))
          .map((c) => expanded(c, expand)),
      ];
    if (path === "/api/nginx/certificates" && method === "POST") {
      validate(validateCertificate, body);
      const { domain_names: names = [], meta = {} } = body as {
        domain_names?: string[];
        meta?: Record<string, unknown>;
      };
      const row = await issue(names, meta);
      return [
        201,
        { ...structuredClone(row), meta: { ...meta, letsencrypt_certificate: certificateInfo(names) } },
      ];
    }
    if (/^\/api\/nginx\/certificates\/\d+$/.test(path)) {
      const row = certificates.get(id);
      if (row === undefined) throw fail(404, `Not Found - ${id}`);
      if (method === "GET") return [200, expanded(row, expand)];
      if (method === "DELETE") {
        // Soft delete, no check for hosts still using it (backend/internal/certificate.js delete).
        certificates.delete(id);
        deletedCertificates.add(id);
        return [200, true];
      }
    }
    throw fail(404, `Not Found - ${path.replace(/^\/api/, "")}`);
  };

  /** backend/lib/express/jwt.js, jwt-decode.js and access.js: how a request's token is judged. */
  const authorise = (request: http.IncomingMessage, path: string) => {
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
    if (bearer === "null") throw fail(400, "Empty token");
    if (bearer !== undefined) {
      const token = s.tokens.get(bearer);
      if (token === undefined) throw fail(500, "Internal Error");
      if (token === "expired") throw fail(400, "Token has expired");
    }
    // access.can: no token or no permission falls through to the catch-all route's 404 with the path.
    return bearer !== undefined && !s.denied
      ? undefined
      : fail(404, `Not Found - ${path.replace(/^\/api/, "")}`);
  };

  const handle = async (request: http.IncomingMessage, raw: string): Promise<[number, unknown]> => {
    const url = new URL(request.url ?? "/", "http://double");
    const method = request.method ?? "GET";
    requests.push(`${method} ${url.pathname}`);
    let body: unknown;
    try {
      body = raw === "" ? undefined : JSON.parse(raw);
    } catch {
      throw fail(400, "Unexpected token in JSON");
    }
    if (url.pathname === "/api" && method === "GET")
      return [200, { status: "OK", setup: true, version: { major: 2, minor: 15, revision: 1 } }];
    if (url.pathname === "/api/tokens" && method === "POST") {
      validate(validateToken, body);
      const credentials = body as { identity: string; secret: string };
      if (credentials.identity.toLowerCase().trim() !== s.identity || credentials.secret !== s.secret)
        throw new Answer(400, {
          error: { code: 400, message: "Invalid email or password", message_i18n: "error.invalid-auth" },
        });
      const token = `eyJ.double.${randomUUID()}`;
      s.tokens.set(token, "valid");
      return [200, { token, expires: new Date(Date.now() + 86_400_000).toISOString() }];
    }
    const denied = authorise(request, url.pathname);
    // Bodies are validated before access.can runs, so an invalid body without a token still gets its 400.
    if (method === "POST" || method === "PUT") {
      if (url.pathname === "/api/nginx/proxy-hosts" && method === "POST") validate(validatePost, body);
      if (url.pathname.startsWith("/api/nginx/proxy-hosts/") && method === "PUT") validate(validatePut, body);
    }
    // The create route's catch reads err.debug of the `undefined` access.can throws (routes/nginx/proxy_hosts.js):
    // a TypeError, so a create without a token or permission answers 500, where every other route answers 404.
    if (denied !== undefined && url.pathname === "/api/nginx/proxy-hosts" && method === "POST")
      throw fail(500, "Internal Error");
    if (denied !== undefined) throw denied;
    if (url.pathname.startsWith("/api/nginx/") && s.failures > 0 && (s.failMethod ?? method) === method) {
      s.failures--;
      throw fail(502, "Bad Gateway");
    }
    return route(method, url.pathname, url.searchParams, body);
  };

  const server = http.createServer((request, response) => {
    let raw = "";
    request.on("data", (chunk) => (raw += chunk));
    request.on("end", () => {
      const delayed = s.delayCount > 0 && (s.delayMethod === undefined || s.delayMethod === request.method);
      const wait = delayed ? s.delayMs : 0;
      if (delayed) s.delayCount--;
      const send = ([status, body]: [number, unknown]) =>
        setTimeout(() => {
          if (response.destroyed) return;
          response.writeHead(status, { "Content-Type": "application/json" });
          response.end(JSON.stringify(body));
        }, wait);
      handle(request, raw).then(send, (error: unknown) => {
        if (error instanceof Answer) send([error.status, error.body]);
        else send([500, { error: { code: 500, message: "Internal Error" } }]);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hosts: proxyHosts,
    redirectionHosts: kinds["redirection-hosts"],
    deadHosts: kinds["dead-hosts"],
    certificates,
    requests,
    stats,
    addHandMade: (kind, domains, fields = {}) => {
      const row: Row = {
        id: s.nextId[kind]++,
        created_on: sqliteNow(),
        modified_on: sqliteNow(),
        owner_user_id: 1,
        enabled: true,
        certificate_id: 0,
        meta: {},
        ...fields,
        domain_names: [...domains].sort(),
      };
      kinds[kind].set(row.id, row);
      return row;
    },
    failNext: (count, method) => {
      s.failures = count;
      s.failMethod = method;
    },
    delay: (ms, count = Infinity, method) => {
      s.delayMs = ms;
      s.delayCount = count;
      s.delayMethod = method;
    },
    nginxRejectsNext: (output) => (s.nginxError = output),
    storeThenFailNext: () => (s.storeThenFail = true),
    certbotFailsNext: (stderr = CERTBOT_CHALLENGE_FAILED) => (s.certbotFails = stderr),
    certbotTakes: (ms) => (s.certbotMs = ms),
    expireTokens: () => {
      for (const token of s.tokens.keys()) s.tokens.set(token, "expired");
    },
    forgetTokens: () => s.tokens.clear(),
    denyPermissions: (denied) => (s.denied = denied),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
