import { formatRange } from "../config/ports";
import { STATE_STORES } from "../facts/state-stores";
import { OrgConfig, PortRange, StateStoreId } from "../config/model";
import { dockerName, synapseMounts } from "../model/topology";
import { SECRET_NAMES, SECRET_SPECS } from "../facts/secrets";
import { turnUris } from "../model/turn-uris";
import { HostEntry } from "./lk-jwt-hosts";

const size = (range: PortRange): number => range.end - range.start + 1;

/**
 * Concurrent TURN relays the relay range allows: coturn gives every allocation its own relay port, and
 * `total-quota` caps the count below that. Each relayed 1:1 call uses one allocation per relayed client.
 */
export function turnRelayCapacity(org: OrgConfig): number {
  return Math.min(size(org.ports.turnRelay), org.turn.totalQuota);
}

/** The state stores a stack has: Synapse's (media only on a mount of its own) and, with Jitsi, prosody's. */
function stateStoresOf(org: OrgConfig): StateStoreId[] {
  return [
    "postgresData",
    ...synapseMounts(org).map((m) => m.store),
    ...(org.components.jitsi ? (["jitsiProsody", "jitsiTranscripts"] as const) : []),
  ];
}

/** `summary.md`: what this stack runs, where, and how much it can carry. */
export function renderSummary(org: OrgConfig, lkJwtHosts?: readonly HostEntry[]): string {
  const lines = [
    `# ${org.organisation}: stack ${org.stack}`,
    "",
    `Server name \`${org.serverName}\`, public IP ${org.network.publicIp}${org.network.lanIp ? ` (Docker host ${org.network.lanIp} behind NAT)` : ""}, Docker host \`${org.docker.host}\`.`,
    "",
    ...servicesSection(org),
    ...hostnamesSection(org),
    ...ownNamesSection(org, lkJwtHosts),
    "## Federation",
    "",
    org.federationPeers.length === 0
      ? "Federates with nobody (empty `federation_domain_whitelist`)."
      : `Federates only with: ${org.federationPeers.join(", ")}.`,
    "",
    ...capacitySection(org),
    ...stateSection(org),
    ...secretsSection(org),
  ];
  return lines.join("\n");
}

function servicesSection(org: OrgConfig): string[] {
  const c = org.components;
  const enabled = (on: boolean): string => (on ? "yes" : "no");
  const services: Array<[string, boolean, string]> = [
    ["Synapse + PostgreSQL", true, `${org.images.synapse}, ${org.images.postgres}`],
    ["Element Web", c.elementWeb, org.images.elementWeb],
    ["coturn (TURN/STUN)", c.coturn, org.images.coturn],
    ["LiveKit SFU", c.matrixRtc, org.images.livekit],
    ["lk-jwt-service", c.matrixRtc, org.images.lkJwt],
    [
      "Jitsi Meet (web, prosody, jicofo, jvb)",
      c.jitsi,
      [org.images.jitsiWeb, org.images.jitsiProsody, org.images.jitsiJicofo, org.images.jitsiJvb].join(", "),
    ],
    ["Ketesa admin UI", c.ketesa, org.images.ketesa],
  ];
  return [
    "## Services",
    "",
    "| service | enabled | image |",
    "|---|---|---|",
    ...services.map(([name, on, image]) => `| ${name} | ${enabled(on)} | ${on ? `\`${image}\`` : "-"} |`),
    "",
  ];
}

function hostnamesSection(org: OrgConfig): string[] {
  const c = org.components;
  const hostnames: Array<[string, string, boolean]> = [
    ["Server name (well-known)", org.hosts.wellKnown, true],
    ["Homeserver", org.hosts.homeserver, true],
    ["Element Web", org.hosts.element, c.elementWeb],
    ["MatrixRTC (LiveKit + lk-jwt)", org.hosts.rtc, c.matrixRtc],
    ["TURN (DNS A record to the public IP, not proxied)", org.hosts.turn, c.coturn],
    ["Jitsi", org.hosts.jitsi, c.jitsi],
    ["Admin UI", org.hosts.admin, c.ketesa],
  ];
  return [
    "## Hostnames",
    "",
    "| role | hostname |",
    "|---|---|",
    ...hostnames.filter(([, , on]) => on).map(([role, name]) => `| ${role} | ${name} |`),
    "",
  ];
}

/**
 * How lk-jwt-service reaches its own organisation's public names: through host entries to the proxy's LAN address,
 * so neither hairpin NAT on the router nor split DNS is needed.
 */
function ownNamesSection(org: OrgConfig, entries: readonly HostEntry[] | undefined): string[] {
  if (entries === undefined) return [];
  return [
    "## lk-jwt-service reaches its own names on the LAN",
    "",
    `lk-jwt-service validates our users' OpenID tokens and creates call rooms through this organisation's public names. ` +
      `From the Docker host those names resolve to the WAN address ${org.network.publicIp}, which answers only if the router loops ` +
      `traffic back (hairpin NAT). The container therefore gets host entries to the proxy's LAN address (\`proxy.lanIp\`), ` +
      "which serves the same names with the same certificates; the router needs no hairpin NAT and DNS no split view.",
    "",
    "| name | resolves in the lk-jwt-service container to | contacted for |",
    "|---|---|---|",
    ...entries.map((e) => `| ${e.name} | ${e.ip} | ${e.why} |`),
    "",
  ];
}

