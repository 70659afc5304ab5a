/**
 * A CONTRACT DOUBLE of Nginx Proxy Manager's REST API, version 2.15.1: not NPM, but an HTTP server that behaves
 * as NPM's published schema (backend/schema/ at tag v2.15.1: paths/tokens/post.json,
 * paths/nginx/proxy-hosts/{get,post}.json, paths/nginx/proxy-hosts/hostID/{get,put,delete}.json,
 * components/proxy-host-object.json, components/error-object.json, common.json) and its proxy-host service
 * (backend/internal/proxy-host.js: "<domain> is already in use") define it: bearer-token auth, request bodies
 * validated with `additionalProperties: false`, ids assigned by the server, 404s, errors as
 * `{"error": {"code", "message"}}`. The JSON schemas below restate NPM's, written for this test.
 * Knobs let tests inject 5xx answers and slow answers.
 */
import Ajv from "ajv";
import * as http from "node:http";
import { AddressInfo } from "node:net";

const domainNames = {
  type: "array",
  minItems: 1,
  maxItems: 100,
  uniqueItems: true,
  items: { type: "string", pattern: "^[^&| @!#%^();:/\\\\}{=+?<>,~`'\"]+$" },
};
const forwardScheme = { type: "string", enum: ["http", "https"] };
const forwardHost = { type: "string", minLength: 1, maxLength: 255 };
const forwardPort = { type: "integer", minimum: 1, maximum: 65535 };
const proxyHostProperties = {
  domain_names: domainNames,
  forward_scheme: forwardScheme,
  forward_host: forwardHost,
  forward_port: forwardPort,
  certificate_id: {
    anyOf: [
      { type: "integer", minimum: 0 },
      { type: "string", pattern: "^new$" },
    ],
  },
  ssl_forced: { type: "boolean" },
  hsts_enabled: { type: "boolean" },
  hsts_subdomains: { type: "boolean" },
  trust_forwarded_proto: { type: "boolean" },
  http2_support: { type: "boolean" },
  block_exploits: { type: "boolean" },
  caching_enabled: { type: "boolean" },
  allow_websocket_upgrade: { type: "boolean" },
  access_list_id: { type: "integer", minimum: 0 },
  advanced_config: { type: "string" },
  enabled: { type: "boolean" },
  meta: { type: "object" },
  locations: {
    type: "array",
    minItems: 0,
    items: {
      type: "object",
      required: ["forward_scheme", "forward_host", "forward_port", "path"],
      additionalProperties: false,
      properties: {
        id: { type: ["integer", "null"] },
        path: { type: "string", minLength: 1 },
        forward_scheme: forwardScheme,
        forward_host: forwardHost,
        forward_port: forwardPort,
        forward_path: { type: "string" },
        advanced_config: { type: "string" },
      },
    },
  },
};
const ajv = new Ajv({ allErrors: true });
const validatePost = ajv.compile({
  type: "object",
  additionalProperties: false,
  required: ["domain_names", "forward_scheme", "forward_host", "forward_port"],
  properties: proxyHostProperties,
});
const validatePut = ajv.compile({
  type: "object",
  additionalProperties: false,
  minProperties: 1,
  properties: proxyHostProperties,
});
const validateToken = ajv.compile({
  type: "object",
  additionalProperties: false,
  required: ["identity", "secret"],
  properties: {
    identity: { type: "string", minLength: 1 },
    secret: { type: "string", minLength: 1 },
    scope: { type: "string", enum: ["user"] },
  },
});

type Host = Record<string, unknown> & { id: number; domain_names: string[] };

export interface NpmDouble {
  readonly url: string;
  readonly hosts: Map<number, Host>;
  /** Requests received, as "METHOD path". */
  readonly requests: string[];
  /** Answer the next N proxy-host requests with 502. */
  failNext(count: number): void;
  /** Delay every answer by this many milliseconds. */
  delay(ms: number): void;
  /** Make nginx "reject" the next stored host (NPM then answers 200 with meta.nginx_online false). */
  nginxRejectsNext(output: string): void;
  close(): Promise<void>;
}

