/**
 * OpenID validation as lk-jwt-service v0.5.0 does it through gomatrixserverlib (`LookupUserInfo`): resolve the
 * token's `matrix_server_name` the federation way (IP literal or explicit port; else `/.well-known/matrix/server`,
 * whose `m.server` is resolved again without well-known; else SRV `_matrix-fed._tcp` then `_matrix._tcp`; else port
 * 8448), then `GET /_matrix/federation/v1/openid/userinfo` there, and check that `sub` belongs to that server
 * (docs/upstream/lk-jwt-service.md, "v0.5.0 request handling" §4). Node's standard library only.
 */
import { isIP } from "node:net";
import { Outbound, request } from "./lk-jwt-outbound";

export interface SrvRecord {
  readonly name: string;
  readonly port: number;
  readonly priority: number;
  readonly weight: number;
}

/** SRV records of a name; an empty list when there are none (or the lookup failed). */
export type SrvLookup = (name: string) => Promise<SrvRecord[]>;

/** Where to send a federation request for a server name: address, port, `Host` header and TLS name. */
interface Target {
  readonly host: string;
  readonly port: number;
  readonly hostHeader: string;
  readonly tlsName: string;
}

/** gomatrixserverlib reads at most this much of a well-known file. */
const WELL_KNOWN_LIMIT = 50 * 1024;
/** Go's default client follows at most 10 redirects. */
const MAX_REDIRECTS = 10;

/** The Matrix user ID the homeserver of `serverName` says the token belongs to; rejects with the reason. */
export async function lookupUserInfo(
  outbound: Outbound,
  srv: SrvLookup,
  serverName: string,
  accessToken: string,
): Promise<string> {
  const targets = await resolveServer(outbound, srv, serverName, true);
  const failures: string[] = [];
  for (const target of targets) {
    const host = isIP(target.host) === 6 ? `[${target.host}]` : target.host;
    const url = new URL(
      `https://${host}:${target.port}/_matrix/federation/v1/openid/userinfo?access_token=${encodeURIComponent(accessToken)}`,
    );
    let response;
    try {
      response = await request(outbound, {
        url,
        headers: { Host: target.hostHeader },
        servername: target.tlsName,
      });
    } catch (error) {
      failures.push((error as Error).message);
      continue;
    }
    const text = response.body.toString("utf8");
    if (response.status < 200 || response.status > 299) throw new Error(`HTTP ${response.status} : ${text}`);
    const sub = (JSON.parse(text) as { sub?: unknown }).sub;
    const separator = typeof sub === "string" ? sub.indexOf(":") : -1;
    if (typeof sub !== "string" || separator < 0 || sub.slice(separator + 1) !== serverName)
      throw new Error("userID doesn't match server name");
    return sub;
  }
  throw new Error(`no server of ${serverName} answered: ${failures.join("; ")}`);
}

async function resolveServer(
  outbound: Outbound,
  srv: SrvLookup,
  serverName: string,
  wellKnown: boolean,
): Promise<Target[]> {
  const { host, port } = splitHostPort(serverName);
  if (isIP(host) !== 0 || port !== undefined)
    return [{ host, port: port ?? 8448, hostHeader: serverName, tlsName: host }];
  if (wellKnown) {
    const delegated = await fetchWellKnown(outbound, serverName);
    if (delegated !== undefined) return resolveServer(outbound, srv, delegated, false);
  }
  for (const service of ["_matrix-fed._tcp", "_matrix._tcp"]) {
    const records = await srv(`${service}.${host}`);
    if (records.length > 0)
      return [...records]
        .sort((a, b) => a.priority - b.priority || b.weight - a.weight)
        .map((r) => ({
          host: r.name.replace(/\.$/, ""),
          port: r.port,
          hostHeader: serverName,
          tlsName: host,
        }));
  }
  return [{ host, port: 8448, hostHeader: serverName, tlsName: host }];
}

/** `m.server` of `https://<name>/.well-known/matrix/server`, following redirects; undefined when there is none. */
async function fetchWellKnown(outbound: Outbound, serverName: string): Promise<string | undefined> {
  let url = new URL(`https://${serverName}/.well-known/matrix/server`);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    let response;
    try {
      response = await request(outbound, { url, maxBytes: WELL_KNOWN_LIMIT + 1 });
    } catch {
      return undefined;
    }
    const location = response.headers.location;
    if (response.status >= 300 && response.status < 400 && typeof location === "string") {
      url = new URL(location, url);
      continue;
    }
    if (response.status !== 200 || response.body.length > WELL_KNOWN_LIMIT) return undefined;
    try {
      const server = (JSON.parse(response.body.toString("utf8")) as { "m.server"?: unknown })["m.server"];
      return typeof server === "string" && server !== "" ? server : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** `host`, `host:port`, `1.2.3.4:port`, `[::1]:port`. */
function splitHostPort(name: string): { host: string; port: number | undefined } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(name);
  if (bracketed)
    return { host: bracketed[1]!, port: bracketed[2] === undefined ? undefined : Number(bracketed[2]) };
  const colon = name.lastIndexOf(":");
  if (colon < 0 || isIP(name) === 6) return { host: name, port: undefined };
  return { host: name.slice(0, colon), port: Number(name.slice(colon + 1)) };
}
