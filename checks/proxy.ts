import { Problem, problem } from "../config/problems";
import { StackPlan } from "../config-templates/plan";
import {
  LIVEKIT_SFU_PATH,
  advancedLocation,
  proxiedDomains,
  wellKnownLocationsOf,
} from "../config-templates/npm-proxy-hosts";
import { validateProxyHostBody } from "../facts/npm-api-schema";

/** Checks of the Nginx Proxy Manager hosts: CORS on the well-known files, Synapse and LiveKit paths, NPM's schema. */

/** Failure mode 4: without CORS on the well-known files, Element Call reports MISSING_MATRIX_RTC_FOCUS. */
export function checkWellKnownCors({ org, proxyHosts }: StackPlan): Problem[] {
  const problems: Problem[] = [];
  for (const host of proxyHosts) {
    for (const location of wellKnownLocationsOf(host)) {
      if (!/add_header\s+Access-Control-Allow-Origin\s+["']?\*["']?/.test(location.nginx)) {
        problems.push(
          problem(
            org.stack,
            "proxy",
            `${host.domain_names[0]}${location.path} is served without 'Access-Control-Allow-Origin: *': web clients (Element Call) cannot read it`,
            "serve the well-known files with the CORS header",
          ),
        );
      }
    }
  }
  const domains = proxiedDomains(proxyHosts);
  if (!domains.has(org.hosts.wellKnown)) {
    problems.push(
      problem(
        org.stack,
        "hosts.wellKnown",
        `no proxy host serves the well-known files for ${org.hosts.wellKnown}: federation and client discovery fail`,
        "point hosts.wellKnown at a host the proxy serves",
      ),
    );
  }
  return problems;
}

/**
 * Failure mode 8: proxy path mistakes. Synapse's paths must reach it with the URI untouched (a forward_path makes
 * nginx normalise it and breaks federation signatures); the LiveKit paths must strip their prefix.
 */
export function checkProxyPaths({ org, proxyHosts }: StackPlan): Problem[] {
  const problems: Problem[] = [];
  for (const host of proxyHosts) {
    for (const location of host.locations) {
      const domain = host.domain_names[0];
      if (/^\/_(matrix|synapse)/.test(location.path) && location.forward_path !== "") {
        problems.push(
          problem(
            org.stack,
            "proxy",
            `${domain}${location.path} forwards with forward_path '${location.forward_path}': nginx then rewrites the request URI and federation requests fail with "Invalid signature"`,
            "forward Synapse paths without a path (empty forward_path)",
          ),
        );
      }
      if (location.path.startsWith("/livekit/") && location.forward_path !== "/") {
        problems.push(
          problem(
            org.stack,
            "proxy",
            `${domain}${location.path} does not strip its prefix: lk-jwt-service and LiveKit serve at /`,
            "use forward_path '/' on the /livekit/jwt/ and /livekit/sfu/ locations",
          ),
        );
      }
    }
  }
  return problems;
}

/** A proxy host NPM would refuse (its v2.15.1 schema) fails here, not halfway through `pulumi up`. */
export function checkNpmSchema({ org, proxyHosts }: StackPlan): Problem[] {
  return proxyHosts.flatMap((host) =>
    validateProxyHostBody(host).map((v) =>
      problem(
        org.stack,
        "proxy",
        `proxy host ${host.domain_names[0] ?? "?"}: ${v.field} ${v.reason} (Nginx Proxy Manager would refuse it)`,
        "fix the proxy host definition (see NPM's proxy-host schema)",
      ),
    ),
  );
}

/** `proxy.adoptHosts` names hosts of this stack by a domain they serve; anything else is a typo that adopts nothing. */
export function checkAdoptHosts({ org, proxyHosts }: StackPlan): Problem[] {
  const served = proxiedDomains(proxyHosts);
  return org.proxy.adoptHosts
    .filter((name) => !served.has(name))
    .map((name) =>
      problem(
        org.stack,
        "proxy.adoptHosts",
        `lists ${name}, which no proxy host of this stack serves: it would take over nothing`,
        `list domains the stack proxies (${[...served].join(", ")}), one per host to take over`,
      ),
    );
}

/** Nginx Proxy Manager serves one proxy host per domain: a second host for a domain is refused halfway through up. */
export function checkDuplicateDomains({ org, proxyHosts }: StackPlan): Problem[] {
  const counts = new Map<string, number>();
  for (const host of proxyHosts)
    for (const domain of host.domain_names) counts.set(domain, (counts.get(domain) ?? 0) + 1);
  return [...counts]
    .filter(([, count]) => count > 1)
    .map(([domain]) => {
      // The server name's own host (hosts.wellKnown) is fixed; the other roles can move.
      const roles = Object.entries(org.hosts)
        .filter(([role, name]) => name === domain && role !== "turn")
        .map(([role]) => `hosts.${role}`);
      const movable = roles.filter((role) => role !== "hosts.wellKnown");
      return problem(
        org.stack,
        movable[movable.length - 1] ?? "hosts",
        `${roles.join(", ")} all name ${domain}: each is a proxy host of its own, and Nginx Proxy Manager refuses a second proxy host for a domain`,
        `give ${movable.join(" or ")} a hostname of its own`,
      );
    });
}

/**
 * Field failure 6: LiveKit's signalling is a WebSocket, and the headers that let it through must be where a
 * regenerated NPM config keeps them (NginxProxyManager#5699): in the RTC host's own `advanced_config`
 * (npm-proxy-hosts.ts `livekitSfuLocation`), with the prefix stripped, never as a custom location that relies on the
 * host's flag (two locations for one path: nginx refuses the file).
 */
export function checkLivekitSignalling({ org, proxyHosts }: StackPlan): Problem[] {
  if (!org.components.matrixRtc) return [];
  const host = proxyHosts.find((h) => h.domain_names.includes(org.hosts.rtc));
  const say = (message: string) =>
    problem(
      org.stack,
      "proxy",
      `${org.hosts.rtc}${LIVEKIT_SFU_PATH} ${message}`,
      "render the RTC host's LiveKit location as matrix-fleet writes it: in the host's advanced_config, with Upgrade, Connection, HTTP/1.1 and proxy_pass to LiveKit ending in /",
    );
  if (host === undefined) return [say("has no proxy host: no MatrixRTC client can reach LiveKit")];
  if (host.locations.some((l) => l.path === LIVEKIT_SFU_PATH))
    return [
      say(
        "is an NPM custom location, whose WebSocket headers depend on the host's flag, which NPM has been seen to drop when it regenerates the file",
      ),
    ];
  const nginx = advancedLocation(host, LIVEKIT_SFU_PATH);
  if (nginx === undefined)
    return [say("is not in the host's advanced_config: LiveKit's signalling has no route")];
  const missing = [
    [/proxy_set_header\s+Upgrade\s+\$http_upgrade;/, "Upgrade"],
    [/proxy_set_header\s+Connection\s+\S+;/, "Connection"],
    [/proxy_http_version\s+1\.1;/, "HTTP/1.1"],
    [
      new RegExp(`proxy_pass\\s+http://[^\\s;]+:${org.ports.livekitHttp}/;`),
      "a proxy_pass to LiveKit that strips the prefix",
    ],
  ]
    .filter(([pattern]) => !(pattern as RegExp).test(nginx))
    .map(([, what]) => what as string);
  return missing.length === 0
    ? []
    : [
        say(
          `lacks ${missing.join(", ")}: the WebSocket upgrade never reaches LiveKit, and every call stops at signalling`,
        ),
      ];
}
