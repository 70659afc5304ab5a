import { OrgConfig } from "../config/model";
import { SecretValues } from "../facts/secrets";
import { coturnTls } from "../model/coturn-tls";
import { ConfLine, toConfLines } from "./formats";
import { DENIED_PEER_RANGES } from "../facts/coturn";

/** coturn's `external-ip`: `public/private` behind NAT (relay ports forwarded 1:1), else just the public address. */
export function coturnExternalIp(org: OrgConfig): string {
  return org.network.lanIp === undefined
    ? org.network.publicIp
    : `${org.network.publicIp}/${org.network.lanIp}`;
}

/** `turnserver.conf` as ordered option lines (options from coturn's examples/etc/turnserver.conf). */
export function coturnDocument(org: OrgConfig, secrets: SecretValues): ConfLine[] {
  const lines: ConfLine[] = [
    ["listening-port", org.ports.turn],
    ["external-ip", coturnExternalIp(org)],
    ["min-port", org.ports.turnRelay.start],
    ["max-port", org.ports.turnRelay.end],
    ["realm", org.serverName],
    // TURN REST API credentials, the scheme Synapse's /voip/turnServer issues. Never together with lt-cred-mech.
    ["use-auth-secret"],
    ["static-auth-secret", secrets.turn_shared_secret],
    ["fingerprint"],
  ];
  if (org.turn.tls) {
    lines.push(
      ["tls-listening-port", org.ports.turnTls],
      ["cert", coturnTls(org).cert],
      ["pkey", coturnTls(org).key],
    );
  } else {
    lines.push(["no-tls"], ["no-dtls"]);
  }
  lines.push(
    // VoIP media is UDP; relaying TCP would only open arbitrary TCP endpoints to anyone with a credential.
    ["no-tcp-relay"],
    ["no-multicast-peers"],
    ["user-quota", org.turn.userQuota],
    ["total-quota", org.turn.totalQuota],
    ...DENIED_PEER_RANGES.map((range): ConfLine => ["denied-peer-ip", range]),
    // The TURN server itself stays reachable so that client -> TURN -> TURN -> client flows work.
    ["allowed-peer-ip", org.network.lanIp ?? org.network.publicIp],
    ["no-software-attribute"],
    ["log-file", "stdout"],
  );
  // The pinned image is built with the exporter (coturn's docker/coturn/*/Dockerfile links libmicrohttpd); Debian
  // 12's coturn 4.6.1, which the lab runs, is not: there monitoring.coturnExporter is false.
  if (org.components.monitoring && org.monitoring.coturnExporter)
    lines.push(["prometheus"], ["prometheus-port", org.ports.coturnMetrics]);
  return applyCoturnOverrides(
    applyCoturnOverrides(lines, org.overrides.coturn),
    org.overrides.unjudged.coturn,
  );
}

/** An override replaces every line of that option; `false` removes a flag; a list writes the option repeatedly. */
function applyCoturnOverrides(
  lines: readonly ConfLine[],
  overrides: OrgConfig["overrides"]["coturn"],
): ConfLine[] {
  let result = [...lines];
  for (const [option, value] of Object.entries(overrides)) {
    result = result.filter(([existing]) => existing !== option);
    if (value === false) continue;
    if (value === true) result.push([option]);
    else if (Array.isArray(value)) result.push(...value.map((v): ConfLine => [option, v]));
    else result.push([option, value as string | number]);
  }
  return result;
}

export function renderCoturn(lines: readonly ConfLine[]): string {
  return toConfLines(lines);
}
