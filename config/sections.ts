import { DEFAULT_IMAGES, IMAGE_NAMES } from "../facts/images";
import {
  Components,
  Hostnames,
  ImageName,
  Images,
  Overrides,
  PortPlan,
  SecretRotation,
  ServiceOverrides,
  TurnOptions,
} from "./model";
import { DEFAULT_PORTS } from "./ports";
import { SectionReader } from "./section-reader";
import { imageReference } from "./service-values";
import { coturnOverrides, hostname, serverName as serverNameValue, stringMap } from "./values";

/**
 * One reader per section of the stack config: the structural ones here (`hosts`, `components`, `ports`,
 * `federation`, `images`, `secretRotation`, `overrides`), the services' in service-sections.ts. Each reads its keys
 * with their defaults, reports what is wrong, and rejects keys it does not know. `parseStackConfig` calls them in a
 * fixed order, which is also the order problems are reported in.
 */

export function parseHosts(top: SectionReader, serverName: string): Hostnames {
  const section = top.section("hosts");
  // Derived defaults are not validated again: a bad server name is reported once, at serverName.
  const host = (key: string, fallback: string): string => {
    const value = section.string(key, fallback);
    return section.has(key) ? hostname(section, key, value) : value;
  };
  const hosts: Hostnames = {
    wellKnown: host("wellKnown", serverName),
    homeserver: host("homeserver", `matrix.${serverName}`),
    element: host("element", `element.${serverName}`),
    rtc: host("rtc", `matrix-rtc.${serverName}`),
    turn: host("turn", `turn.${serverName}`),
    jitsi: host("jitsi", `meet.${serverName}`),
    admin: host("admin", `admin.${serverName}`),
  };
  section.rejectUnknownKeys();
  return hosts;
}

export function parseComponents(top: SectionReader): Components {
  const section = top.section("components");
  const components: Components = {
    elementWeb: section.boolean("elementWeb", true),
    coturn: section.boolean("coturn", true),
    matrixRtc: section.boolean("matrixRtc", true),
    jitsi: section.boolean("jitsi", false),
    ketesa: section.boolean("ketesa", true),
    monitoring: section.boolean("monitoring", true),
  };
  section.rejectUnknownKeys();
  return components;
}

export function parsePorts(top: SectionReader): PortPlan {
  const section = top.section("ports");
  const ports: PortPlan = {
    turn: section.port("turn", DEFAULT_PORTS.turn),
    turnTls: section.port("turnTls", DEFAULT_PORTS.turnTls),
    turnRelay: section.portRange("turnRelay", DEFAULT_PORTS.turnRelay),
    livekitHttp: section.port("livekitHttp", DEFAULT_PORTS.livekitHttp),
    livekitTcp: section.port("livekitTcp", DEFAULT_PORTS.livekitTcp),
    livekitUdp: section.portRange("livekitUdp", DEFAULT_PORTS.livekitUdp),
    jvb: section.port("jvb", DEFAULT_PORTS.jvb),
    synapse: section.port("synapse", DEFAULT_PORTS.synapse),
    elementWeb: section.port("elementWeb", DEFAULT_PORTS.elementWeb),
    ketesa: section.port("ketesa", DEFAULT_PORTS.ketesa),
    lkJwt: section.port("lkJwt", DEFAULT_PORTS.lkJwt),
    jitsiWeb: section.port("jitsiWeb", DEFAULT_PORTS.jitsiWeb),
    livekitMetrics: section.port("livekitMetrics", DEFAULT_PORTS.livekitMetrics),
    coturnMetrics: section.port("coturnMetrics", DEFAULT_PORTS.coturnMetrics),
    prometheus: section.port("prometheus", DEFAULT_PORTS.prometheus),
    alertmanager: section.port("alertmanager", DEFAULT_PORTS.alertmanager),
  };
  section.rejectUnknownKeys();
  return ports;
}

/** TCP ports the router forwards to Nginx Proxy Manager, so no service on the Docker host can take them on the WAN. */
const PROXY_WAN_PORTS: ReadonlyMap<number, string> = new Map([
  [80, "HTTP: Let's Encrypt and the redirect to HTTPS"],
  [443, "HTTPS: every host of the stack"],
]);

/**
 * A port the router forwards to the Docker host must not be one it forwards to the proxy (tcp/80, tcp/443): each
 * key is judged only when its service runs, and named itself, with a free default as the fix.
 */
export function checkWanPorts(
  top: SectionReader,
  components: Components,
  ports: PortPlan,
  turn: TurnOptions,
): void {
  const wan: Array<[key: keyof PortPlan, on: boolean, what: string]> = [
    ["turn", components.coturn, "coturn's STUN/TURN listener"],
    ["turnTls", components.coturn && turn.tls, "coturn's TURN-over-TLS listener (turns:)"],
    ["livekitTcp", components.matrixRtc, "LiveKit's ICE/TCP port"],
  ];
  for (const [key, on, what] of wan) {
    const port = ports[key] as number;
    const proxy = PROXY_WAN_PORTS.get(port);
    if (!on || proxy === undefined) continue;
    top.report(
      `ports.${key}`,
      `${port} is ${what}, but the router forwards tcp/${port} to Nginx Proxy Manager (${proxy}); TURN and ICE are not HTTP and cannot share it`,
      `set ports.${key} to ${DEFAULT_PORTS[key] as number} (the default) or another port the router can forward to the Docker host`,
    );
  }
}

export function parseFederationPeers(top: SectionReader): readonly string[] {
  const section = top.section("federation");
  const peers = section.stringList("peers", []).map((peer) => serverNameValue(section, "peers", peer));
  section.rejectUnknownKeys();
  return peers;
}

export function parseImages(top: SectionReader): Images {
  const section = top.section("images");
  const images = Object.fromEntries(
    IMAGE_NAMES.map((name) => [
      name,
      imageReference(section, name, section.string(name, DEFAULT_IMAGES[name])),
    ]),
  ) as Record<ImageName, string>;
  section.rejectUnknownKeys();
  return images;
}

export function parseSecretRotation(top: SectionReader): SecretRotation {
  const section = top.section("secretRotation");
  const rotation = {
    turn: section.string("turn", "1"),
    livekit: section.string("livekit", "1"),
    synapse: section.string("synapse", "1"),
    jitsi: section.string("jitsi", "1"),
    monitoring: section.string("monitoring", "1"),
  };
  section.rejectUnknownKeys();
  return rotation;
}

export function parseOverrides(top: SectionReader): Overrides {
  const section = top.section("overrides");
  const judged = serviceOverrides(section);
  const unjudgedSection = section.section("unjudged");
  const unjudged = serviceOverrides(unjudgedSection);
  unjudgedSection.rejectUnknownKeys();
  section.rejectUnknownKeys();
  return { ...judged, unjudged };
}

/** One map per service whose files an override reaches (`overrides` and `overrides.unjudged` alike). */
function serviceOverrides(section: SectionReader): ServiceOverrides {
  return {
    synapse: section.freeMap("synapse"),
    livekit: section.freeMap("livekit"),
    coturn: coturnOverrides(section),
    lkJwt: stringMap(section, "lkJwt"),
    elementWeb: section.freeMap("elementWeb"),
  };
}
