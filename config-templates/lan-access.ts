import { OrgConfig } from "../config/model";
import { formatRange } from "../config/ports";
import { RequiredForward } from "./deployed-ports";
import { NpmProxyHost } from "./npm-proxy-hosts";

/**
 * What people on the site's own LAN need (`network.lanAccess`, field failure 11). Behind a router every public name
 * resolves to the WAN address; a LAN client reaches it only if the router loops it back (NAT loopback), or if the
 * LAN's DNS answers the names with LAN addresses (split DNS). What follows from each, for the router checklist:
 *
 * - `splitDns`: the names the LAN's DNS must answer, each with the address that serves it on the LAN (the proxy's
 *   for the HTTPS names, the Docker host's for TURN). Jitsi's videobridge then also offers the LAN address
 *   (jitsi-env.ts). LiveKit cannot: with a set `node_ip` it rewrites every candidate to that one address
 *   (mediatransportutil `SetNAT1To1AddressRewriteRules`, docs/upstream/livekit.md), so LAN clients reach it through
 *   the TURN name, which the LAN's DNS sends to coturn on the Docker host, or on the peer-reflexive pair LiveKit's own
 *   checks open from its LAN address.
 * - `loopback`: nothing to add but the loopback itself, for every forward (UDP included), not only 80/443.
 * - `none`: nobody on that LAN can use the services; said so, plainly.
 */

/** One answer the LAN's DNS must give under split DNS. */
export interface LanDnsEntry {
  readonly name: string;
  readonly address: string;
  readonly why: string;
}

/** Every public name of the stack with the LAN address that serves it: the proxy host's, or coturn's Docker host. */
export function lanDnsEntries(
  org: OrgConfig,
  proxyHosts: readonly NpmProxyHost[],
  coturn: boolean,
): LanDnsEntry[] {
  const entries: LanDnsEntry[] = [];
  const seen = new Set<string>();
  for (const host of proxyHosts) {
    for (const name of host.domain_names) {
      if (seen.has(name.toLowerCase())) continue;
      seen.add(name.toLowerCase());
      entries.push({ name, address: org.proxy.lanIp, why: "HTTPS through Nginx Proxy Manager" });
    }
  }
  if (coturn && org.network.lanIp !== undefined)
    entries.push({
      name: org.hosts.turn,
      address: org.network.lanIp,
      why: "TURN: coturn on the Docker host (LiveKit's and Synapse's TURN URIs name it)",
    });
  return entries;
}

/** The heading of the split-DNS table in router-checklist.md (the Docker lab reads the table under it). */
export const LAN_DNS_HEADING = "## DNS on the LAN (split DNS)";

/** The router checklist's section on LAN clients, for the stack's `network.lanAccess`; empty without a router. */
export function lanAccessSection(
  org: OrgConfig,
  proxyHosts: readonly NpmProxyHost[],
  forwards: readonly RequiredForward[],
  coturn: boolean,
): string[] {
  const { lanIp, lanAccess, publicIp } = org.network;
  if (lanIp === undefined || lanAccess === undefined) return [];
  const lan = `the site's LAN (the Docker host ${lanIp}, the proxy ${org.proxy.lanIp})`;
  if (lanAccess === "none")
    return [
      "## Clients on the site's LAN",
      "",
      `network.lanAccess is none: the router has no NAT loopback and the LAN's DNS does not answer these names, so nobody on ${lan} can use these services: their names resolve to ${publicIp}, which the router does not send back in. Set it to loopback or splitDns once people there need them.`,
      "",
    ];
  if (lanAccess === "loopback") {
    const udp = forwards
      .filter((f) => f.protocol === "udp")
      .map((f) => `udp/${formatRange(f.range)}`)
      .join(", ");
    return [
      "## Clients on the site's LAN (NAT loopback)",
      "",
      `network.lanAccess is loopback: people on ${lan} reach every service at ${publicIp}, so the router must loop back every forward above, not only 80/443${udp === "" ? "" : `: ${udp} too (media and TURN)`}. Many routers loop back TCP only; if calls fail on the LAN while they work outside, use split DNS instead.`,
      "",
    ];
  }
  return [
    LAN_DNS_HEADING,
    "",
    `network.lanAccess is splitDns: the router does not loop ${publicIp} back, so the DNS server of ${lan} must answer these names with these addresses (and the internet's DNS keeps answering ${publicIp}).`,
    "",
    "| name | LAN address | why |",
    "|---|---|---|",
    ...lanDnsEntries(org, proxyHosts, coturn).map((e) => `| ${e.name} | ${e.address} | ${e.why} |`),
    "",
    "LiveKit keeps offering its public address only (it cannot offer a second one beside rtc.node_ip): LAN clients get their media through the TURN name above, or on the pair LiveKit's own checks open from the Docker host.",
    "",
  ];
}

/** The split-DNS table of a rendered router-checklist.md, read back (the Docker lab gives its LAN client these). */
export function readLanDnsTable(checklist: string): LanDnsEntry[] {
  const start = checklist.indexOf(LAN_DNS_HEADING);
  if (start < 0) return [];
  const rows = checklist
    .slice(start)
    .split("\n")
    .filter((line) => /^\| [^|]+ \| \d+\.\d+\.\d+\.\d+ \|/.test(line));
  return rows.map((line) => {
    const [name, address, why] = line
      .split("|")
      .slice(1, 4)
      .map((cell) => cell.trim());
    return { name: name!, address: address!, why: why! };
  });
}
