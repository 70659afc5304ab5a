import {
  Components,
  DockerTarget,
  LAN_ACCESS_VALUES,
  LanAccess,
  ElementOptions,
  Hostnames,
  JitsiOptions,
  NetworkConfig,
  ProxyConfig,
  SynapseOptions,
  TurnOptions,
} from "./model";
import { SectionReader } from "./section-reader";
import { forwardHost, hostIpv4, publicIpv4 } from "./addresses";
import { contactUri, timeZone } from "./service-values";
import { certificate, duration, hostPath, hostname, portSpecs, size } from "./values";
import { dockerHost, letsEncryptEmail, npmUrl } from "./endpoint-values";

/**
 * The readers of the sections that describe where the stack runs and how each service behaves (`network`,
 * `docker`, `proxy`, `synapse`, `turn`, `element`, `jitsi`); sections.ts holds the structural ones. Each reads its
 * keys with their defaults, reports every value its consumer would reject or misread, and rejects unknown keys.
 */

export function parseNetwork(top: SectionReader): NetworkConfig {
  const section = top.section("network");
  const publicIp = publicIpv4(section, "publicIp", section.requiredString("publicIp", "203.0.113.10"));
  const lanIpRaw = section.string("lanIp", undefined);
  const lanIp = lanIpRaw === undefined ? undefined : hostIpv4(section, "lanIp", lanIpRaw);
  if (lanIp !== undefined && lanIp === publicIp) {
    section.report(
      "lanIp",
      `is the public IP ${publicIp}; coturn would announce external-ip=${publicIp}/${publicIp}, a NAT mapping of the address onto itself`,
      "remove network.lanIp when the Docker host holds the public address itself; behind a router, set it to the Docker host's LAN address",
    );
  }
  const routerForwards = portSpecs(section, "routerForwards");
  const lanAccess = parseLanAccess(section, lanIp);
  section.rejectUnknownKeys();
  return { publicIp, lanIp, lanAccess, routerForwards };
}

/**
 * Behind a router, how people on the site's LAN reach the public names is a fact of the site the stack cannot
 * guess, and every LAN user's calls depend on it (field failure 11): so it must be written down, like
 * jitsi.enableAuth. Without a router (no lanIp) there is nothing to say.
 */
function parseLanAccess(section: SectionReader, lanIp: string | undefined): LanAccess | undefined {
  const lanAccess = section.oneOf("lanAccess", LAN_ACCESS_VALUES);
  if (lanIp === undefined && section.has("lanAccess")) {
    section.report(
      "lanAccess",
      "is set, but network.lanIp is not: without a router in front of the Docker host there is no LAN behind a WAN address to reach",
      "remove network.lanAccess, or set network.lanIp to the Docker host's address behind the router",
    );
    return undefined;
  }
  if (lanIp !== undefined && !section.has("lanAccess")) {
    section.report(
      "lanAccess",
      "is not set: behind a router, people on the site's own LAN resolve the public names to the WAN address, and whether they reach anything there depends on the router; calls fail for exactly the people next to the server when it does not loop back",
      `say how LAN clients reach the services: loopback (the router has NAT loopback for every forward), splitDns (the LAN's DNS answers the names router-checklist.md lists with LAN addresses) or none (nobody uses them from that LAN), e.g. pulumi config set --path network.lanAccess splitDns --stack ${section.stackName}`,
    );
  }
  return lanAccess;
}

export function parseDocker(top: SectionReader): DockerTarget {
  const section = top.section("docker");
  const host = dockerHost(section, section.string("host", "unix:///var/run/docker.sock"));
  if (host.startsWith("tcp://")) {
    section.report(
      "host",
      `'${host}' is Docker's plain TCP API: the stack has no TLS settings for it, and that socket gives root on the host to anyone who reaches it`,
      "use ssh://user@host (with docker.sshOpts for the key), or unix:///var/run/docker.sock on the host itself",
    );
  }
  const docker = { host, sshOpts: section.stringList("sshOpts", []) };
  if (docker.sshOpts.length > 0 && !host.startsWith("ssh://")) {
    section.report(
      "sshOpts",
      `is set, but docker.host '${host}' is no ssh:// address: the options would be ignored`,
      "remove docker.sshOpts, or set docker.host to ssh://user@host",
    );
  }
  section.rejectUnknownKeys();
  return docker;
}

