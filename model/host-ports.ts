import { OrgConfig, PortRange, Protocol } from "../config/model";

/** One port or range a service binds on the Docker host, and the config key that sets it. */
export interface PortUse {
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
  if (c.monitoring) {
    // Host-network metrics ports, and Prometheus and Alertmanager published on the host's loopback.
    if (c.matrixRtc)
      uses.push({
        protocol: "tcp",
        range: one(p.livekitMetrics),
        key: "ports.livekitMetrics",
        what: "LiveKit metrics",
      });
    if (c.coturn && org.monitoring.coturnExporter)
      uses.push({
        protocol: "tcp",
        range: one(p.coturnMetrics),
        key: "ports.coturnMetrics",
        what: "coturn exporter",
      });
    uses.push(
      { protocol: "tcp", range: one(p.prometheus), key: "ports.prometheus", what: "Prometheus (loopback)" },
      {
        protocol: "tcp",
        range: one(p.alertmanager),
        key: "ports.alertmanager",
        what: "Alertmanager (loopback)",
      },
    );
  }
  return uses;
}

export function rangesOverlap(a: PortRange, b: PortRange): boolean {
  return a.start <= b.end && b.start <= a.end;
}
