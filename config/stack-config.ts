import { parseAdoption } from "./adoption-config";
import { SectionReader } from "./section-reader";
import { parsePortSpec } from "./ports";
import { DEFAULT_IMAGES, IMAGE_NAMES } from "../facts/images";
import {
  CertificateChoice,
  Components,
  Hostnames,
  ImageName,
  Images,
  OrgConfig,
  PortPlan,
  PortSpec,
} from "./model";
import { CONFIG_NAMESPACE, ConfigError, Problem } from "./problems";

/** Port plan of the source deployment; every organisation gets it unless its stack file says otherwise. */
export const DEFAULT_PORTS: PortPlan = {
  turn: 3478,
  turnTls: 5349,
  turnRelay: { start: 49160, end: 49200 },
  livekitHttp: 7880,
  livekitTcp: 7881,
  livekitUdp: { start: 50100, end: 50200 },
  jvb: 10000,
  synapse: 8008,
  elementWeb: 8080,
  ketesa: 8081,
  lkJwt: 8082,
  jitsiWeb: 8083,
};

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const SIZE = /^\d+[KMG]?$/;
const DURATION = /^\d+(ms|s|m|h|d|w|y)?$/;

export interface ParsedStack {
  readonly config: OrgConfig | undefined;
  readonly problems: readonly Problem[];
}

/**
 * Strips the project namespace from a Pulumi `config:` map: `matrix-fleet:serverName` becomes `serverName`.
 * Keys of other namespaces (e.g. `docker:host`, `pulumi:template`) are not ours and are left out.
 */
export function projectConfig(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key.startsWith(prefix)) result[key.slice(prefix.length)] = value;
  }
  return result;
}

/**
 * Builds the typed model of one organisation from its Pulumi config (namespace already stripped), filling every
 * default. Pure: the same input always gives the same model and the same problems, all of them at once.
 */
