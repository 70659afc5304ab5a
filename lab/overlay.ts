/**
 * The lab overlay: the ONE place that turns the rendered production files into files that run on this machine.
 * It changes only
 *   - addresses: each organisation gets its own address inside the lab's network namespace, and every
 *     service binds to / announces that address instead of the WAN address;
 *   - ports that would clash: coturn's CLI (one per instance) is switched off, and LiveKit's ICE/TCP port and UDP
 *     range (bound on every interface, whatever bind_addresses says) move by a per-organisation offset;
 *   - certificate and state paths: the lab's private CA, and container paths translated through the stack's
 *     mounts into directories under .lab/ (a path on no mount is an error: in production it would be lost with
 *     its container);
 *   - the database host: each organisation's PostgreSQL listens on its lab address.
 * Nothing else. Whatever the lab proves about secrets, keys, URLs, whitelists, rtc_foci and CORS is proved about
 * the production files.
 */
import * as yaml from "js-yaml";
import * as path from "node:path";
import { NpmProxyHost } from "../config-templates/npm-proxy-hosts";

/**
 * Lab addresses: RFC 2544's benchmarking range, on a veth interface inside the lab namespace (lab/run.sh), so
 * nothing can leave it. Not loopback: WebRTC stacks ignore loopback interfaces for ICE, so LiveKit and its
 * clients could never connect media there.
 */
export const LAB_NETWORK = "198.18.0.0/15";
export const LAB_ADDRESSES: Readonly<Record<string, string>> = {
  produktor: "198.18.1.1",
  "pro-dukt": "198.18.2.1",
  medex: "198.18.3.1",
  moda1: "198.18.4.1",
};

/** Added to LiveKit's ICE ports so that several organisations' SFUs fit on one machine. */
export const LAB_PORT_OFFSETS: Readonly<Record<string, number>> = {
  produktor: 0,
  "pro-dukt": 1000,
  medex: 2000,
  moda1: 3000,
};

export interface LabStackPaths {
  readonly stack: string;
  readonly address: string;
  /** Per-organisation state directory (media, keys, pid files). */
  readonly dir: string;
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** The stack's production addresses (WAN, Docker host LAN) that the lab address stands in for. */
  readonly productionAddresses: readonly string[];
  /** Synapse's container mounts: container path -> lab directory, as Docker would mount the stores. */
  readonly synapseMounts: Readonly<Record<string, string>>;
}

export function labPaths(
  labDir: string,
  stack: string,
  productionAddresses: readonly string[],
): LabStackPaths {
  const address = LAB_ADDRESSES[stack];
  if (address === undefined) throw new Error(`no lab address for stack ${stack}`);
  const dir = path.join(labDir, stack);
  return {
    stack,
    address,
    dir,
    caFile: path.join(labDir, "ca", "ca.pem"),
    certFile: path.join(labDir, "ca", `${stack}.pem`),
    keyFile: path.join(labDir, "ca", `${stack}.key`),
    productionAddresses,
    synapseMounts: {
      "/data": path.join(dir, "data"),
      "/media_store": path.join(dir, "media_store"),
      // Where prepare.ts puts the rendered homeserver.yaml and log.config (the container's uploads).
      "/config": dir,
    },
  };
}

/** A container path as the lab sees it through the mounts; a path on no mount would not survive its container. */
export function translateContainerPath(
  containerPath: string,
  mounts: Readonly<Record<string, string>>,
): string {
  const target = Object.keys(mounts)
    .filter((t) => containerPath === t || containerPath.startsWith(`${t}/`))
    .sort((a, b) => b.length - a.length)[0];
  if (target === undefined)
    throw new Error(
      `${containerPath} is on no mount (${Object.keys(mounts).join(", ")}): it would be lost with the container`,
    );
  return path.join(mounts[target]!, path.posix.relative(target, containerPath));
}

type Doc = Record<string, unknown>;

/**
 * Address translation, not replacement: a production address becomes the lab address, anything else stays. A
 * renderer that announced a wrong address (a bridge IP, the LAN address where the WAN one belongs) keeps it in
 * the lab too, and the lab's calls fail the way production calls would.
 */
export function translateAddresses(value: string, lab: LabStackPaths): string {
  return value
    .split("/")
    .map((part) => (lab.productionAddresses.includes(part) ? lab.address : part))
    .join("/");
}

export function overlaySynapse(text: string, lab: LabStackPaths): string {
  const doc = yaml.load(text) as Doc;
  const listeners = doc.listeners as Doc[];
  for (const listener of listeners) listener.bind_addresses = [lab.address];
  const args = (doc.database as { args: Doc }).args;
  args.host = lab.address;
  for (const key of ["pid_file", "media_store_path", "signing_key_path", "log_config"]) {
    doc[key] = translateContainerPath(String(doc[key]), lab.synapseMounts);
  }
  // Certificates: peers present certificates from the lab CA.
  doc.federation_custom_ca_list = [lab.caFile];
  // Addresses: Synapse refuses outbound requests to special ranges by default; the lab's "internet" is one.
  doc.ip_range_whitelist = [LAB_NETWORK];
  return yaml.dump(doc, { lineWidth: -1 });
}

export function overlayCoturn(text: string, lab: LabStackPaths): string {
  const replaced = new Map<string, (value: string) => string>([
    ["external-ip", (value) => translateAddresses(value, lab)],
    ["allowed-peer-ip", (value) => translateAddresses(value, lab)],
    ["cert", () => lab.certFile],
    ["pkey", () => lab.keyFile],
  ]);
  const lines = text
    .split("\n")
    .map((line) => {
      const [option = "", ...rest] = line.split("=");
      const replace = replaced.get(option);
      return replace === undefined ? line : `${option}=${replace(rest.join("="))}`;
    })
    // Debian's coturn 4.6.1 is built without the Prometheus exporter (it would only warn about the lines).
    .filter((line) => line !== "" && !/^prometheus(-port)?(=|$)/.test(line));
  lines.push(
    `listening-ip=${lab.address}`,
    `relay-ip=${lab.address}`,
    "no-cli",
    `pidfile=${path.join(lab.dir, "turnserver.pid")}`,
  );
  return `${lines.join("\n")}\n`;
}

export function overlayLivekit(text: string, lab: LabStackPaths): string {
  const doc = yaml.load(text) as Doc;
  doc.bind_addresses = [lab.address];
  const rtc = doc.rtc as Doc;
  rtc.node_ip = translateAddresses(String(rtc.node_ip), lab);
  // The candidate filter names the Docker host's own address (a CIDR): the lab address stands in for it.
  const ips = rtc.ips as { includes?: string[] } | undefined;
  if (ips?.includes !== undefined) ips.includes = ips.includes.map((cidr) => translateAddresses(cidr, lab));
  const offset = LAB_PORT_OFFSETS[lab.stack] ?? 0;
  for (const key of ["tcp_port", "port_range_start", "port_range_end"]) rtc[key] = Number(rtc[key]) + offset;
  return yaml.dump(doc, { lineWidth: -1 });
}

/** The proxy forwards to the Docker host; in the lab the services run on the organisation's address. */
export function overlayProxyHosts(text: string, lab: LabStackPaths): NpmProxyHost[] {
  const hosts = JSON.parse(text) as NpmProxyHost[];
  return hosts.map((host) => ({
    ...host,
    forward_host: lab.address,
    // Locations of the host's own text (LiveKit's signalling) proxy to the same upstream.
    advanced_config: host.advanced_config
      .split(`http://${host.forward_host}:`)
      .join(`http://${lab.address}:`),
    locations: host.locations.map((location) => ({ ...location, forward_host: lab.address })),
  }));
}
