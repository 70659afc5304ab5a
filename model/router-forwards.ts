import { OrgConfig, PortRange, Protocol } from "../config/model";

/** One WAN port forward the stack needs on the router. */
export interface RequiredForward {
  readonly protocol: Protocol;
  readonly range: PortRange;
  /** LAN address the router forwards to. */
  readonly target: string;
  readonly service: string;
  readonly why: string;
}

/** The Docker host as the router sees it: its LAN address behind NAT, else the public address it holds itself. */
export function dockerHostAddress(org: OrgConfig): string {
  return org.network.lanIp ?? org.network.publicIp;
}

/**
 * Every forward the stack needs. Relay ranges are forwarded 1:1 (same port outside and inside): coturn and
 * LiveKit advertise the public address with the port they bound.
 */
export function requiredForwards(org: OrgConfig): RequiredForward[] {
  const host = dockerHostAddress(org);
  const forwards: RequiredForward[] = [
    {
      protocol: "tcp",
      range: one(80),
      target: org.proxy.lanIp,
      service: "Nginx Proxy Manager",
      why: "Let's Encrypt HTTP-01 and redirect to HTTPS",
    },
    {
      protocol: "tcp",
      range: one(443),
      target: org.proxy.lanIp,
      service: "Nginx Proxy Manager",
      why: "HTTPS: client API, federation, well-known, Element, LiveKit signalling",
    },
  ];
  if (org.components.coturn) forwards.push(...coturnForwards(org, host));
  if (org.components.matrixRtc) {
    forwards.push(
      {
        protocol: "tcp",
        range: one(org.ports.livekitTcp),
        target: host,
        service: "LiveKit",
        why: "ICE over TCP when UDP is blocked",
      },
      {
        protocol: "udp",
        range: org.ports.livekitUdp,
        target: host,
        service: "LiveKit",
        why: "MatrixRTC / Element Call media",
      },
    );
  }
  if (org.components.jitsi) {
    forwards.push({
      protocol: "udp",
      range: one(org.ports.jvb),
      target: host,
      service: "Jitsi videobridge",
      why: "Jitsi conference media",
    });
  }
  return forwards;
}

/** coturn's listener (UDP and TCP), its TLS port where enabled, and its relay range. */
function coturnForwards(org: OrgConfig, host: string): RequiredForward[] {
  const forwards: RequiredForward[] = [];
  forwards.push(
    {
      protocol: "udp",
      range: one(org.ports.turn),
      target: host,
      service: "coturn",
      why: "STUN/TURN over UDP",
    },
    {
      protocol: "tcp",
      range: one(org.ports.turn),
      target: host,
      service: "coturn",
      why: "TURN over TCP for networks that block UDP",
    },
  );
  if (org.turn.tls) {
    forwards.push({
      protocol: "tcp",
      range: one(org.ports.turnTls),
      target: host,
      service: "coturn",
      why: "TURN over TLS for strict firewalls",
    });
  }
  forwards.push({
    protocol: "udp",
    range: org.ports.turnRelay,
    target: host,
    service: "coturn",
    why: "relayed media (calls off-LAN, e.g. on mobile data)",
  });
  return forwards;
}

function one(port: number): PortRange {
  return { start: port, end: port };
}