export function parseStackConfig(stack: string, values: Readonly<Record<string, unknown>>): ParsedStack {
  const problems: Problem[] = [];
  const top = SectionReader.forSection(stack, "", values, problems);

  const organisation = top.string("organisation", stack);
  const serverName = hostname(top, "serverName", top.requiredString("serverName", "example.org"));

  const hostsSection = top.section("hosts");
  // Derived defaults are not validated again: a bad server name is reported once, at serverName.
  const host = (key: string, fallback: string): string =>
    hostsSection.has(key) ? hostname(hostsSection, key, hostsSection.string(key, fallback)) : fallback;
  const hosts: Hostnames = {
    wellKnown: host("wellKnown", serverName),
    homeserver: host("homeserver", `matrix.${serverName}`),
    element: host("element", `element.${serverName}`),
    rtc: host("rtc", `matrix-rtc.${serverName}`),
    turn: host("turn", `turn.${serverName}`),
    jitsi: host("jitsi", `meet.${serverName}`),
    admin: host("admin", `admin.${serverName}`),
  };
  hostsSection.rejectUnknownKeys();

  const componentsSection = top.section("components");
  const components: Components = {
    elementWeb: componentsSection.boolean("elementWeb", true),
    coturn: componentsSection.boolean("coturn", true),
    matrixRtc: componentsSection.boolean("matrixRtc", true),
    jitsi: componentsSection.boolean("jitsi", false),
    ketesa: componentsSection.boolean("ketesa", true),
  };
  componentsSection.rejectUnknownKeys();

  const networkSection = top.section("network");
  const publicIp = ipv4(
    networkSection,
    "publicIp",
    networkSection.requiredString("publicIp", "203.0.113.10"),
  );
  const lanIpRaw = networkSection.string("lanIp", undefined);
  const lanIp = lanIpRaw === undefined ? undefined : ipv4(networkSection, "lanIp", lanIpRaw);
  const routerForwards = portSpecs(networkSection, "routerForwards");
  networkSection.rejectUnknownKeys();

  const portsSection = top.section("ports");
  const ports: PortPlan = {
    turn: portsSection.port("turn", DEFAULT_PORTS.turn),
    turnTls: portsSection.port("turnTls", DEFAULT_PORTS.turnTls),
    turnRelay: portsSection.portRange("turnRelay", DEFAULT_PORTS.turnRelay),
    livekitHttp: portsSection.port("livekitHttp", DEFAULT_PORTS.livekitHttp),
    livekitTcp: portsSection.port("livekitTcp", DEFAULT_PORTS.livekitTcp),
    livekitUdp: portsSection.portRange("livekitUdp", DEFAULT_PORTS.livekitUdp),
    jvb: portsSection.port("jvb", DEFAULT_PORTS.jvb),
    synapse: portsSection.port("synapse", DEFAULT_PORTS.synapse),
    elementWeb: portsSection.port("elementWeb", DEFAULT_PORTS.elementWeb),
    ketesa: portsSection.port("ketesa", DEFAULT_PORTS.ketesa),
    lkJwt: portsSection.port("lkJwt", DEFAULT_PORTS.lkJwt),
    jitsiWeb: portsSection.port("jitsiWeb", DEFAULT_PORTS.jitsiWeb),
  };
  portsSection.rejectUnknownKeys();

  const federationSection = top.section("federation");
  const federationPeers = federationSection
    .stringList("peers", [])
    .map((peer) => hostname(federationSection, "peers", peer));
  federationSection.rejectUnknownKeys();

  const imagesSection = top.section("images");
  const images = Object.fromEntries(
    IMAGE_NAMES.map((name) => [name, imagesSection.string(name, DEFAULT_IMAGES[name])]),
  ) as Record<ImageName, string>;
  imagesSection.rejectUnknownKeys();

  const dockerSection = top.section("docker");
  const docker = {
    host: dockerHost(dockerSection, dockerSection.string("host", "unix:///var/run/docker.sock")),
    sshOpts: dockerSection.stringList("sshOpts", []),
  };
  dockerSection.rejectUnknownKeys();

  const proxySection = top.section("proxy");
  const proxyLanIp = ipv4(proxySection, "lanIp", proxySection.requiredString("lanIp", "192.0.2.20"));
  const proxy = {
    npmUrl: url(proxySection, "npmUrl", proxySection.requiredString("npmUrl", "http://192.0.2.20:81")),
    lanIp: proxyLanIp,
    forwardHost: proxySection.string("forwardHost", lanIp ?? publicIp),
    certificate: certificate(proxySection),
    letsencryptEmail: email(
      proxySection,
      "letsencryptEmail",
      proxySection.string("letsencryptEmail", `admin@${serverName}`),
    ),
    clientMaxBodySize: size(
      proxySection,
      "clientMaxBodySize",
      proxySection.string("clientMaxBodySize", "50M"),
    ),
  };
  proxySection.rejectUnknownKeys();

  const synapseSection = top.section("synapse");
  const synapse = {
    enableRegistration: synapseSection.boolean("enableRegistration", false),
    maxUploadSize: size(synapseSection, "maxUploadSize", synapseSection.string("maxUploadSize", "50M")),
    urlPreviews: synapseSection.boolean("urlPreviews", false),
    enableMetrics: synapseSection.boolean("enableMetrics", false),
    adminContact: synapseSection.string("adminContact", undefined),
    turnUserLifetime: duration(
      synapseSection,
      "turnUserLifetime",
      synapseSection.string("turnUserLifetime", "1h"),
    ),
    turnAllowGuests: synapseSection.boolean("turnAllowGuests", false),
    maxEventDelayDuration: duration(
      synapseSection,
      "maxEventDelayDuration",
      synapseSection.string("maxEventDelayDuration", "24h"),
    ),
  };
  synapseSection.rejectUnknownKeys();

  const turnSection = top.section("turn");
  const turn = {
    tls: turnSection.boolean("tls", false),
    certFile: turnSection.string("certFile", `/etc/matrix-fleet/tls/${hosts.turn}/fullchain.pem`),
    keyFile: turnSection.string("keyFile", `/etc/matrix-fleet/tls/${hosts.turn}/privkey.pem`),
    userQuota: turnSection.integer("userQuota", 12, 1, 100000),
    totalQuota: turnSection.integer("totalQuota", 1200, 1, 1000000),
  };
  turnSection.rejectUnknownKeys();

  const elementSection = top.section("element");
  const element = {
    brand: elementSection.string("brand", organisation),
    disableGuests: elementSection.boolean("disableGuests", true),
    disableCustomUrls: elementSection.boolean("disableCustomUrls", true),
  };
  elementSection.rejectUnknownKeys();

  const jitsiSection = top.section("jitsi");
  const jitsi = {
    enableAuth: jitsiSection.boolean("enableAuth", false),
    enableGuests: jitsiSection.boolean("enableGuests", true),
    enableTranscriptions: jitsiSection.boolean("enableTranscriptions", false),
    enableRecording: jitsiSection.boolean("enableRecording", false),
    timezone: jitsiSection.string("timezone", "Europe/Berlin"),
  };
  jitsiSection.rejectUnknownKeys();

  const rotationSection = top.section("secretRotation");
  const secretRotation = {
    turn: rotationSection.string("turn", "1"),
    livekit: rotationSection.string("livekit", "1"),
    synapse: rotationSection.string("synapse", "1"),
    jitsi: rotationSection.string("jitsi", "1"),
  };
  rotationSection.rejectUnknownKeys();

  const overridesSection = top.section("overrides");
  const overrides = {
    synapse: overridesSection.freeMap("synapse"),
    livekit: overridesSection.freeMap("livekit"),
    coturn: coturnOverrides(overridesSection),
    lkJwt: stringMap(overridesSection, "lkJwt"),
    elementWeb: overridesSection.freeMap("elementWeb"),
  };
  overridesSection.rejectUnknownKeys();

  const adoption = parseAdoption(top, serverName, components);

  // Secrets read by the Pulumi program itself (pulumi config set --secret): known here, never kept in the model.
  top.raw("npmIdentity");
  top.raw("npmSecret");
  top.rejectUnknownKeys();

  const config: OrgConfig = {
    stack,
    organisation,
    serverName,
    hosts,
    components,
    network: { publicIp, lanIp, routerForwards },
    ports,
    federationPeers,
    images: images as Images,
    docker,
    proxy,
    synapse,
    turn,
    element,
    jitsi,
    secretRotation,
    overrides,
    adoption,
  };
  return { config: problems.length === 0 ? config : undefined, problems };
}

