import { formatPortSpec, formatRange } from "../config/ports";
import { isPinned } from "../facts/images";
import { isPlainObject } from "../config/merge";
import { OrgConfig, PortRange, Protocol } from "../config/model";
import { StackPlan } from "../documents/plan";
import { Problem, problem } from "../config/problems";
import { validateProxyHostBody } from "../facts/npm-proxy-host-schema";
import { isSecretPlaceholder } from "../facts/secrets";
import { livekitPublicUrl } from "../model/topology";
import { LIVEKIT_KNOWN_KEYS } from "../facts/livekit";
import { proxiedDomains, wellKnownLocationsOf } from "../documents/npm-proxy-hosts";

/**
 * Preflight: every known production failure that can be decided from configuration, checked on the documents
 * that would be deployed (overrides included). Pure; returns all problems at once.
 * Each check cites the failure mode it prevents (numbers from shared/reference/matrix-rtc-facts.md).
 */
export function preflight(plan: StackPlan): Problem[] {
  return [
    ...checkImagesPinned(plan),
    ...checkPortClashes(plan),
    ...checkRouterForwards(plan),
    ...checkSynapseBasics(plan),
    ...checkTurn(plan),
    ...checkMatrixRtc(plan),
    ...checkLivekit(plan),
    ...checkLkJwt(plan),
    ...checkWellKnownCors(plan),
    ...checkProxyPaths(plan),
    ...checkNpmSchema(plan),
    ...checkFederationList(plan),
    ...checkBodySize(plan),
  ];
}

function checkImagesPinned({ org }: StackPlan): Problem[] {
  return Object.entries(org.images)
    .filter(([, image]) => !isPinned(image))
    .map(([name, image]) =>
      problem(
        org.stack,
        `images.${name}`,
        `image '${image}' is not pinned to a version; a moving tag changes what runs without a config change`,
        "use an explicit version tag or digest, e.g. repo:v1.2.3",
      ),
    );
}

interface PortUse {
  readonly protocol: Protocol;
  readonly range: PortRange;
  readonly key: string;
  readonly what: string;
}

/** Ports the stack binds on the Docker host (host networking and published ports share one port space). */
export function hostPortUses(org: OrgConfig): PortUse[] {
  const one = (port: number): PortRange => ({ start: port, end: port });
  const p = org.ports;
  const uses: PortUse[] = [{ protocol: "tcp", range: one(p.synapse), key: "ports.synapse", what: "Synapse" }];
  const c = org.components;
  if (c.coturn) {
    uses.push(
      { protocol: "udp", range: one(p.turn), key: "ports.turn", what: "coturn listener" },
      { protocol: "tcp", range: one(p.turn), key: "ports.turn", what: "coturn listener" },
      { protocol: "udp", range: p.turnRelay, key: "ports.turnRelay", what: "coturn relay range" },
    );
    if (org.turn.tls)
      uses.push({ protocol: "tcp", range: one(p.turnTls), key: "ports.turnTls", what: "coturn TLS" });
  }
  if (c.matrixRtc) {
    uses.push(
      { protocol: "tcp", range: one(p.livekitHttp), key: "ports.livekitHttp", what: "LiveKit signalling" },
      { protocol: "tcp", range: one(p.livekitTcp), key: "ports.livekitTcp", what: "LiveKit ICE/TCP" },
      { protocol: "udp", range: p.livekitUdp, key: "ports.livekitUdp", what: "LiveKit media range" },
      { protocol: "tcp", range: one(p.lkJwt), key: "ports.lkJwt", what: "lk-jwt-service" },
    );
  }
  if (c.jitsi) {
    uses.push(
      { protocol: "udp", range: one(p.jvb), key: "ports.jvb", what: "Jitsi videobridge" },
      { protocol: "tcp", range: one(p.jitsiWeb), key: "ports.jitsiWeb", what: "Jitsi web" },
    );
  }
  if (c.elementWeb)
    uses.push({ protocol: "tcp", range: one(p.elementWeb), key: "ports.elementWeb", what: "Element Web" });
  if (c.ketesa) uses.push({ protocol: "tcp", range: one(p.ketesa), key: "ports.ketesa", what: "Ketesa" });
  return uses;
}