export function parseProxy(top: SectionReader, network: NetworkConfig, serverName: string): ProxyConfig {
  const section = top.section("proxy");
  const lanIp = hostIpv4(section, "lanIp", section.requiredString("lanIp", "192.0.2.20"));
  const url = npmUrl(section, "npmUrl", section.requiredString("npmUrl", "http://192.0.2.20:81"));
  const forward = section.string("forwardHost", undefined);
  const proxy = {
    npmUrl: url,
    lanIp,
    forwardHost: forward === undefined ? (network.lanIp ?? network.publicIp) : forwardHost(section, forward),
    certificate: certificate(section),
    letsencryptEmail: letsEncryptEmail(
      section,
      "letsencryptEmail",
      section.string("letsencryptEmail", `admin@${serverName}`),
    ),
    clientMaxBodySize: size(section, "clientMaxBodySize", section.string("clientMaxBodySize", "50M")),
    adoptHosts: section.stringList("adoptHosts", []).map((name) => hostname(section, "adoptHosts", name)),
  };
  section.rejectUnknownKeys();
  return proxy;
}

export function parseSynapseOptions(top: SectionReader, components: Components): SynapseOptions {
  const section = top.section("synapse");
  const enableRegistration = section.boolean("enableRegistration", false);
  const maxUploadSize = size(section, "maxUploadSize", section.string("maxUploadSize", "50M"));
  const urlPreviews = section.boolean("urlPreviews", false);
  // The stack's own Prometheus scrapes Synapse's metrics listener, so metrics are on with the monitoring.
  const enableMetrics = section.boolean("enableMetrics", components.monitoring);
  if (components.monitoring && !enableMetrics)
    section.report(
      "enableMetrics",
      "is false, but the monitoring (components.monitoring) scrapes Synapse's metrics: Synapse would show as down and none of its alerts could fire",
      "remove synapse.enableMetrics (it follows components.monitoring), or turn the monitoring off with components.monitoring: false",
    );
  const adminContact = section.string("adminContact", undefined);
  const synapse = {
    enableRegistration,
    maxUploadSize,
    urlPreviews,
    enableMetrics,
    adminContact: adminContact === undefined ? undefined : contactUri(section, "adminContact", adminContact),
    turnUserLifetime: duration(section, "turnUserLifetime", section.string("turnUserLifetime", "1h")),
    turnAllowGuests: section.boolean("turnAllowGuests", false),
    maxEventDelayDuration: duration(
      section,
      "maxEventDelayDuration",
      section.string("maxEventDelayDuration", "24h"),
    ),
    // Remote media is a cache others hold the originals of; unbounded, it fills the disk (MDAD#1512, #2467).
    remoteMediaLifetime: duration(
      section,
      "remoteMediaLifetime",
      section.string("remoteMediaLifetime", "90d"),
    ),
  };
  section.rejectUnknownKeys();
  return synapse;
}

export function parseTurnOptions(
  top: SectionReader,
  hosts: Hostnames,
  network: NetworkConfig,
  components: Components,
): TurnOptions {
  const section = top.section("turn");
  const file = (key: string, fallback: string): string => {
    const value = section.string(key, fallback);
    return section.has(key) ? hostPath(section, key, value) : value;
  };
  const turn = {
    tls: section.boolean("tls", false),
    certFile: file("certFile", `/etc/matrix-fleet/tls/${hosts.turn}/fullchain.pem`),
    keyFile: file("keyFile", `/etc/matrix-fleet/tls/${hosts.turn}/privkey.pem`),
    userQuota: section.integer("userQuota", 12, 1, 100000),
    totalQuota: section.integer("totalQuota", 1200, 1, 1000000),
    port443Ip: port443Ip(section, network, components),
  };
  if (turn.userQuota > turn.totalQuota) {
    section.report(
      "userQuota",
      `${turn.userQuota} is more than turn.totalQuota ${turn.totalQuota}, the allocations the whole server grants`,
      "make turn.userQuota smaller than turn.totalQuota (defaults: 12 and 1200)",
    );
  }
  section.rejectUnknownKeys();
  return turn;
}

