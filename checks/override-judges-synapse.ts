import { isPlainObject } from "../config/merge";
import { URL_PREVIEW_DENIED_RANGES } from "../facts/synapse";
import { livekitServiceUrl } from "../model/topology";
import { Judge, Verdict, saying } from "./override-registry";

/**
 * The judgements of Synapse keys that need more than a type or "matrix-fleet writes this" (override-keys-synapse.ts):
 * the listener the proxy forwards to, trusted key servers, MatrixRTC transports, the URL preview deny list, rooms
 * users join on registration. Each reads the deployed homeserver.yaml and the stack, and says what breaks.
 */

const fixListeners =
  "drop the override: matrix-fleet writes one http listener on ports.synapse, bound to 0.0.0.0 with x_forwarded and the client and federation resources";

/** The deployed listeners as Synapse would take them (homeserver.yaml `listeners`). */
export const judgeListeners: Judge = (value, { plan }) => {
  if (value === undefined)
    return [
      {
        message: "listeners is removed: Synapse then serves HTTP nowhere, and the proxy reaches nothing",
        fix: fixListeners,
      },
    ];
  if (!Array.isArray(value)) return [];
  const verdicts: Verdict[] = [];
  const say = (message: string) => verdicts.push({ message, fix: fixListeners });
  const listeners = value.filter(isPlainObject);
  const proxied = listeners.find((l) => l.type === "http");
  if (proxied === undefined) {
    say(
      "no listener has type http: the proxy forwards every client and federation request to a port nothing serves",
    );
    return verdicts;
  }
  if (listeners.some((l) => l.path !== undefined))
    say(
      "a listener on a UNIX socket (path): the proxy reaches Synapse over TCP on ports.synapse, never a socket inside the container",
    );
  if (proxied.tls === true)
    say(
      "the proxied listener has tls: true: the proxy forwards plain HTTP to it, and Synapse would need tls_certificate_path, which the stack does not mount",
    );
  const binds = [
    ...(Array.isArray(proxied.bind_addresses) ? proxied.bind_addresses.map(String) : []),
    ...(typeof proxied.bind_address === "string" ? [proxied.bind_address] : []),
  ];
  if (binds.length > 0 && !binds.some((a) => a === "0.0.0.0" || a === "::"))
    say(
      `the proxied listener binds only ${binds.join(", ")} inside its container: Docker publishes ports.synapse to the container's own address, which no such listener answers, so the proxy gets no answer`,
    );
  const names = (Array.isArray(proxied.resources) ? proxied.resources : []).flatMap((r) =>
    isPlainObject(r) && Array.isArray(r.names) ? r.names.map(String) : [],
  );
  if (!names.includes("client"))
    say(
      "the proxied listener has no client resource: every /_matrix/client request through the proxy gets 404",
    );
  if (plan.org.federationPeers.length > 0 && !names.includes("federation"))
    say(
      `the proxied listener has no federation resource, while federation.peers lists ${plan.org.federationPeers.join(", ")}: they cannot reach this server`,
    );
  if (listeners.some((l) => l.type === "manhole"))
    say("a manhole listener is a Python shell inside Synapse, with its database and every secret");
  const ports = listeners.map((l) => l.port).filter((p) => p !== undefined);
  if (new Set(ports).size !== ports.length)
    say(
      `two listeners share a port (${ports.join(", ")}): Synapse cannot bind the second one and does not start`,
    );
  return verdicts;
};
saying(
  "the proxied listener: type http, no TLS, bound to 0.0.0.0 or ::, with the client (and, with peers, federation) resource; no UNIX socket, no manhole, no shared port",
  judgeListeners,
);

/** Keys are fetched only from servers the whitelist lets Synapse reach; the notary's answers are trusted blindly. */
export const judgeTrustedKeyServers: Judge = (value, { plan }) => {
  const whitelist = plan.synapse.homeserver.federation_domain_whitelist;
  const allowed = Array.isArray(whitelist) ? whitelist.map(String) : undefined;
  const fix = "drop the override: matrix-fleet writes trusted_key_servers: [] (keys straight from each peer)";
  // Removed, Synapse falls back to matrix.org (synapse/config/key.py, docs/upstream/synapse.md §2).
  if (value === undefined) value = [{ server_name: "matrix.org" }];
  if (!Array.isArray(value)) return [];
  return value.filter(isPlainObject).flatMap((server): Verdict[] => {
    const name = String(server.server_name);
    const verdicts: Verdict[] = [];
    if (allowed !== undefined && !allowed.includes(name))
      verdicts.push({
        message: `trusted key server ${name} is not on federation_domain_whitelist: Synapse may not contact it, so every key lookup through it fails and logs an error`,
        fix,
      });
    if (server.accept_keys_insecurely === true)
      verdicts.push({
        message: `trusted key server ${name} with accept_keys_insecurely: Synapse would take signing keys from it without checking them`,
        fix,
      });
    return verdicts;
  });
};
saying("each server on federation_domain_whitelist, never accept_keys_insecurely", judgeTrustedKeyServers);