export function rangesOverlap(a: PortRange, b: PortRange): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/** Failure mode 1/10: two services on one port range means one of them cannot bind, or media goes to the wrong one. */
function checkPortClashes({ org }: StackPlan): Problem[] {
  const uses = hostPortUses(org);
  const problems: Problem[] = [];
  for (let i = 0; i < uses.length; i++) {
    for (let j = i + 1; j < uses.length; j++) {
      const a = uses[i]!;
      const b = uses[j]!;
      if (a.protocol !== b.protocol || !rangesOverlap(a.range, b.range)) continue;
      if (a.key === b.key) continue;
      problems.push(
        problem(
          org.stack,
          b.key,
          `${b.what} (${b.protocol}/${formatRange(b.range)}) overlaps ${a.what} (${a.protocol}/${formatRange(a.range)}, matrix-fleet:${a.key})`,
          "give each service its own ports; relay ranges must not overlap",
        ),
      );
    }
  }
  return problems;
}

/** Failure mode 1: calls work on Wi-Fi and die on mobile data when a relay range is not forwarded. */
function checkRouterForwards({ org, routerForwards }: StackPlan): Problem[] {
  const declared = org.network.routerForwards;
  return routerForwards
    .filter(
      (needed) =>
        !declared.some(
          (d) =>
            d.protocol === needed.protocol &&
            d.range.start <= needed.range.start &&
            d.range.end >= needed.range.end,
        ),
    )
    .map((missing) => {
      const spec = formatPortSpec(missing);
      return problem(
        org.stack,
        "network.routerForwards",
        `${spec} (${missing.service}: ${missing.why}) is not forwarded by the router`,
        `forward ${spec} to ${missing.target} on the router (same ports), then add '${spec}' to network.routerForwards`,
      );
    });
}

function checkSynapseBasics({ org, synapse }: StackPlan): Problem[] {
  const hs = synapse.homeserver;
  const problems: Problem[] = [];
  if (hs.report_stats === undefined) {
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.report_stats",
        "report_stats is missing; Synapse refuses to start without it",
        "do not remove report_stats in overrides",
      ),
    );
  }
  if ("experimental_features" in hs && hs.experimental_features === null) {
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.experimental_features",
        "experimental_features is null; Synapse >= 1.157 rejects it",
        "remove the key or make it a map",
      ),
    );
  }
  if (hs.server_name !== org.serverName) {
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.server_name",
        `server_name '${String(hs.server_name)}' differs from serverName '${org.serverName}'; a server name can never change after the first start`,
        "set serverName instead and drop the override",
      ),
    );
  }
  return problems;
}

function turnUriParts(uri: string): { host: string; port: number | undefined } | undefined {
  const match = /^turns?:([^:?]+)(?::(\d+))?/.exec(uri);
  if (match === null) return undefined;
  return {
    host: (match[1] ?? "").toLowerCase(),
    port: match[2] === undefined ? undefined : Number(match[2]),
  };
}

