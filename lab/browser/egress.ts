/**
 * The proof that a lab browser talks to nothing outside the lab: the client namespaces count every packet that
 * leaves for an address outside the lab's network (nftables counter `elsewhere`, lab/deploy/network.sh), and the
 * lab DNS logs every query with the asking address ($STATE/dns.log, dnsmasq --log-queries). A browser session
 * passes when no packet went elsewhere and every name it asked the DNS for is a lab name.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { RUN_DIR } from "../deploy/sites";
import { namesAskedFrom } from "./core/dns-log";

/** nftables table of each client namespace (lab/deploy/network.sh). */
const TABLES: Readonly<Record<string, readonly [string, string]>> = {
  "mfd-client": ["inet", "client_firewall"],
  "mfd-strict": ["inet", "strict_network"],
};

/** The address each client namespace asks the lab DNS from. */
export const CLIENT_ADDRESSES: Readonly<Record<string, string>> = {
  "mfd-client": "198.19.200.2",
  "mfd-strict": "198.19.201.2",
};

export const DNS_LOG = `${RUN_DIR}/dns.log`;

function nft(namespace: string, ...args: string[]): string {
  return execFileSync("ip", ["netns", "exec", namespace, "nft", ...args], { encoding: "utf8" });
}

export interface EgressMark {
  readonly namespace: string;
  /** The DNS log's length when the mark was made. */
  readonly dnsOffset: number;
}

/** Zeroes the namespace's `elsewhere` counter and set and remembers where the DNS log stands. */
export function markEgress(namespace: string): EgressMark {
  const table = TABLES[namespace];
  if (table === undefined) throw new Error(`${namespace} is not a lab client namespace`);
  nft(namespace, "reset", "counter", ...table, "elsewhere");
  nft(namespace, "reset", "counter", ...table, "link_local");
  nft(namespace, "flush", "set", ...table, "elsewhere_to");
  return { namespace, dnsOffset: fs.existsSync(DNS_LOG) ? fs.statSync(DNS_LOG).size : 0 };
}

export interface Egress {
  /** Packets to addresses outside the lab since the mark. */
  readonly packetsElsewhere: number;
  /** Where they went: "<address> <protocol number>" each. */
  readonly destinationsElsewhere: readonly string[];
  /**
   * Packets to link-local multicast (224.0.0.0/24), which no router forwards: Chromium's mDNS announcements of
   * its WebRTC host candidates' names (lab/deploy/network.sh). Reported, not counted as leaving the lab.
   */
  readonly packetsLinkLocal: number;
  /** Names the namespace asked the lab DNS for since the mark (dnsmasq: "query[A] <name> from <address>"). */
  readonly namesAsked: readonly string[];
}

function packets(namespace: string, counter: string): number {
  const listed = JSON.parse(nft(namespace, "-j", "list", "counter", ...TABLES[namespace]!, counter)) as {
    nftables: Array<{ counter?: { packets: number } }>;
  };
  return listed.nftables.find((e) => e.counter !== undefined)?.counter?.packets ?? 0;
}

export function egressSince(mark: EgressMark): Egress {
  const table = TABLES[mark.namespace]!;
  const packetsElsewhere = packets(mark.namespace, "elsewhere");
  const set = JSON.parse(nft(mark.namespace, "-j", "list", "set", ...table, "elsewhere_to")) as {
    nftables: Array<{ set?: { elem?: Array<{ concat?: unknown[] } | unknown> } }>;
  };
  const elements = set.nftables.find((e) => e.set !== undefined)?.set?.elem ?? [];
  const destinationsElsewhere = elements.map((e) =>
    ((e as { concat?: unknown[] }).concat ?? [e]).map((part) => JSON.stringify(part)).join(" "),
  );
  const log = fs.existsSync(DNS_LOG) ? fs.readFileSync(DNS_LOG, "utf8").slice(mark.dnsOffset) : "";
  return {
    packetsElsewhere,
    destinationsElsewhere,
    packetsLinkLocal: packets(mark.namespace, "link_local"),
    namesAsked: namesAskedFrom(log, CLIENT_ADDRESSES[mark.namespace]!),
  };
}
