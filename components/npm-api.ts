/**
 * The endpoints of Nginx Proxy Manager v2.15.1 the providers use, over `NpmClient` (docs/upstream/
 * nginx-proxy-manager.md §1-§6): proxy hosts, the other two host types that hold domain names (redirection and
 * 404 hosts), and certificates. Each returns what NPM answered or fails with a message naming the request.
 */
import { NpmAnswer, NpmClient, NpmError, errorMessage } from "./npm-client";

/** A host as NPM returns it: the fields it was given plus NPM's own (`id`, `meta.nginx_online`, ...). */
export type RemoteHost = Record<string, unknown> & {
  readonly id: number;
  readonly domain_names: string[];
  readonly meta?: Record<string, unknown>;
};

export interface RemoteCertificate {
  readonly id: number;
  readonly provider: string;
  readonly domain_names: string[];
  /** `YYYY-MM-DD HH:MM:SS` on SQLite (NPM's default), ISO elsewhere; see `parseNpmTime`. */
  readonly created_on: string;
  readonly expires_on: string;
  /** With `?expand=proxy_hosts,...`: the non-deleted hosts that use it. */
  readonly proxy_hosts?: RemoteHost[];
  readonly redirection_hosts?: RemoteHost[];
  readonly dead_hosts?: RemoteHost[];
  readonly streams?: unknown[];
}

/** The host types whose domain names NPM keeps unique among each other (backend/internal/host.js). */
export const HOST_KINDS = ["proxy-hosts", "redirection-hosts", "dead-hosts"] as const;
export type HostKind = (typeof HOST_KINDS)[number];

export const USERS_OF_CERTIFICATE = "proxy_hosts,redirection_hosts,dead_hosts,streams";

/** Domain names as NPM compares them for duplicates: case-insensitive; sorted, so a set compares as a string. */
export function domainKey(names: readonly string[]): string {
  return names
    .map((name) => name.toLowerCase())
    .sort()
    .join(",");
}

/** NPM's timestamps: `2026-06-11 09:12:33` (SQLite, container local time) or ISO; milliseconds, UTC assumed. */
export function parseNpmTime(text: string): number {
  const plain = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})/.exec(text);
  return plain === null ? Number.NaN : Date.parse(`${plain[1]}T${plain[2]}Z`);
}

/**
 * True once certbot has finished: NPM inserts the row with `expires_on = now()` before it runs certbot and sets
 * the real expiry (about 90 days ahead) after (backend/internal/certificate.js). Both stamps share one clock.
 */
export function isIssued(certificate: RemoteCertificate): boolean {
  return parseNpmTime(certificate.expires_on) - parseNpmTime(certificate.created_on) > 86_400_000;
}

function expectList<T>(client: NpmClient, what: string, answer: NpmAnswer): T[] {
  if (answer.status !== 200 || !Array.isArray(answer.json)) client.fail(what, answer);
  return answer.json as T[];
}

/** `undefined` when NPM says the id is not there (404 `Not Found - <id>`). */
function expectOne<T>(client: NpmClient, what: string, answer: NpmAnswer): T | undefined {
  if (answer.status === 404) return undefined;
  if (answer.status !== 200) client.fail(what, answer);
  return answer.json as T;
}

export async function listHosts(client: NpmClient, kind: HostKind): Promise<RemoteHost[]> {
  const what = `list ${kind}`;
  return expectList<RemoteHost>(client, what, await client.get(`/api/nginx/${kind}`, what));
}

export async function getProxyHost(client: NpmClient, id: number): Promise<RemoteHost | undefined> {
  const what = `read proxy host ${id}`;
  return expectOne<RemoteHost>(client, what, await client.get(`/api/nginx/proxy-hosts/${id}`, what));
}

const REJECTED_FIELD = " (NPM rejected the proxy host; the message names the field or the domain)";

/** Sent once; `NpmUnanswered` when NPM may or may not have stored it. */
export async function createProxyHost(client: NpmClient, body: unknown, what: string): Promise<RemoteHost> {
  const answer = await client.write("POST", "/api/nginx/proxy-hosts", body, what);
  if (answer.status !== 201) client.fail(what, answer, answer.status === 400 ? REJECTED_FIELD : "");
  return answer.json as RemoteHost;
}

