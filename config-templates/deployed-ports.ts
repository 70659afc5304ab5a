import { isPlainObject } from "../config/merge";
import { OrgConfig, PortRange, Protocol } from "../config/model";
import { PortUse, hostPortUses } from "../model/host-ports";
import { ConfLine } from "./formats";
import { JitsiEnv } from "./jitsi-env";
import { TURN_443, turn443Target } from "../model/turn-uris";

/**
 * The ports a stack really binds on its Docker host, read from the documents that would be deployed (overrides
 * merged), not from the port plan: coturn's listening-port, tls-listening-port, min-port and max-port; LiveKit's
 * port, rtc.tcp_port and media range; Synapse's listener; the videobridge's JVB_PORT. Preflight's port checks, the
 * router checklist and the summary read these, so an override that moves a port is judged and shown as deployed.
 * Ports only the components publish (Element Web, Ketesa, lk-jwt-service, Jitsi web) come from the plan.
 */
export interface DeployedPort extends PortUse {
  /** The key that put this value into the documents: `key` itself, or the override that replaced it. */
  readonly setBy: string;
  /** What the port plan (`key`) says, to compare with. */
  readonly planned: PortRange;
  /** Set when a document holds something that is not a port (e.g. an override `min-port: abc`). */
  readonly unreadable?: string;
}

export interface DeployedDocuments {
  readonly homeserver: Readonly<Record<string, unknown>>;
  readonly coturn: readonly ConfLine[] | undefined;
  readonly livekit: Readonly<Record<string, unknown>> | undefined;
  readonly jitsi: JitsiEnv | undefined;
}

/** In the order of `hostPortUses` (the port plan's), so that clashes read the same whichever is judged. */
export function deployedPorts(org: OrgConfig, docs: DeployedDocuments): DeployedPort[] {
  const read = documentReader(org, docs);
  return hostPortUses(org).map((use, index, all) => {
    // coturn's listener is one port on two protocols: both uses read listening-port.
    const found = read(use, all.slice(0, index).filter((u) => u.key === use.key).length);
    return found === undefined ? { ...use, setBy: use.key, planned: use.range } : found;
  });
}

type Reader = (use: PortUse, occurrence: number) => DeployedPort | undefined;

function documentReader(org: OrgConfig, docs: DeployedDocuments): Reader {
  const conf = (option: string): string | number | undefined =>
    docs.coturn?.find(([name]) => name === option)?.[1];
  const coturnKey = (option: string): string | undefined =>
    option in org.overrides.coturn ? `overrides.coturn.${option}` : undefined;
  const rtc = isPlainObject(docs.livekit?.rtc) ? docs.livekit.rtc : {};
  const overriddenRtc = isPlainObject(org.overrides.livekit.rtc) ? org.overrides.livekit.rtc : {};
  const rtcKey = (name: string): string | undefined =>
    name in overriddenRtc ? `overrides.livekit.rtc.${name}` : undefined;
  const listeners = Array.isArray(docs.homeserver.listeners) ? docs.homeserver.listeners : [];
  const synapseListener = listeners.find((l) => isPlainObject(l) && l.type === "http") as
    Record<string, unknown> | undefined;
  const tlsOn = docs.coturn !== undefined && !docs.coturn.some(([name]) => name === "no-tls");
  return (use) => {
    switch (use.key) {
      case "ports.synapse":
        return port(use, synapseListener?.port, override(org.overrides.synapse, "listeners", "synapse"));
      case "ports.turn":
        return port(use, conf("listening-port") ?? 3478, coturnKey("listening-port"));
      case "ports.turnTls":
        return tlsOn
          ? port(use, conf("tls-listening-port") ?? 5349, coturnKey("tls-listening-port"))
          : undefined;
      case "ports.turnRelay":
        return range(use, conf("min-port"), conf("max-port"), coturnKey("min-port") ?? coturnKey("max-port"));
      case "ports.livekitHttp":
        return port(use, docs.livekit?.port, override(org.overrides.livekit, "port", "livekit"));
      case "ports.livekitTcp":
        return port(use, rtc.tcp_port, rtcKey("tcp_port"));
      case "ports.livekitUdp":
        return range(
          use,
          rtc.port_range_start,
          rtc.port_range_end,
          rtcKey("port_range_start") ?? rtcKey("port_range_end"),
        );
      case "ports.jvb":
        return port(use, docs.jitsi?.jvb.JVB_PORT, undefined);
      default:
        return undefined;
    }
  };
}

function override(
  overrides: Readonly<Record<string, unknown>>,
  key: string,
  section: string,
): string | undefined {
  return key in overrides ? `overrides.${section}.${key}` : undefined;
}