/** Failure modes 3 and 13. */
function checkTurn({ org, synapse, coturn, proxyHosts, jitsi }: StackPlan): Problem[] {
  const problems: Problem[] = [];
  if (coturn === undefined) return problems;
  const hs = synapse.homeserver;
  const vhosts = proxiedDomains(proxyHosts);
  const uris = Array.isArray(hs.turn_uris) ? (hs.turn_uris as unknown[]) : [];
  if (uris.length === 0) {
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.turn_uris",
        "coturn is enabled but Synapse hands out no turn_uris: 1:1 calls behind NAT will fail",
        "drop the override; matrix-fleet writes turn_uris for the TURN host",
      ),
    );
  }
  const keyFor = (derived: string): string =>
    "turn_uris" in org.overrides.synapse ? "overrides.synapse.turn_uris" : derived;
  const proxiedTurnHosts = new Set<string>();
  for (const uri of uris) {
    const parts = typeof uri === "string" ? turnUriParts(uri) : undefined;
    if (parts === undefined) {
      problems.push(
        problem(
          org.stack,
          keyFor("hosts.turn"),
          `turn URI ${JSON.stringify(uri)} is not a turn:/turns: URI`,
          "write URIs like turn:turn.example.org:3478?transport=udp",
        ),
      );
      continue;
    }
    if (parts.port === 443 || parts.port === 80 || parts.port === undefined) {
      problems.push(
        problem(
          org.stack,
          keyFor("ports.turn"),
          `TURN URI '${uri}' uses port ${parts.port ?? "(default)"}: 80/443 belong to the reverse proxy, which cannot carry TURN`,
          `use coturn's own ports (${org.ports.turn}, TLS ${org.ports.turnTls}) explicitly`,
        ),
      );
    }
    if (vhosts.has(parts.host) && !proxiedTurnHosts.has(parts.host)) {
      proxiedTurnHosts.add(parts.host);
      problems.push(
        problem(
          org.stack,
          keyFor("hosts.turn"),
          `TURN host '${parts.host}' is also a proxied HTTPS vhost; TURN clients must reach coturn on the public IP, not the proxy`,
          "give TURN its own hostname (e.g. turn.<server name>) with an A record to the public IP",
        ),
      );
    }
  }
  const options = new Map<string, Array<string | number | undefined>>();
  for (const [option, value] of coturn) options.set(option, [...(options.get(option) ?? []), value]);
  if (options.has("lt-cred-mech") && options.has("use-auth-secret")) {
    problems.push(
      problem(
        org.stack,
        "overrides.coturn.lt-cred-mech",
        "lt-cred-mech is mixed with use-auth-secret: coturn answers 401 'Cannot find credentials' to Synapse-issued credentials",
        "remove lt-cred-mech; Synapse uses the TURN REST API (use-auth-secret)",
      ),
    );
  }
  const staticSecret = options.get("static-auth-secret")?.[0];
  if (hs.turn_shared_secret !== undefined && String(staticSecret) !== String(hs.turn_shared_secret)) {
    problems.push(
      problem(
        org.stack,
        "overrides.coturn.static-auth-secret",
        "coturn's static-auth-secret differs from Synapse's turn_shared_secret: every TURN allocation gets 401",
        "drop the override; both come from one generated secret",
      ),
    );
  }
  if (jitsi !== undefined && jitsi.prosody.TURN_CREDENTIALS !== hs.turn_shared_secret) {
    problems.push(
      problem(
        org.stack,
        "secrets.turn_shared_secret",
        "Jitsi's TURN_CREDENTIALS differs from the TURN secret coturn uses",
        "let matrix-fleet pass one secret to all consumers",
      ),
    );
  }
  if (jitsi !== undefined && jitsi.prosody.TURNS_PORT === "443") {
    problems.push(
      problem(
        org.stack,
        "ports.turnTls",
        "Jitsi announces TURNS on 443, which belongs to the reverse proxy",
        "use coturn's TLS port",
      ),
    );
  }
  return problems;
}

/** Failure modes 5, 6 and 7. */
function checkMatrixRtc({ org, synapse, wellKnown }: StackPlan): Problem[] {
  const problems: Problem[] = [];
  const hs = synapse.homeserver;
  const experimental = isPlainObject(hs.experimental_features) ? hs.experimental_features : {};
  const matrixRtc = isPlainObject(hs.matrix_rtc) ? hs.matrix_rtc : {};
  const transports = Array.isArray(matrixRtc.transports) ? matrixRtc.transports : [];
  if (experimental.msc4143_enabled === true && transports.length === 0) {
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.matrix_rtc.transports",
        "msc4143_enabled is on with no matrix_rtc.transports: Synapse answers {} and clients stop falling back to the well-known rtc_foci",
        "keep matrix_rtc.transports non-empty (or turn msc4143 off)",
      ),
    );
  }
  if (!org.components.matrixRtc) return problems;
  const foci = wellKnown.client["org.matrix.msc4143.rtc_foci"];
  if (!Array.isArray(foci) || foci.length === 0) {
    problems.push(
      problem(
        org.stack,
        "components.matrixRtc",
        "the client well-known has no org.matrix.msc4143.rtc_foci; Element Call bundled in Element Web still needs it",
        "publish rtc_foci alongside the MSC4143 transports",
      ),
    );
  }
  if (experimental.msc4143_enabled !== true) {
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.experimental_features.msc4143_enabled",
        "MatrixRTC is enabled but Synapse's msc4143 is off: new Element Call clients find no transport",
        "drop the override",
      ),
    );
  }
  if (experimental.msc4222_enabled !== true || hs.max_event_delay_duration === undefined) {
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.max_event_delay_duration",
        "delayed events are off (msc4222_enabled and max_event_delay_duration): call members that drop off stay stuck in the call",
        "drop the override; MatrixRTC needs both",
      ),
    );
  }
  const listeners = Array.isArray(hs.listeners) ? hs.listeners : [];
  const names = listeners.flatMap((l) =>
    isPlainObject(l) && Array.isArray(l.resources)
      ? l.resources.flatMap((r) => (isPlainObject(r) && Array.isArray(r.names) ? (r.names as unknown[]) : []))
      : [],
  );
  if (!names.includes("federation") && !names.includes("openid")) {
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.listeners",
        "no listener serves the openid (or federation) resource: lk-jwt-service cannot validate users and every MatrixRTC call fails",
        "add 'openid' or 'federation' to the listener's resources",
      ),
    );
  }
  return problems;
}

