import { OrgConfig } from "../config/model";
import { lkJwtDelegatesLeave } from "../model/release";
import { EnvFile } from "./formats";
import { NpmProxyHost, proxiedDomains } from "./npm-proxy-hosts";

/** One `/etc/hosts` line of a container: Docker's `--add-host name:ip`, the provider's `hosts` entry. */
export interface HostEntry {
  readonly name: string;
  readonly ip: string;
  /** What lk-jwt-service fetches from that name (for summary.md and the verify hints). */
  readonly why: string;
}

/** A public name lk-jwt-service contacts for its own organisation's users. */
export interface OwnName {
  readonly name: string;
  readonly why: string;
}

/**
 * The public names lk-jwt-service v0.5.0 contacts when a user of this organisation asks for a token
 * (docs/upstream/lk-jwt-service.md, "v0.5.0 request handling" §3 and §4), read from the documents it is deployed
 * with: the server name's well-known (server-name resolution, redirects followed, so the well-known host too), the
 * delegated `m.server` (OpenID userinfo on the federation API) and `LIVEKIT_URL`'s host (room creation through
 * LiveKit's Twirp RoomService below that URL).
 */
export function lkJwtOwnNames(
  org: OrgConfig,
  wellKnownServer: Readonly<Record<string, unknown>>,
  lkJwt: EnvFile,
): OwnName[] {
  const names: OwnName[] = [
    { name: org.serverName, why: "OpenID: the server name's /.well-known/matrix/server" },
    { name: org.hosts.wellKnown, why: "OpenID: the server name's /.well-known/matrix/server" },
  ];
  const delegated = hostOf(wellKnownServer["m.server"]);
  if (delegated !== undefined)
    names.push({ name: delegated, why: "OpenID: /_matrix/federation/v1/openid/userinfo on m.server" });
  const livekit = hostOf(lkJwt.LIVEKIT_URL, true);
  if (livekit !== undefined)
    names.push({ name: livekit, why: "room creation: LiveKit's RoomService below LIVEKIT_URL" });
  // 0.6.0 restarts and sends delegated leave events on the Client-Server API that the server name's
  // /.well-known/matrix/client names (helper.go resolveCsApiUrl; the well-known itself is the server name's).
  if (lkJwtDelegatesLeave(org))
    names.push({
      name: org.hosts.homeserver,
      why: "delegated leave: the Client-Server API's delayed events",
    });
  // One entry per name (DNS names are case-insensitive), with every reason it is contacted for.
  const byName = new Map<string, OwnName>();
  for (const { name, why } of names) {
    const known = byName.get(name.toLowerCase());
    if (known === undefined) byName.set(name.toLowerCase(), { name, why });
    else if (!known.why.includes(why))
      byName.set(name.toLowerCase(), { name: known.name, why: `${known.why}; ${why}` });
  }
  return [...byName.values()];
}

/**
 * Host entries that let lk-jwt-service reach its own organisation's public names on the LAN: each of those names
 * that this stack's proxy serves, pointed at the proxy's LAN address. Behind a router without hairpin NAT (and
 * without split DNS) a container on the Docker host resolves them to the WAN address and never gets an answer;
 * through these entries it reaches the same proxy host, with the same certificate, without the router. A name the
 * proxy does not serve gets no entry: pointing it at the proxy would send it to the wrong server.
 */
export function lkJwtHostEntries(
  org: OrgConfig,
  wellKnownServer: Readonly<Record<string, unknown>>,
  lkJwt: EnvFile,
  proxyHosts: readonly NpmProxyHost[],
): HostEntry[] {
  const served = proxiedDomains(proxyHosts);
  return lkJwtOwnNames(org, wellKnownServer, lkJwt)
    .filter(({ name }) => served.has(name.toLowerCase()))
    .map(({ name, why }) => ({ name, ip: org.proxy.lanIp, why }));
}

/** The host part of `host[:port]` (a well-known `m.server`) or of a URL; undefined when there is none. */
function hostOf(value: unknown, isUrl = false): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  try {
    const host = new URL(isUrl ? value : `https://${value}`).hostname;
    return host === "" ? undefined : host;
  } catch {
    return undefined;
  }
}