/** Like `parseStackConfig`, but throws one `ConfigError` carrying every problem. */
export function loadOrgConfig(stack: string, values: Readonly<Record<string, unknown>>): OrgConfig {
  const parsed = parseStackConfig(stack, values);
  if (parsed.config === undefined) throw new ConfigError(parsed.problems);
  return parsed.config;
}

function hostname(section: SectionReader, key: string, value: string): string {
  const lower = value.toLowerCase();
  if (value !== "" && !HOSTNAME.test(lower)) {
    section.report(
      key,
      `'${value}' is not a valid DNS hostname`,
      "use a fully qualified name like chat.example.org",
    );
  }
  return lower;
}

function ipv4(section: SectionReader, key: string, value: string): string {
  if (value !== "" && !IPV4.test(value)) {
    section.report(key, `'${value}' is not an IPv4 address`, "use a dotted address like 203.0.113.10");
  }
  return value;
}

function url(section: SectionReader, key: string, value: string): string {
  if (value !== "" && !/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(value)) {
    section.report(key, `'${value}' is not an http(s) URL`, "use a URL like http://192.0.2.20:81");
  }
  return value.replace(/\/+$/, "");
}

function email(section: SectionReader, key: string, value: string): string {
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
    section.report(key, `'${value}' is not an e-mail address`, "use an address like admin@example.org");
  }
  return value;
}

function size(section: SectionReader, key: string, value: string): string {
  if (!SIZE.test(value)) {
    section.report(
      key,
      `'${value}' is not a size`,
      "use a number with an optional K, M or G suffix, e.g. 50M",
    );
  }
  return value;
}

function duration(section: SectionReader, key: string, value: string): string {
  if (!DURATION.test(value)) {
    section.report(
      key,
      `'${value}' is not a duration`,
      "use a number with a unit ms, s, m, h, d, w or y, e.g. 24h",
    );
  }
  return value;
}

function dockerHost(section: SectionReader, value: string): string {
  if (!/^(unix:\/\/\/\S+|ssh:\/\/\S+|tcp:\/\/\S+)$/.test(value)) {
    section.report(
      "host",
      `'${value}' is not a Docker host address`,
      "use unix:///var/run/docker.sock or ssh://user@host",
    );
  }
  return value;
}

function portSpecs(section: SectionReader, key: string): readonly PortSpec[] {
  const specs: PortSpec[] = [];
  for (const text of section.stringList(key, [])) {
    const spec = parsePortSpec(text);
    if (spec === undefined) {
      section.report(
        key,
        `entry '${text}' is not a port forward`,
        "write entries like udp/49160-49200 or tcp/443",
      );
    } else {
      specs.push(spec);
    }
  }
  return specs;
}

function certificate(section: SectionReader): CertificateChoice {
  const value = section.raw("certificate");
  if (value === undefined || value === null || value === "new") return { kind: "new" };
  const id = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof id === "number" && Number.isInteger(id) && id > 0) return { kind: "existing", id };
  section.report(
    "certificate",
    `must be "new" (request a Let's Encrypt certificate) or the id of an existing NPM certificate, got ${JSON.stringify(value)}`,
    "set it to new or to a certificate id from NPM's SSL Certificates page",
  );
  return { kind: "new" };
}

function stringMap(section: SectionReader, key: string): Readonly<Record<string, string>> {
  const map = section.freeMap(key);
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(map)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      result[name] = String(value);
    } else {
      section.report(`${key}.${name}`, "must be a plain value", "environment variables are strings");
    }
  }
  return result;
}

function coturnOverrides(
  section: SectionReader,
): Readonly<Record<string, string | number | boolean | string[]>> {
  const map = section.freeMap("coturn");
  const result: Record<string, string | number | boolean | string[]> = {};
  for (const [name, value] of Object.entries(map)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      result[name] = value;
    } else if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
      result[name] = value as string[];
    } else {
      section.report(
        `coturn.${name}`,
        "must be a value, true (a flag) or a list of values",
        "write turnserver.conf options as key: value",
      );
    }
  }
  return result;
}