/** MSC4143 transports hand clients this stack's lk-jwt-service, or nothing when MatrixRTC is off. */
export const judgeRtcTransports: Judge = (value, { plan }) => {
  if (!Array.isArray(value)) return [];
  const org = plan.org;
  const expected = livekitServiceUrl(org);
  return value.filter(isPlainObject).flatMap((transport, index): Verdict[] => {
    const url = transport.livekit_service_url;
    if (!org.components.matrixRtc)
      return [
        {
          message: `matrix_rtc.transports[${index}] hands clients the SFU ${String(url)}, but this stack runs no MatrixRTC (components.matrixRtc is off): calls would go to a service outside the stack`,
          fix: "drop the override, or turn components.matrixRtc on",
        },
      ];
    if (transport.type !== "livekit" || url !== expected)
      return [
        {
          message: `matrix_rtc.transports[${index}] is ${JSON.stringify(transport)}, not this stack's lk-jwt-service (type livekit, ${expected}): clients would get their call tokens elsewhere`,
          fix: `drop the override: matrix-fleet writes the transport from hosts.rtc (${expected})`,
        },
      ];
    return [];
  });
};
saying("this stack's lk-jwt-service only, and only with MatrixRTC", judgeRtcTransports);

/** With URL previews on, each range Synapse's documentation recommends stays denied (SSRF into the LAN). */
export const judgePreviewBlacklist: Judge = (value) => {
  const list = Array.isArray(value) ? value.map(String) : [];
  const missing = URL_PREVIEW_DENIED_RANGES.filter((range) => !list.includes(range));
  if (value === undefined || missing.length === 0) return [];
  return [
    {
      message: `url_preview_ip_range_blacklist leaves out ${missing.join(", ")}: a link posted in any room could make Synapse fetch services in those ranges (SSRF)`,
      fix: "drop the override: with synapse.urlPreviews matrix-fleet writes the list Synapse's documentation recommends",
    },
  ];
};
saying("every range Synapse's documentation recommends stays denied", judgePreviewBlacklist);

/**
 * `ip_range_whitelist` lets Synapse's outbound requests (federation, identity servers, push) reach ranges
 * ip_range_blacklist denies (config_documentation.md). A peer on a private network needs its own range; a range
 * wider than a /8 re-opens whole private networks to anything a remote server can make Synapse fetch.
 */
export const judgeIpRangeWhitelist: Judge = (value) => {
  const list = Array.isArray(value) ? value.map(String) : [];
  const wide = list.filter((range) => {
    const bits = /\/(\d+)$/.exec(range)?.[1];
    return bits !== undefined && Number(bits) < (range.includes(":") ? 32 : 8);
  });
  return wide.length === 0
    ? []
    : [
        {
          message: `ip_range_whitelist ${wide.join(", ")} re-opens more than a /8 of what ip_range_blacklist keeps Synapse's outbound requests from (the Docker host's LAN, loopback, link-local): a remote server could make it fetch internal services`,
          fix: "list only the ranges your federation peers or push servers are on (e.g. 198.18.0.0/15), as narrow as they are",
        },
      ];
};
saying("no range wider than a /8 (IPv4) or /32 (IPv6)", judgeIpRangeWhitelist);

/** Rooms joined at registration must be on this server or a peer it federates with, or the join fails. */
export const judgeAutoJoinRooms: Judge = (value, { plan }) => {
  if (!Array.isArray(value)) return [];
  const org = plan.org;
  const reachable = [org.serverName, ...org.federationPeers];
  return value.flatMap((alias): Verdict[] => {
    const server = /^#[^:]+:(.+)$/.exec(String(alias))?.[1];
    if (server === undefined)
      return [
        {
          message: `auto_join_rooms entry ${JSON.stringify(alias)} is not a room alias (#room:server): Synapse refuses to start`,
          fix: `write aliases like #lobby:${org.serverName}`,
        },
      ];
    if (reachable.includes(server)) return [];
    return [
      {
        message: `auto_join_rooms entry ${String(alias)} is on ${server}, which is neither this server nor a federation peer: every new user's join fails`,
        fix: `use a room on ${org.serverName}${org.federationPeers.length > 0 ? " or a peer" : ""}, or add ${server} to federation.peers`,
      },
    ];
  });
};
saying("room aliases on this server or a federation peer", judgeAutoJoinRooms);