/** Failure modes 2 and 9, plus LiveKit's strict parser and key length. */
function checkLivekit({ org, livekit, coturn }: StackPlan): Problem[] {
  if (livekit === undefined) return [];
  const problems: Problem[] = [];
  for (const key of Object.keys(livekit)) {
    if (!(key in LIVEKIT_KNOWN_KEYS)) {
      problems.push(
        problem(
          org.stack,
          `overrides.livekit.${key}`,
          `'${key}' is not a LiveKit config key; LiveKit's strict parser refuses to start`,
          "remove or correct it (see livekit config-sample.yaml)",
        ),
      );
    }
  }
  for (const [section, known] of Object.entries(LIVEKIT_KNOWN_KEYS)) {
    const value = livekit[section];
    if (known === undefined || !isPlainObject(value)) continue;
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        problems.push(
          problem(
            org.stack,
            `overrides.livekit.${section}.${key}`,
            `'${section}.${key}' is not a LiveKit config key; LiveKit's strict parser refuses to start`,
            "remove or correct it",
          ),
        );
      }
    }
  }
  const rtc = isPlainObject(livekit.rtc) ? livekit.rtc : {};
  if (rtc.use_external_ip === true) {
    problems.push(
      problem(
        org.stack,
        "overrides.livekit.rtc.use_external_ip",
        "use_external_ip is on: STUN discovery overrides node_ip and can advertise another WAN than the router forwards (second call never connects)",
        "set it to false; matrix-fleet pins node_ip to network.publicIp",
      ),
    );
  }
  const coturnExternal = coturn?.find(([option]) => option === "external-ip")?.[1];
  const coturnPublic = coturnExternal === undefined ? undefined : String(coturnExternal).split("/")[0];
  if (coturnPublic !== undefined && rtc.node_ip !== coturnPublic) {
    const key =
      "external-ip" in org.overrides.coturn
        ? "overrides.coturn.external-ip"
        : "overrides.livekit.rtc.node_ip";
    problems.push(
      problem(
        org.stack,
        key,
        `LiveKit node_ip '${String(rtc.node_ip)}' differs from coturn external-ip '${coturnPublic}': one of them advertises an address the router does not forward (second call never connects)`,
        "drop the override; both use network.publicIp",
      ),
    );
  } else if (rtc.node_ip !== org.network.publicIp) {
    problems.push(
      problem(
        org.stack,
        "overrides.livekit.rtc.node_ip",
        `LiveKit node_ip '${String(rtc.node_ip)}' is not the public IP ${org.network.publicIp} (a Docker bridge address gives 'waiting for media')`,
        "drop the override",
      ),
    );
  }
  const room = isPlainObject(livekit.room) ? livekit.room : {};
  if (room.auto_create !== false) {
    problems.push(
      problem(
        org.stack,
        "overrides.livekit.room.auto_create",
        "room.auto_create is not false (LiveKit's default is true): with lk-jwt-service, rooms must be created only for authorised users",
        "set room.auto_create to false",
      ),
    );
  }
  const keys = isPlainObject(livekit.keys) ? livekit.keys : {};
  for (const [key, secret] of Object.entries(keys)) {
    if (typeof secret !== "string" || isSecretPlaceholder(secret) || isSecretPlaceholder(key)) continue;
    if (secret.length < 32) {
      problems.push(
        problem(
          org.stack,
          "secrets.livekit_api_secret",
          `the LiveKit API secret is ${secret.length} characters; LiveKit requires at least 32`,
          "use a secret of 32 or more characters",
        ),
      );
    }
  }
  return problems;
}

