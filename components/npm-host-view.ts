/**
 * How a proxy host NPM stores compares with the one this project renders (components/npm-proxy-host.ts): the
 * fields managed, drift, nginx's verdict, and a stored host as a body that restores it.
 */
import type { NpmProxyHost } from "../config-templates/npm-proxy-hosts";
import type { RemoteHost } from "./npm-api";

/** The fields of a host this resource manages, i.e. those of the body it sends. */
export const FIELDS = [
  "domain_names",
  "forward_scheme",
  "forward_host",
  "forward_port",
  "access_list_id",
  "certificate_id",
  "ssl_forced",
  "hsts_enabled",
  "hsts_subdomains",
  "http2_support",
  "block_exploits",
  "caching_enabled",
  "allow_websocket_upgrade",
  "advanced_config",
  "meta",
  "locations",
] as const;

/** A body as NPM stores it: domain names sorted (backend/models/proxy_host.js). */
export function normalised(host: NpmProxyHost): NpmProxyHost {
  return { ...host, domain_names: [...host.domain_names].sort() };
}

/**
 * The part of a stored host this resource manages, for drift: NPM's own meta keys are left out, except a
 * `nginx_online: false`, which is drift (nginx does not serve the host) that the next update repairs. Without a
 * desired body (an import), every managed field as stored.
 */
export function managedView(remote: RemoteHost, desired?: NpmProxyHost): NpmProxyHost {
  const view: Record<string, unknown> = {};
  for (const field of FIELDS) view[field] = remote[field];
  view.domain_names = [...remote.domain_names].sort();
  const meta = remote.meta ?? {};
  view.meta = Object.fromEntries(Object.keys(desired?.meta ?? {}).map((key) => [key, meta[key]]));
  if (meta.nginx_online === false)
    view.meta = { ...(view.meta as object), nginx_online: false, nginx_err: meta.nginx_err ?? null };
  // v2.15.1 stores locations as sent (no ids) and `null` when never sent; hosts made elsewhere may carry ids.
  view.locations = ((remote.locations ?? []) as Array<Record<string, unknown>>).map(
    ({ id: _id, ...location }) => location,
  );
  return view as unknown as NpmProxyHost;
}

/** Why nginx does not serve a stored host, or undefined when it does (or the host is disabled). */
export function nginxProblem(host: RemoteHost): string | undefined {
  const meta = host.meta ?? {};
  if (host.enabled === false || meta.nginx_online === true) return undefined;
  if (meta.nginx_online === false)
    return `nginx rejected its config: ${String(meta.nginx_err ?? "no output")}`;
  return "NPM did not configure nginx for it (its first `nginx -t` failed: NPM's nginx configuration was broken before, e.g. by a host whose certificate was deleted)";
}

/** A stored host as a PUT body that puts it back (only the fields PUT takes; NPM re-adds its meta keys). */
export function restorable(host: RemoteHost): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of FIELDS)
    if (host[field] !== null && host[field] !== undefined) body[field] = host[field];
  const meta = { ...host.meta };
  delete meta.nginx_online;
  delete meta.nginx_err;
  return { ...body, meta };
}
