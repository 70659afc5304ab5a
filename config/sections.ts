import { DEFAULT_IMAGES, IMAGE_NAMES } from "../facts/images";
import {
  Components,
  DockerTarget,
  ElementOptions,
  Hostnames,
  ImageName,
  Images,
  JitsiOptions,
  NetworkConfig,
  Overrides,
  PortPlan,
  ProxyConfig,
  SecretRotation,
  SynapseOptions,
  TurnOptions,
} from "./model";
import { DEFAULT_PORTS } from "./ports";
import { SectionReader } from "./section-reader";
import {
  certificate,
  coturnOverrides,
  dockerHost,
  duration,
  email,
  hostname,
  ipv4,
  portSpecs,
  size,
  stringMap,
  url,
} from "./values";

/**
 * One reader per section of the stack config (`hosts`, `network`, `ports`, ...): each reads its keys with their
 * defaults, reports what is wrong, and rejects keys it does not know. `parseStackConfig` calls them in a fixed
 * order, which is also the order problems are reported in.
 */

export function parseHosts(top: SectionReader, serverName: string): Hostnames {
  const section = top.section("hosts");
  // Derived defaults are not validated again: a bad server name is reported once, at serverName.
  const host = (key: string, fallback: string): string =>
    section.has(key) ? hostname(section, key, section.string(key, fallback)) : fallback;
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
  };
  section.rejectUnknownKeys();
  return components;
}

export function parseNetwork(top: SectionReader): NetworkConfig {
  const section = top.section("network");
  const publicIp = ipv4(section, "publicIp", section.requiredString("publicIp", "203.0.113.10"));
  const lanIpRaw = section.string("lanIp", undefined);
  const lanIp = lanIpRaw === undefined ? undefined : ipv4(section, "lanIp", lanIpRaw);
  const routerForwards = portSpecs(section, "routerForwards");
  section.rejectUnknownKeys();
  return { publicIp, lanIp, routerForwards };
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
  };
  section.rejectUnknownKeys();
  return ports;
}

export function parseFederationPeers(top: SectionReader): readonly string[] {
  const section = top.section("federation");
  const peers = section.stringList("peers", []).map((peer) => hostname(section, "peers", peer));
  section.rejectUnknownKeys();
  return peers;
}

export function parseImages(top: SectionReader): Images {
  const section = top.section("images");
  const images = Object.fromEntries(
    IMAGE_NAMES.map((name) => [name, section.string(name, DEFAULT_IMAGES[name])]),
  ) as Record<ImageName, string>;
  section.rejectUnknownKeys();
  return images;
}

export function parseDocker(top: SectionReader): DockerTarget {
  const section = top.section("docker");
  const docker = {
    host: dockerHost(section, section.string("host", "unix:///var/run/docker.sock")),
    sshOpts: section.stringList("sshOpts", []),
  };
  section.rejectUnknownKeys();
  return docker;
}

export function parseProxy(top: SectionReader, network: NetworkConfig, serverName: string): ProxyConfig {
  const section = top.section("proxy");
  const lanIp = ipv4(section, "lanIp", section.requiredString("lanIp", "192.0.2.20"));
  const proxy = {
    npmUrl: url(section, "npmUrl", section.requiredString("npmUrl", "http://192.0.2.20:81")),
    lanIp,
    forwardHost: section.string("forwardHost", network.lanIp ?? network.publicIp),
    certificate: certificate(section),
    letsencryptEmail: email(
      section,
      "letsencryptEmail",
      section.string("letsencryptEmail", `admin@${serverName}`),
    ),
    clientMaxBodySize: size(section, "clientMaxBodySize", section.string("clientMaxBodySize", "50M")),
  };
  section.rejectUnknownKeys();
  return proxy;
}

export function parseSynapseOptions(top: SectionReader): SynapseOptions {
  const section = top.section("synapse");
  const synapse = {
    enableRegistration: section.boolean("enableRegistration", false),
    maxUploadSize: size(section, "maxUploadSize", section.string("maxUploadSize", "50M")),
    urlPreviews: section.boolean("urlPreviews", false),
    enableMetrics: section.boolean("enableMetrics", false),
    adminContact: section.string("adminContact", undefined),
    turnUserLifetime: duration(section, "turnUserLifetime", section.string("turnUserLifetime", "1h")),
    turnAllowGuests: section.boolean("turnAllowGuests", false),
    maxEventDelayDuration: duration(
      section,
      "maxEventDelayDuration",
      section.string("maxEventDelayDuration", "24h"),
    ),
  };
  section.rejectUnknownKeys();
  return synapse;
}

export function parseTurnOptions(top: SectionReader, hosts: Hostnames): TurnOptions {
  const section = top.section("turn");
  const turn = {
    tls: section.boolean("tls", false),
    certFile: section.string("certFile", `/etc/matrix-fleet/tls/${hosts.turn}/fullchain.pem`),
    keyFile: section.string("keyFile", `/etc/matrix-fleet/tls/${hosts.turn}/privkey.pem`),
    userQuota: section.integer("userQuota", 12, 1, 100000),
    totalQuota: section.integer("totalQuota", 1200, 1, 1000000),
  };
  section.rejectUnknownKeys();
  return turn;
}

export function parseElementOptions(top: SectionReader, organisation: string): ElementOptions {
  const section = top.section("element");
  const element = {
    brand: section.string("brand", organisation),
    disableGuests: section.boolean("disableGuests", true),
    disableCustomUrls: section.boolean("disableCustomUrls", true),
  };
  section.rejectUnknownKeys();
  return element;
}

export function parseJitsiOptions(top: SectionReader): JitsiOptions {
  const section = top.section("jitsi");
  const jitsi = {
    enableAuth: section.boolean("enableAuth", false),
    enableGuests: section.boolean("enableGuests", true),
    enableTranscriptions: section.boolean("enableTranscriptions", false),
    enableRecording: section.boolean("enableRecording", false),
    timezone: section.string("timezone", "Europe/Berlin"),
  };
  section.rejectUnknownKeys();
  return jitsi;
}

export function parseSecretRotation(top: SectionReader): SecretRotation {
  const section = top.section("secretRotation");
  const rotation = {
    turn: section.string("turn", "1"),
    livekit: section.string("livekit", "1"),
    synapse: section.string("synapse", "1"),
    jitsi: section.string("jitsi", "1"),
  };
  section.rejectUnknownKeys();
  return rotation;
}

export function parseOverrides(top: SectionReader): Overrides {
  const section = top.section("overrides");
  const overrides = {
    synapse: section.freeMap("synapse"),
    livekit: section.freeMap("livekit"),
    coturn: coturnOverrides(section),
    lkJwt: stringMap(section, "lkJwt"),
    elementWeb: section.freeMap("elementWeb"),
  };
  section.rejectUnknownKeys();
  return overrides;
}