/** Failure mode 2 (LIVEKIT_URL) and the full-access homeserver. */
function checkLkJwt({ org, lkJwt, livekit }: StackPlan): Problem[] {
  if (lkJwt === undefined) return [];
  const problems: Problem[] = [];
  const expected = livekitPublicUrl(org);
  if (lkJwt.LIVEKIT_URL !== expected) {
    problems.push(
      problem(
        org.stack,
        "overrides.lkJwt.LIVEKIT_URL",
        `LIVEKIT_URL '${lkJwt.LIVEKIT_URL}' is handed to clients as the SFU address but is not the public ${expected}`,
        `drop the override (it must be ${expected})`,
      ),
    );
  }
  const fullAccess = (lkJwt.LIVEKIT_FULL_ACCESS_HOMESERVERS ?? "").split(",").map((s) => s.trim());
  if (!fullAccess.includes(org.serverName)) {
    problems.push(
      problem(
        org.stack,
        "overrides.lkJwt.LIVEKIT_FULL_ACCESS_HOMESERVERS",
        `LIVEKIT_FULL_ACCESS_HOMESERVERS '${lkJwt.LIVEKIT_FULL_ACCESS_HOMESERVERS ?? ""}' does not name this server (${org.serverName}): its own users cannot start calls`,
        `set it to ${org.serverName}`,
      ),
    );
  }
  if (lkJwt.LIVEKIT_JWT_BIND !== undefined && lkJwt.LIVEKIT_JWT_PORT !== undefined) {
    problems.push(
      problem(
        org.stack,
        "overrides.lkJwt.LIVEKIT_JWT_PORT",
        "LIVEKIT_JWT_PORT and LIVEKIT_JWT_BIND are both set; lk-jwt-service refuses to start",
        "remove LIVEKIT_JWT_PORT (deprecated)",
      ),
    );
  }
  const keys = livekit !== undefined && isPlainObject(livekit.keys) ? livekit.keys : {};
  if (lkJwt.LIVEKIT_KEY === undefined || keys[lkJwt.LIVEKIT_KEY] !== lkJwt.LIVEKIT_SECRET) {
    problems.push(
      problem(
        org.stack,
        "overrides.lkJwt.LIVEKIT_SECRET",
        "lk-jwt-service's LIVEKIT_KEY/LIVEKIT_SECRET is not a key pair LiveKit knows: every token is rejected",
        "drop the override; both come from one generated key pair",
      ),
    );
  }
  return problems;
}

/** Failure mode 4: without CORS on the well-known files, Element Call reports MISSING_MATRIX_RTC_FOCUS. */
function checkWellKnownCors({ org, proxyHosts }: StackPlan): Problem[] {
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
function checkProxyPaths({ org, proxyHosts }: StackPlan): Problem[] {
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
function checkNpmSchema({ org, proxyHosts }: StackPlan): Problem[] {
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

function checkFederationList({ org, synapse }: StackPlan): Problem[] {
  const problems: Problem[] = [];
  const list = synapse.homeserver.federation_domain_whitelist;
  if (list === undefined) {
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.federation_domain_whitelist",
        "federation_domain_whitelist is removed: Synapse then federates with every server on the internet",
        "drop the override; set federation.peers instead",
      ),
    );
  }
  if (org.federationPeers.includes(org.serverName)) {
    problems.push(
      problem(
        org.stack,
        "federation.peers",
        `lists this stack's own server name ${org.serverName}`,
        "list only other organisations",
      ),
    );
  }
  const seen = new Set<string>();
  for (const peer of org.federationPeers) {
    if (seen.has(peer))
      problems.push(problem(org.stack, "federation.peers", `lists ${peer} twice`, "remove the duplicate"));
    seen.add(peer);
  }
  return problems;
}

function sizeInBytes(size: string): number {
  const match = /^(\d+)([KMG]?)$/.exec(size);
  if (match === null) return NaN;
  const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[match[2] as "" | "K" | "M" | "G"];
  return Number(match[1]) * unit;
}

/** An upload Synapse accepts but the proxy refuses fails with a bare 413 in the client. */
function checkBodySize({ org }: StackPlan): Problem[] {
  if (sizeInBytes(org.proxy.clientMaxBodySize) >= sizeInBytes(org.synapse.maxUploadSize)) return [];
  return [
    problem(
      org.stack,
      "proxy.clientMaxBodySize",
      `the proxy accepts bodies up to ${org.proxy.clientMaxBodySize} but Synapse accepts uploads up to ${org.synapse.maxUploadSize}: larger uploads fail with 413`,
      "make proxy.clientMaxBodySize at least synapse.maxUploadSize",
    ),
  ];
}