export async function startNpmDouble(identity: string, secret: string): Promise<NpmDouble> {
  const hosts = new Map<number, Host>();
  const tokens = new Set<string>();
  const requests: string[] = [];
  let nextId = 1;
  let nextCertificate = 100;
  let failures = 0;
  let delayMs = 0;
  let nginxError: string | undefined;

  const server = http.createServer((request, response) => {
    let raw = "";
    request.on("data", (chunk) => (raw += chunk));
    request.on("end", () => {
      const reply = (status: number, body: unknown) =>
        setTimeout(() => {
          response.writeHead(status, { "Content-Type": "application/json" });
          response.end(JSON.stringify(body));
        }, delayMs);
      const error = (status: number, message: string) => reply(status, { error: { code: status, message } });
      const path = (request.url ?? "").split("?")[0]!;
      requests.push(`${request.method} ${path}`);
      let body: unknown;
      try {
        body = raw === "" ? undefined : JSON.parse(raw);
      } catch {
        return error(400, "Invalid JSON");
      }

      if (path === "/api/tokens" && request.method === "POST") {
        if (!validateToken(body)) return error(400, ajv.errorsText(validateToken.errors));
        const credentials = body as { identity: string; secret: string };
        if (credentials.identity !== identity || credentials.secret !== secret)
          return error(401, "Invalid email or password");
        const token = `token-${tokens.size + 1}`;
        tokens.add(token);
        return reply(200, { token, expires: new Date(Date.now() + 86_400_000).toISOString() });
      }
      const auth = /^Bearer (.+)$/.exec(request.headers.authorization ?? "");
      if (auth === null || !tokens.has(auth[1]!)) return error(401, "Permission Denied");
      if (!path.startsWith("/api/nginx/proxy-hosts")) return error(404, "Not Found");
      if (failures > 0) {
        failures--;
        return error(502, "Bad Gateway");
      }
      const idMatch = /^\/api\/nginx\/proxy-hosts\/(\d+)$/.exec(path);
      const taken = (domains: string[], except?: number) =>
        domains.find((d) => [...hosts.values()].some((h) => h.id !== except && h.domain_names.includes(d)));
      const store = (id: number, fields: Record<string, unknown>, previous?: Host): Host => {
        const now = new Date().toISOString();
        const host: Host = {
          ...(previous ?? {
            created_on: now,
            owner_user_id: 1,
            enabled: true,
            access_list_id: 0,
            certificate_id: 0,
            meta: {},
          }),
          ...fields,
          id,
          modified_on: now,
          domain_names: (fields.domain_names as string[] | undefined) ?? previous!.domain_names,
        } as Host;
        // Requesting a certificate ("new") makes NPM obtain one and store its id.
        if (host.certificate_id === "new") host.certificate_id = nextCertificate++;
        host.meta = {
          ...(host.meta as object),
          nginx_online: nginxError === undefined,
          nginx_err: nginxError ?? null,
        };
        nginxError = undefined;
        host.locations = ((host.locations as Array<Record<string, unknown>> | undefined) ?? []).map(
          (l, i) => ({ id: i + 1, ...l }),
        );
        hosts.set(id, host);
        return host;
      };

      if (path === "/api/nginx/proxy-hosts" && request.method === "GET")
        return reply(200, [...hosts.values()]);
      if (path === "/api/nginx/proxy-hosts" && request.method === "POST") {
        if (!validatePost(body))
          return error(400, `data${ajv.errorsText(validatePost.errors, { dataVar: "" })}`);
        const fields = body as { domain_names: string[] };
        const used = taken(fields.domain_names);
        if (used !== undefined) return error(400, `${used} is already in use`);
        return reply(201, store(nextId++, fields));
      }
      if (idMatch === null) return error(404, "Not Found");
      const id = Number(idMatch[1]);
      const existing = hosts.get(id);
      if (existing === undefined) return error(404, "Not Found");
      if (request.method === "GET") return reply(200, existing);
      if (request.method === "DELETE") {
        hosts.delete(id);
        return reply(200, true);
      }
      if (request.method === "PUT") {
        if (!validatePut(body))
          return error(400, `data${ajv.errorsText(validatePut.errors, { dataVar: "" })}`);
        const fields = body as { domain_names?: string[] };
        const used = fields.domain_names === undefined ? undefined : taken(fields.domain_names, id);
        if (used !== undefined) return error(400, `${used} is already in use`);
        return reply(200, store(id, fields, existing));
      }
      return error(404, "Not Found");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hosts,
    requests,
    failNext: (count) => (failures = count),
    delay: (ms) => (delayMs = ms),
    nginxRejectsNext: (output) => (nginxError = output),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