/**
 * `turn.port443Ip`: the second WAN address of TURN on 443. 443 of the main address belongs to the proxy, so the path
 * needs an address of its own, and a router in front of the Docker host to forward its TCP 443 to coturn
 * (docs/calls.md).
 */
function port443Ip(
  section: SectionReader,
  network: NetworkConfig,
  components: Components,
): string | undefined {
  const raw = section.string("port443Ip", undefined);
  if (raw === undefined) return undefined;
  const address = publicIpv4(section, "port443Ip", raw, {
    who: "the TURN name would resolve to it, for clients on networks that pass nothing but TCP 443",
    fix: "set it to a second WAN address of the site's router, whose TCP 443 it can forward to the Docker host",
  });
  const say = (message: string, fix: string) => section.report("port443Ip", message, fix);
  if (address === network.publicIp)
    say(
      `is network.publicIp ${address}, whose TCP 443 the router forwards to Nginx Proxy Manager: one address cannot send 443 to both the proxy and coturn`,
      "set it to a second WAN address of the site (one the router can forward TCP 443 of to the Docker host), or remove turn.port443Ip",
    );
  else if (network.lanIp === undefined)
    say(
      "is set, but network.lanIp is not: TURN on 443 is a router forward of the second address's TCP 443 to coturn's TLS port, and without a router in front of the Docker host there is none",
      "put the Docker host behind a router that holds both WAN addresses (set network.lanIp), or remove turn.port443Ip",
    );
  if (!components.coturn)
    say(
      "is set, but coturn is off (components.coturn): nothing would answer TURN on 443",
      "turn components.coturn on, or remove turn.port443Ip",
    );
  return address;
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

/**
 * With authentication off, docker-jitsi-meet lets anyone who opens the site host a meeting on it (the guest domain
 * exists only with authentication on: docs/upstream/jitsi.md). That is a choice the stack file states, never a
 * default: with Jitsi on, `jitsi.enableAuth` must be written down either way.
 */
export function parseJitsiOptions(top: SectionReader, components: Components): JitsiOptions {
  const section = top.section("jitsi");
  const enableAuth = section.optionalBoolean("enableAuth");
  if (components.jitsi && !section.has("enableAuth")) {
    section.report(
      "enableAuth",
      "is not set, and Jitsi is on: with authentication off anyone on the internet can host meetings on this server, so that has to be a choice written in the stack file",
      `set jitsi.enableAuth to true (hosts log in with accounts created in prosody; guests join their meetings) or to false (anyone may host), e.g. pulumi config set --path jitsi.enableAuth true --stack ${top.stackName}`,
    );
  }
  const jitsi = {
    enableAuth: enableAuth ?? false,
    enableGuests: section.boolean("enableGuests", true),
    enableTranscriptions: section.boolean("enableTranscriptions", false),
    enableRecording: section.boolean("enableRecording", false),
    timezone: timeZone(section, "timezone", section.string("timezone", "Europe/Berlin")),
  };
  if (enableAuth === false && section.has("enableGuests") && !jitsi.enableGuests) {
    section.report(
      "enableGuests",
      "is false, but with jitsi.enableAuth false there are no guests to refuse: anyone can still host and join meetings",
      "turn jitsi.enableAuth on to restrict who hosts (then enableGuests decides whether others may join), or remove jitsi.enableGuests",
    );
  }
  section.rejectUnknownKeys();
  return jitsi;
}
