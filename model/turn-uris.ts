import { OrgConfig } from "../config/model";

/**
 * The TURN URIs Synapse hands to clients (`turn_uris`). They name the TURN host on coturn's own ports: never 443
 * or 80, which belong to the reverse proxy and cannot carry TURN.
 */
export function turnUris(org: OrgConfig): string[] {
  const host = org.hosts.turn;
  const uris = [
    `turn:${host}:${org.ports.turn}?transport=udp`,
    `turn:${host}:${org.ports.turn}?transport=tcp`,
  ];
  if (org.turn.tls) uris.push(`turns:${host}:${org.ports.turnTls}?transport=tcp`);
  return uris;
}