function capacitySection(org: OrgConfig): string[] {
  const c = org.components;
  if (!c.coturn && !c.matrixRtc) return [];
  const lines = ["## Capacity", ""];
  if (c.coturn) {
    lines.push(
      `- TURN: relay range udp/${formatRange(org.ports.turnRelay)} = ${size(org.ports.turnRelay)} ports, total-quota ${org.turn.totalQuota}: ` +
        `**${turnRelayCapacity(org)} concurrent relay allocations** (one per relayed client; a user may hold ${org.turn.userQuota}).`,
      `- TURN URIs handed out by Synapse: ${turnUris(org)
        .map((u) => `\`${u}\``)
        .join(", ")}.`,
    );
  }
  if (c.matrixRtc) {
    lines.push(
      `- LiveKit: media range udp/${formatRange(org.ports.livekitUdp)} = ${size(org.ports.livekitUdp)} ports (one per WebRTC peer connection; ` +
        `a participant uses two), plus ICE/TCP on ${org.ports.livekitTcp}.`,
    );
  }
  lines.push("");
  return lines;
}

function stateSection(org: OrgConfig): string[] {
  return [
    "## State",
    "",
    "| store | holds | where |",
    "|---|---|---|",
    ...stateStoresOf(org).map((id) => {
      const store = org.adoption.stores[id];
      const where =
        store === undefined
          ? `volume \`${dockerName(org.stack, STATE_STORES[id].volume)}\` (created, protected)`
          : store.kind === "volume"
            ? `adopted volume \`${store.name}\` (read, never owned)`
            : `adopted directory \`${store.path}\` (bind mount)`;
      return `| ${id} | ${STATE_STORES[id].what} | ${where} |`;
    }),
    "",
    `Signing key \`${org.adoption.signingKeyPath}\`, media \`${org.adoption.mediaStorePath}\`, database \`${org.adoption.database.name}\` as \`${org.adoption.database.user}\`.`,
    "",
  ];
}

function secretsSection(org: OrgConfig): string[] {
  const adopted = new Set(org.adoption.secrets);
  return [
    "## Secrets",
    "",
    "Generated by `@pulumi/random` unless adopted (existing value from secret config `adoptedSecrets`), one per row, shared by every consumer listed (placeholders in rendered files show the sharing).",
    "",
    "| secret | source | consumers |",
    "|---|---|---|",
    ...SECRET_NAMES.map(
      (name) =>
        `| \`${name}\` | ${adopted.has(name) ? "adopted" : "generated"} | ${SECRET_SPECS[name].consumers} |`,
    ),
    "",
  ];
}
