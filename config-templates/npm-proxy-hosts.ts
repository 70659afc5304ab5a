import { OrgConfig } from "../config/model";
import { wellKnownClientDocument, wellKnownServerDocument } from "./well-known";

/**
 * Nginx Proxy Manager proxy hosts, in NPM's own API schema (backend/schema/components/proxy-host-object.json):
 * the JSON body of `POST /api/nginx/proxy-hosts`. NPM writes each host into an nginx `server` block: its
 * `locations` become `location` blocks that proxy to `forward_host:forward_port` + `forward_path`, and
 * `advanced_config` is pasted into the server block as is.
 */
export interface NpmLocation {
  readonly path: string;
  readonly forward_scheme: "http" | "https";
  readonly forward_host: string;
  readonly forward_port: number;
  /**
   * Appended to the upstream in `proxy_pass`: empty passes the request URI untouched; `/` replaces the matched
   * prefix (nginx semantics) and makes nginx normalise the URI.
   */
  readonly forward_path: string;
  readonly advanced_config: string;
}

export interface NpmProxyHost {
  readonly domain_names: string[];
  readonly forward_scheme: "http" | "https";
  readonly forward_host: string;
  readonly forward_port: number;
  readonly access_list_id: number;
  readonly certificate_id: number | "new";
  readonly ssl_forced: boolean;
  readonly hsts_enabled: boolean;
  readonly hsts_subdomains: boolean;
  readonly http2_support: boolean;
  readonly block_exploits: boolean;
  readonly caching_enabled: boolean;
  readonly allow_websocket_upgrade: boolean;
  readonly advanced_config: string;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly locations: NpmLocation[];
}

/** The prefix LiveKit's signalling is proxied under (lk-jwt-service's LIVEKIT_URL ends in it, model/topology.ts). */
export const LIVEKIT_SFU_PATH = "/livekit/sfu/";

/**
 * LiveKit's signalling WebSocket, as a location of the host's own `advanced_config` rather than an NPM custom
 * location with the host's "Websockets Support" flag: NPM has been seen to regenerate a host's file without the flag's
 * Upgrade headers although its database holds the flag (NginxProxyManager#5699), while `advanced_config` is pasted
 * verbatim into every regenerated file (backend/templates/proxy_host.conf @ v2.15.1). The headers are those NPM's
 * `_location.conf` writes; `proxy_http_version` here cannot clash with the flag's (a custom location carrying it
 * would, in the same block, when the flag is on: nginx refuses a duplicate). Prefix stripped by the `/` after the
 * port; 120 s and no buffering for the long-lived socket (element-call docs/self_hosting.md).
 */
export function livekitSfuLocation(org: OrgConfig): string {
  return [
    `location ${LIVEKIT_SFU_PATH} {`,
    "    proxy_set_header Host $host;",
    "    proxy_set_header X-Forwarded-Scheme $scheme;",
    "    proxy_set_header X-Forwarded-Proto $scheme;",
    "    proxy_set_header X-Forwarded-For $remote_addr;",
    "    proxy_set_header X-Real-IP $remote_addr;",
    "    proxy_set_header Upgrade $http_upgrade;",
    "    proxy_set_header Connection $http_connection;",
    "    proxy_http_version 1.1;",
    "    proxy_read_timeout 120s;",
    "    proxy_send_timeout 120s;",
    "    proxy_buffering off;",
    "    proxy_set_header Accept-Encoding gzip;",
    `    proxy_pass http://${org.proxy.forwardHost}:${org.ports.livekitHttp}/;`,
    "}",
  ].join("\n");
}

/** A location of a host's `advanced_config` by its path (exact or prefix), with its nginx text; undefined if none. */
export function advancedLocation(host: NpmProxyHost, path: string): string | undefined {
  const escaped = path.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return new RegExp(`location\\s+(?:\\^~\\s+|=\\s+)?${escaped}\\s*\\{([^}]*)\\}`).exec(
    host.advanced_config,
  )?.[1];
}

/**
 * An exact-match location that answers with a JSON document and the CORS header web clients need. Its own
 * `add_header` stops nginx from inheriting the server's, so it repeats NPM's HSTS header: `$hsts_header` comes
 * from the `map` NPM writes into every host file (backend/templates/_hsts_map.conf) and is empty over plain http
 * (docs/upstream/nginx-proxy-manager.md §6.7). The document goes into an nginx single-quoted string, where `$`
 * would be expanded as a variable: refuse it rather than serve something else.
 */