export async function updateProxyHost(
  client: NpmClient,
  id: number,
  body: unknown,
  what: string,
): Promise<RemoteHost> {
  const answer = await client.write("PUT", `/api/nginx/proxy-hosts/${id}`, body, what);
  if (answer.status !== 200) client.fail(what, answer, answer.status === 400 ? REJECTED_FIELD : "");
  return answer.json as RemoteHost;
}

/** A host that is already gone counts as deleted. */
export async function deleteProxyHost(client: NpmClient, id: number): Promise<void> {
  const what = `delete proxy host ${id}`;
  const answer = await client.delete(`/api/nginx/proxy-hosts/${id}`, what);
  if (answer.status !== 200 && answer.status !== 404) client.fail(what, answer);
}

export async function listCertificates(client: NpmClient, expand?: string): Promise<RemoteCertificate[]> {
  const what = "list certificates";
  const query = expand === undefined ? "" : `?expand=${expand}`;
  return expectList<RemoteCertificate>(
    client,
    what,
    await client.get(`/api/nginx/certificates${query}`, what),
  );
}

export async function getCertificate(
  client: NpmClient,
  id: number,
  expand?: string,
): Promise<RemoteCertificate | undefined> {
  const what = `read certificate ${id}`;
  const query = expand === undefined ? "" : `?expand=${expand}`;
  return expectOne(client, what, await client.get(`/api/nginx/certificates/${id}${query}`, what));
}

/**
 * Requests a Let's Encrypt certificate (HTTP-01) and waits for certbot: sent once, with the long timeout. A 5xx
 * is certbot failing (NPM then deletes the row) and comes back as `NpmUnanswered` like a timeout, for the caller
 * to look at what NPM kept.
 */
export async function createCertificate(
  client: NpmClient,
  domainNames: readonly string[],
  what: string,
): Promise<RemoteCertificate> {
  const body = { provider: "letsencrypt", domain_names: domainNames, meta: { dns_challenge: false } };
  const answer = await client.write(
    "POST",
    "/api/nginx/certificates",
    body,
    what,
    client.certificateTimeoutMs,
  );
  if (answer.status !== 201) client.fail(what, answer);
  return answer.json as RemoteCertificate;
}

export async function deleteCertificate(client: NpmClient, id: number): Promise<void> {
  const what = `delete certificate ${id}`;
  const answer = await client.delete(`/api/nginx/certificates/${id}`, what);
  if (answer.status !== 200 && answer.status !== 404) client.fail(what, answer);
}

/**
 * What breaks NPM's nginx as far as its API shows it: enabled hosts whose certificate was deleted. NPM keeps their
 * `certificate_id` and their config pointing at the revoked files, and every later `nginx -t` fails (§6.1, DELETE),
 * so every other host's write fails too. `?expand=certificate` gives `certificate: null` for such a host (the
 * relation skips deleted rows). One line per culprit, naming its type, id, names and the certificate.
 */
export async function brokenNginxCulprits(client: NpmClient): Promise<string[]> {
  const culprits: string[] = [];
  for (const kind of HOST_KINDS) {
    const what = `list ${kind} with their certificates`;
    const answer = await client.get(`/api/nginx/${kind}?expand=certificate`, what);
    for (const host of expectList<RemoteHost>(client, what, answer)) {
      const id = Number(host.certificate_id);
      if (host.enabled !== false && id > 0 && host.certificate === null)
        culprits.push(
          `${kind.replace(/s$/, "")} ${host.id} (${host.domain_names.join(", ")}) uses certificate ${id}, which was deleted, so its nginx config points at files that are gone`,
        );
    }
  }
  return culprits;
}

/** Hosts of any type that serve one of `names` (case-insensitively), with their type. */
export async function hostsServing(
  client: NpmClient,
  names: readonly string[],
): Promise<Array<{ kind: HostKind; host: RemoteHost }>> {
  const wanted = new Set(names.map((name) => name.toLowerCase()));
  const found: Array<{ kind: HostKind; host: RemoteHost }> = [];
  for (const kind of HOST_KINDS) {
    for (const host of await listHosts(client, kind))
      if (host.domain_names.some((name) => wanted.has(name.toLowerCase()))) found.push({ kind, host });
  }
  return found;
}

export { NpmError, errorMessage };