function asPort(value: unknown): number | undefined {
  const n = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

function port(use: PortUse, value: unknown, overrideKey: string | undefined): DeployedPort {
  return range(use, value, value, overrideKey);
}

function range(use: PortUse, start: unknown, end: unknown, overrideKey: string | undefined): DeployedPort {
  const setBy = overrideKey ?? use.key;
  const [first, last] = [asPort(start), asPort(end)];
  if (first === undefined || last === undefined || first > last) {
    const written = start === end ? String(start) : `${String(start)}-${String(end)}`;
    return { ...use, setBy, planned: use.range, unreadable: written };
  }
  return { ...use, range: { start: first, end: last }, setBy, planned: use.range };
}

/** One WAN port forward the stack needs on the router. */
export interface RequiredForward {
  readonly protocol: Protocol;
  readonly range: PortRange;
  /** LAN address the router forwards to. */
  readonly target: string;
  /** The port on `target` when it differs from the WAN port (TURN on 443: coturn's TLS port). */
  readonly targetPort?: number;
  readonly service: string;
  readonly why: string;
}

/**
 * The forwards of `turn.port443Ip`, the TURN host's own WAN address (model/turn-uris.ts): its TCP 443 to coturn's
 * TLS port (its listener without TLS), where coturn tells TLS from plain TURN, and coturn's listener and TLS port 1:1
 * like the main address's, since the TURN name resolves there. The relay range stays on the main address: coturn
 * announces relays on its external-ip. Empty without the second address.
 */
export function turn443Forwards(org: OrgConfig, ports: readonly DeployedPort[]): RequiredForward[] {
  if (org.turn.port443Ip === undefined) return [];
  const host = org.network.lanIp ?? org.network.publicIp;
  const deployed = (key: string, protocol: Protocol) =>
    ports.find((p) => p.key === key && p.protocol === protocol && p.unreadable === undefined)?.range.start;
  const tls = deployed("ports.turnTls", "tcp");
  const listener = deployed("ports.turn", "tcp");
  const forwards: RequiredForward[] = [
    {
      protocol: "tcp",
      range: { start: TURN_443, end: TURN_443 },
      target: host,
      targetPort: tls ?? listener ?? turn443Target(org),
      service: "coturn",
      why: "TURN over TLS and TCP on 443, for networks that pass nothing else",
    },
  ];
  for (const [key, protocol, why] of [
    ["ports.turn", "udp", "STUN/TURN over UDP (the TURN name resolves here)"],
    ["ports.turn", "tcp", "TURN over TCP"],
    ["ports.turnTls", "tcp", "TURN over TLS"],
  ] as const) {
    const port = deployed(key, protocol);
    if (port !== undefined)
      forwards.push({ protocol, range: { start: port, end: port }, target: host, service: "coturn", why });
  }
  return forwards;
}

/** Why the router forwards each deployed port that clients reach from the WAN, in the checklist's order. */
const FORWARDED: ReadonlyArray<readonly [key: string, protocol: Protocol, service: string, why: string]> = [
  ["ports.turn", "udp", "coturn", "STUN/TURN over UDP"],
  ["ports.turn", "tcp", "coturn", "TURN over TCP for networks that block UDP"],
  ["ports.turnTls", "tcp", "coturn", "TURN over TLS for strict firewalls"],
  ["ports.turnRelay", "udp", "coturn", "relayed media (calls off-LAN, e.g. on mobile data)"],
  ["ports.livekitTcp", "tcp", "LiveKit", "ICE over TCP when UDP is blocked"],
  ["ports.livekitUdp", "udp", "LiveKit", "MatrixRTC / Element Call media"],
  ["ports.jvb", "udp", "Jitsi videobridge", "Jitsi conference media"],
];

/**
 * Every forward the stack needs: 80/443 to the proxy, and each deployed port clients reach to the Docker host.
 * Relay ranges are forwarded 1:1 (same port outside and inside): coturn and LiveKit advertise the public address
 * with the port they bound.
 */
export function requiredForwards(
  org: OrgConfig,
  ports: readonly DeployedPort[],
  httpsServes: readonly string[],
): RequiredForward[] {
  const host = org.network.lanIp ?? org.network.publicIp;
  const proxy = (port: number, why: string): RequiredForward => ({
    protocol: "tcp",
    range: { start: port, end: port },
    target: org.proxy.lanIp,
    service: "Nginx Proxy Manager",
    why,
  });
  const forwards = [
    proxy(80, "Let's Encrypt HTTP-01 and redirect to HTTPS"),
    proxy(443, `HTTPS: ${httpsServes.join(", ")}`),
  ];
  for (const [key, protocol, service, why] of FORWARDED) {
    const deployed = ports.find(
      (p) => p.key === key && p.protocol === protocol && p.unreadable === undefined,
    );
    if (deployed !== undefined)
      forwards.push({ protocol, range: deployed.range, target: host, service, why });
  }
  return forwards;
}