export function wellKnownLocation(path: string, document: Readonly<Record<string, unknown>>): string {
  const json = JSON.stringify(document);
  if (/[$'\\]/.test(json))
    throw new Error(`well-known document for ${path} contains a character nginx would alter`);
  return [
    `location = ${path} {`,
    "    default_type application/json;",
    '    add_header Access-Control-Allow-Origin "*" always;',
    "    add_header Strict-Transport-Security $hsts_header always;",
    `    return 200 '${json}';`,
    "}",
  ].join("\n");
}

interface HostOptions {
  websocket?: boolean;
  advanced?: string[];
  locations?: NpmLocation[];
}

/**
 * Builds hosts and locations with what every host of the stack shares: upstream, certificate, security flags.
 * `certificate_id: "new"` stands for a Let's Encrypt certificate for the host's names, which `pulumi up`
 * requests once as its own resource (components/npm-certificate.ts) and whose id it sends instead; no meta:
 * NPM v2.15 reads no e-mail from it (docs/upstream/nginx-proxy-manager.md §6.1).
 */
function hostBuilder(org: OrgConfig) {
  const upstream = org.proxy.forwardHost;
  const certificate = org.proxy.certificate.kind === "existing" ? org.proxy.certificate.id : "new";
  const meta = {};
  const host = (domain: string, forwardPort: number, options: HostOptions = {}): NpmProxyHost => ({
    domain_names: [domain],
    forward_scheme: "http",
    forward_host: upstream,
    forward_port: forwardPort,
    access_list_id: 0,
    certificate_id: certificate,
    ssl_forced: true,
    hsts_enabled: true,
    hsts_subdomains: false,
    http2_support: true,
    block_exploits: true,
    caching_enabled: false,
    allow_websocket_upgrade: options.websocket ?? false,
    advanced_config: (options.advanced ?? []).join("\n"),
    meta,
    locations: options.locations ?? [],
  });
  const location = (path: string, port: number, forwardPath: string, advanced = ""): NpmLocation => ({
    path,
    forward_scheme: "http",
    forward_host: upstream,
    forward_port: port,
    forward_path: forwardPath,
    advanced_config: advanced,
  });
  return { host, location };
}

export function proxyHostDocuments(org: OrgConfig): NpmProxyHost[] {
  const { host, location } = hostBuilder(org);
  const wellKnown = [
    wellKnownLocation("/.well-known/matrix/server", wellKnownServerDocument(org)),
    wellKnownLocation("/.well-known/matrix/client", wellKnownClientDocument(org)),
  ].join("\n");
  const bodySize = `client_max_body_size ${org.proxy.clientMaxBodySize};`;
  const hosts: NpmProxyHost[] = [];
  const c = org.components;

  // Synapse: client API, federation (on 443: no 8448 in this fleet) and Synapse's own client pages. No
  // forward_path: with a URI in proxy_pass nginx normalises the request URI (decoding %21 in room IDs and the
  // like), and federation requests, whose signature covers the URI, fail with "Invalid signature"
  // (Synapse docs/reverse_proxy.md). The call lab caught exactly this.
  const synapseLocations = [
    location("/_matrix", org.ports.synapse, "", bodySize),
    location("/_synapse/client", org.ports.synapse, ""),
  ];
  // The admin API is only exposed when the admin UI, which calls it from the browser, is deployed.
  if (c.ketesa) synapseLocations.push(location("/_synapse/admin", org.ports.synapse, ""));
  const homeserverAdvanced = [bodySize];
  if (!c.ketesa) homeserverAdvanced.push("location ^~ /_synapse/admin {\n    return 404;\n}");
  // Clients that discover through the homeserver host find the same files there.
  homeserverAdvanced.push(wellKnown);
  hosts.push(
    host(org.hosts.homeserver, org.ports.synapse, {
      advanced: homeserverAdvanced,
      locations: synapseLocations,
    }),
  );

  // The server name's own host, when delegated: only the well-known files matter there.
  if (org.hosts.wellKnown !== org.hosts.homeserver) {
    const landing = c.elementWeb ? org.ports.elementWeb : org.ports.synapse;
    hosts.push(host(org.hosts.wellKnown, landing, { advanced: [wellKnown] }));
  }

  if (c.elementWeb) hosts.push(host(org.hosts.element, org.ports.elementWeb));

  if (c.matrixRtc) {
    // One host, two prefixes, each stripped, as element-call documents: lk-jwt-service's as a custom location
    // (the trailing `/` in forward_path), LiveKit's in the host's own text with its WebSocket headers pinned.
    hosts.push(
      host(org.hosts.rtc, org.ports.lkJwt, {
        websocket: true,
        advanced: [livekitSfuLocation(org)],
        locations: [location("/livekit/jwt/", org.ports.lkJwt, "/")],
      }),
    );
  }

  if (c.jitsi) hosts.push(host(org.hosts.jitsi, org.ports.jitsiWeb, { websocket: true }));
  if (c.ketesa) hosts.push(host(org.hosts.admin, org.ports.ketesa));

  return hosts;
}

/** Every domain the proxy serves (a TURN hostname must not be one of them). */
export function proxiedDomains(hosts: readonly NpmProxyHost[]): Set<string> {
  return new Set(hosts.flatMap((h) => h.domain_names.map((d) => d.toLowerCase())));
}

/** The well-known exact-match locations a host's `advanced_config` carries, with their nginx text. */
export function wellKnownLocationsOf(host: NpmProxyHost): Array<{ path: string; nginx: string }> {
  const pattern = /location\s*=\s*(\/\.well-known\/matrix\/[a-z]+)\s*\{([^}]*)\}/g;
  return [...host.advanced_config.matchAll(pattern)].map((m) => ({ path: m[1] ?? "", nginx: m[2] ?? "" }));
}
