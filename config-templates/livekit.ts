import { deepMerge } from "../config/merge";
import { OrgConfig } from "../config/model";
import { SecretValues } from "../facts/secrets";
import { LIVEKIT_TURN_CREDENTIAL_TTL_SECONDS } from "../facts/livekit";
import { lkJwtDelegatesLeave, lkJwtWebhookUrl } from "../model/release";
import { toYaml } from "./formats";
import { LIVEKIT_METRICS_USER } from "./prometheus-config";
import { TURN_443 } from "../model/turn-uris";

/**
 * LiveKit's `livekit.yaml` (keys from livekit-server v1.13.5 pkg/config/config.go and mediatransportutil's
 * rtcconfig.RTCConfig; docs/upstream/livekit.md). LiveKit's parser is strict: an unknown key stops the server, so
 * preflight checks overrides against `LIVEKIT_KNOWN_KEYS`.
 */
export function livekitDocument(org: OrgConfig, secrets: SecretValues): Record<string, unknown> {
  const rtc: Record<string, unknown> = {
    tcp_port: org.ports.livekitTcp,
    port_range_start: org.ports.livekitUdp.start,
    port_range_end: org.ports.livekitUdp.end,
    // Advertise the WAN address coturn also uses. STUN discovery (use_external_ip) would override node_ip and
    // can pick a different WAN than the router forwards: the "second call never connects" failure.
    use_external_ip: false,
    node_ip: org.network.publicIp,
    // On the host network LiveKit gathers candidates on every interface, docker0 and each bridge included, and
    // rewrites them all to node_ip: only the socket on the address the router forwards to can ever answer. The
    // filter tests the local address before that rewrite, so it names the Docker host's own address.
    ips: { includes: [livekitCandidateCidr(org)] },
  };
  if (org.components.coturn) rtc.turn_servers = livekitTurnServers(org, secrets);
  const doc: Record<string, unknown> = {
    port: org.ports.livekitHttp,
    rtc,
    keys: { [secrets.livekit_api_key]: secrets.livekit_api_secret },
    // lk-jwt-service creates rooms for authorised users; auto-create would let any token holder open rooms.
    room: { auto_create: false },
    logging: { level: "info" },
    // Relaying is coturn's job (rtc.turn_servers): LiveKit's own TURN hands out turns: on 443, which the reverse
    // proxy owns, and its credentials are not coturn's.
    turn: { enabled: false },
  };
  // lk-jwt-service 0.6.0 learns from these signed posts that a member's client is gone and sends its delayed leave
  // at once (lk-jwt-service README "LiveKit SFU Wiring (Webhooks)"); api_key must be the key it verifies them with.
  if (lkJwtDelegatesLeave(org))
    doc.webhook = { api_key: secrets.livekit_api_key, urls: [lkJwtWebhookUrl(org)] };
  // Metrics on a port of their own (`prometheus.port`; v1.13.5 logs `prometheus_port` as deprecated). On the host
  // network they listen on every address LiveKit binds, so they ask for a password (pkg/service/server.go).
  if (org.components.monitoring)
    doc.prometheus = {
      port: org.ports.livekitMetrics,
      username: LIVEKIT_METRICS_USER,
      password: secrets.livekit_metrics_password,
    };
  return deepMerge(deepMerge(doc, org.overrides.livekit), org.overrides.unjudged.livekit);
}

/** The one local address LiveKit may gather ICE candidates on: the Docker host's LAN address, else the public one. */
export function livekitCandidateCidr(org: OrgConfig): string {
  return `${org.network.lanIp ?? org.network.publicIp}/32`;
}

/**
 * The organisation's coturn, as LiveKit hands it to its clients in the join response: TURN over UDP and TCP on the
 * listener and, with TLS, over TLS on the TLS port, so that a client that reaches nothing but 3478 (UDP or TCP) or
 * 5349 still gets media through the relay. `secret` is coturn's static-auth-secret: LiveKit mints TURN REST
 * credentials from it (HMAC-SHA1 over "<expiry>:<participant>", the scheme coturn's use-auth-secret checks).
 */
export function livekitTurnServers(org: OrgConfig, secrets: SecretValues): Array<Record<string, unknown>> {
  const entry = (port: number, protocol: "udp" | "tcp" | "tls") => ({
    host: org.hosts.turn,
    port,
    protocol,
    secret: secrets.turn_shared_secret,
    ttl: LIVEKIT_TURN_CREDENTIAL_TTL_SECONDS,
  });
  const on443 =
    org.turn.port443Ip === undefined
      ? []
      : [entry(TURN_443, "tcp"), ...(org.turn.tls ? [entry(TURN_443, "tls")] : [])];
  return [
    entry(org.ports.turn, "udp"),
    entry(org.ports.turn, "tcp"),
    ...(org.turn.tls ? [entry(org.ports.turnTls, "tls")] : []),
    // turn.port443Ip: the TURN host's second address forwards TCP 443 to coturn (model/turn-uris.ts).
    ...on443,
  ];
}

export function renderLivekit(document: Readonly<Record<string, unknown>>): string {
  return toYaml(document);
}
