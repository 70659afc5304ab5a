import { OrgConfig, PortPlan, TurnOptions } from "../config/model";

/** TCP 443 of `turn.port443Ip`: what clients on networks that pass nothing else dial for TURN. */
export const TURN_443 = 443;

/**
 * The TURN URIs Synapse hands to clients (`turn_uris`). They name the TURN host on coturn's own ports, never 443 or
 * 80 of the main address, which belong to the reverse proxy and cannot carry TURN; with `turn.port443Ip` the TURN
 * host resolves to a second address whose TCP 443 the router forwards to coturn, which tells TLS from plain TURN
 * on one port (examples/etc/turnserver.conf): TURN over TCP and, with TLS, over TLS on 443 come last, as the
 * fallback they are.
 */
export function turnUris(org: OrgConfig): string[] {
  const host = org.hosts.turn;
  const uris = [
    `turn:${host}:${org.ports.turn}?transport=udp`,
    `turn:${host}:${org.ports.turn}?transport=tcp`,
  ];
  if (org.turn.tls) uris.push(`turns:${host}:${org.ports.turnTls}?transport=tcp`);
  if (org.turn.port443Ip !== undefined) {
    uris.push(`turn:${host}:${TURN_443}?transport=tcp`);
    if (org.turn.tls) uris.push(`turns:${host}:${TURN_443}?transport=tcp`);
  }
  return uris;
}

/** The port coturn answers TURN on 443 with, behind the router's forward: its TLS port with TLS, else its listener. */
export function turn443Target(org: {
  readonly turn: Pick<TurnOptions, "tls">;
  readonly ports: Pick<PortPlan, "turn" | "turnTls">;
}): number {
  return org.turn.tls ? org.ports.turnTls : org.ports.turn;
}
