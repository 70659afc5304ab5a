/**
 * nginx configuration built from proxy-host definitions the way Nginx Proxy Manager v2.15.1 builds it
 * (backend/templates/proxy_host.conf and _location.conf): one `server` per proxy host, its `advanced_config`
 * pasted into the server block, one `location` per custom location proxying to
 * `forward_scheme://forward_host:forward_port` + `forward_path` with the location's own `advanced_config`, the
 * WebSocket upgrade headers when `allow_websocket_upgrade` is on (server level and each location), and a default `location /` to the host's
 * forward target unless a custom location claims `/`. TLS uses the lab CA's certificate for the organisation.
 */
import { NpmLocation, NpmProxyHost } from "../config-templates/npm-proxy-hosts";

const PROXY_HEADERS = [
  "proxy_set_header Host $host;",
  "proxy_set_header X-Forwarded-Scheme $scheme;",
  "proxy_set_header X-Forwarded-Proto $scheme;",
  "proxy_set_header X-Forwarded-For $remote_addr;",
  "proxy_set_header X-Real-IP $remote_addr;",
];

const WEBSOCKET = [
  "proxy_set_header Upgrade $http_upgrade;",
  "proxy_set_header Connection $http_connection;",
  "proxy_http_version 1.1;",
];

function indent(text: string, by: string): string {
  return text
    .split("\n")
    .map((line) => (line.trim() === "" ? "" : `${by}${line}`))
    .join("\n");
}

function locationBlock(host: NpmProxyHost, location: NpmLocation): string {
  // NPM's _location.conf order: the location's advanced_config first, then headers and proxy_pass.
  const body = [
    location.advanced_config,
    ...PROXY_HEADERS,
    `proxy_pass ${location.forward_scheme}://${location.forward_host}:${location.forward_port}${location.forward_path};`,
    ...(host.allow_websocket_upgrade ? WEBSOCKET : []),
  ].join("\n");
  return `location ${location.path} {\n${indent(body, "    ")}\n}`;
}

export interface TlsFiles {
  readonly listen: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export function serverBlock(host: NpmProxyHost, tls: TlsFiles): string {
  const locations = host.locations.map((location) => locationBlock(host, location));
  if (!host.locations.some((l) => l.path === "/")) {
    locations.push(
      locationBlock(host, {
        path: "/",
        forward_scheme: host.forward_scheme,
        forward_host: host.forward_host,
        forward_port: host.forward_port,
        forward_path: "",
        advanced_config: "",
      }),
    );
  }
  const body = [
    `listen ${tls.listen}:443 ssl;`,
    `server_name ${host.domain_names.join(" ")};`,
    `ssl_certificate ${tls.certFile};`,
    `ssl_certificate_key ${tls.keyFile};`,
    // proxy_host.conf: the flag's headers at server level too (inherited by locations without headers of their own).
    ...(host.allow_websocket_upgrade ? WEBSOCKET : []),
    host.advanced_config,
    ...locations,
  ].join("\n");
  return `server {\n${indent(body, "    ")}\n}`;
}

/** A whole nginx.conf for the lab: every stack's servers, state and logs under `dir`. */
export function nginxConf(dir: string, servers: readonly string[]): string {
  return [
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log info;`,
    "worker_processes 1;",
    // A call holds two connections per member (its signalling WebSocket, in and out) for as long as it lasts: at
    // 256 the capacity benchmark's calls stopped at 126 members (nginx: "worker_connections are not enough").
    "worker_rlimit_nofile 8192;",
    "events { worker_connections 4096; }",
    "http {",
    `    access_log ${dir}/access.log;`,
    `    client_body_temp_path ${dir}/tmp-body;`,
    `    proxy_temp_path ${dir}/tmp-proxy;`,
    `    fastcgi_temp_path ${dir}/tmp-fastcgi;`,
    `    uwsgi_temp_path ${dir}/tmp-uwsgi;`,
    `    scgi_temp_path ${dir}/tmp-scgi;`,
    "    default_type application/octet-stream;",
    // NPM writes this map into every host file (backend/templates/_hsts_map.conf); the rendered well-known
    // locations use it for their HSTS header.
    '    map $scheme $hsts_header { https "max-age=63072000; preload"; }',
    indent(servers.join("\n"), "    "),
    "}",
    "",
  ].join("\n");
}
