import { SectionReader } from "./section-reader";
import { HOSTNAME } from "./values";

/**
 * IPv4 address blocks that cannot serve as what a key says an address is, from IANA's IPv4 Special-Purpose Address
 * Registry (RFC 6890 and the RFCs it names). A WAN address in one of them is unreachable from the internet, so
 * coturn's `external-ip`, LiveKit's `node_ip` and Jitsi's advertised address would send every client to nowhere.
 */
export interface AddressBlock {
  readonly first: string;
  readonly last: string;
  readonly what: string;
}

/** Blocks no address of a host on a network can be in: unspecified, loopback, multicast, reserved, broadcast. */
export const NO_HOST_BLOCKS: readonly AddressBlock[] = [
  { first: "0.0.0.0", last: "0.255.255.255", what: "'this network' (0.0.0.0/8, RFC 1122: unspecified)" },
  { first: "127.0.0.0", last: "127.255.255.255", what: "loopback (127.0.0.0/8)" },
  { first: "224.0.0.0", last: "239.255.255.255", what: "multicast (224.0.0.0/4)" },
  { first: "240.0.0.0", last: "255.255.255.255", what: "reserved or broadcast (240.0.0.0/4)" },
];

/**
 * Blocks a public (WAN) address cannot be in on top of those: private and shared networks and link-local. Not
 * listed on purpose: the documentation blocks of RFC 5737 (the stack files' placeholders, which `pulumi up`
 * refuses on its own) and 198.18.0.0/15 (RFC 2544), the labs' stand-in for the internet.
 */
export const NOT_PUBLIC_BLOCKS: readonly AddressBlock[] = [
  ...NO_HOST_BLOCKS,
  { first: "10.0.0.0", last: "10.255.255.255", what: "private (10.0.0.0/8, RFC 1918)" },
  { first: "100.64.0.0", last: "100.127.255.255", what: "carrier-grade NAT (100.64.0.0/10, RFC 6598)" },
  { first: "169.254.0.0", last: "169.254.255.255", what: "link-local (169.254.0.0/16)" },
  { first: "172.16.0.0", last: "172.31.255.255", what: "private (172.16.0.0/12, RFC 1918)" },
  { first: "192.0.0.0", last: "192.0.0.255", what: "IETF protocol assignments (192.0.0.0/24)" },
  { first: "192.168.0.0", last: "192.168.255.255", what: "private (192.168.0.0/16, RFC 1918)" },
];

/** The address as a number, or undefined when it is not a dotted IPv4 address. */
export function ipv4Number(address: string): number | undefined {
  const parts = address.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255))
    return undefined;
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

/** The first block of `blocks` holding `address`. */
export function blockOf(address: string, blocks: readonly AddressBlock[]): AddressBlock | undefined {
  const value = ipv4Number(address);
  if (value === undefined) return undefined;
  return blocks.find((b) => value >= ipv4Number(b.first)! && value <= ipv4Number(b.last)!);
}

/** `network.publicIp`: a dotted IPv4 address the internet can reach. */
export function publicIpv4(
  section: SectionReader,
  key: string,
  value: string,
  use: { readonly who: string; readonly fix: string } = {
    who: "coturn (external-ip), LiveKit (node_ip) and Jitsi (JVB_ADVERTISE_IPS) would announce it to them",
    fix: "set it to the router's WAN address; the Docker host's address behind the router goes into network.lanIp",
  },
): string {
  if (!ipv4(section, key, value)) return value;
  const block = blockOf(value, NOT_PUBLIC_BLOCKS);
  if (block !== undefined) {
    section.report(
      key,
      `'${value}' is a ${block.what} address, which clients on the internet cannot reach; ${use.who}`,
      use.fix,
    );
  }
  return value;
}

/** An address a host on a network can have (`network.lanIp`, `proxy.lanIp`). */
export function hostIpv4(section: SectionReader, key: string, value: string): string {
  if (!ipv4(section, key, value)) return value;
  const block = blockOf(value, NO_HOST_BLOCKS);
  if (block !== undefined) {
    section.report(
      key,
      `'${value}' is a ${block.what} address, not one a host on the network can be reached at`,
      "set it to the host's address on the LAN, e.g. 192.168.1.10",
    );
  }
  return value;
}

/**
 * `proxy.forwardHost`: what Nginx Proxy Manager writes into `proxy_pass http://<forward_host>:<port>`, so a bare
 * address or hostname. NPM runs in its own container: a loopback address would be NPM itself.
 */
export function forwardHost(section: SectionReader, value: string): string {
  const bare =
    /^[a-z][a-z0-9+.-]*:\/\/([^/:]+)/i.exec(value)?.[1] ?? value.replace(/:\d+$/, "").split("/")[0]!;
  const loopback = bare.toLowerCase() === "localhost" || blockOf(bare, NO_HOST_BLOCKS) !== undefined;
  if (bare !== value) {
    section.report(
      "forwardHost",
      `'${value}' is not a bare address: NPM writes it into forward_host and adds the scheme and each service's port itself (http://<forward_host>:<port>)`,
      `set it to ${bare}${loopback ? " (not a loopback address: see below)" : ""}`,
    );
  } else if (loopback) {
    section.report(
      "forwardHost",
      `'${value}' is a loopback or unspecified address: Nginx Proxy Manager runs in its own container, where it is NPM itself`,
      "set it to the Docker host's LAN address (network.lanIp), which is the default",
    );
  } else if (ipv4Number(value) === undefined && !HOSTNAME.test(value.toLowerCase())) {
    section.report(
      "forwardHost",
      `'${value}' is neither an IPv4 address nor a hostname`,
      "set it to the Docker host's LAN address (network.lanIp), which is the default",
    );
  }
  return value;
}

function ipv4(section: SectionReader, key: string, value: string): boolean {
  if (value === "") return false;
  if (ipv4Number(value) !== undefined) return true;
  section.report(key, `'${value}' is not an IPv4 address`, "use a dotted address like 203.0.113.10");
  return false;
}
