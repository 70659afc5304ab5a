import { isPlainObject } from "../config/merge";
import { formatRange } from "../config/ports";
import { STATE_STORES } from "../facts/state-stores";
import { OrgConfig, PortRange, StateStoreId } from "../config/model";
import { dockerName, synapseMounts } from "../model/topology";
import { SECRET_NAMES, SECRET_SPECS } from "../facts/secrets";
import { backupSummarySection } from "./backup-summary";
import { callCapacity, callCapacityLines } from "./call-capacity";
import { coturnCertificateSection } from "./coturn-renewal";
import { HostEntry } from "./lk-jwt-hosts";
import { monitoringSection } from "./monitoring-summary";
import { StackPlan } from "./plan";
import { SecretUse, secretUses } from "./secret-uses";
import { turnCapacity } from "./turn-capacity";
import { formatUnjudged, unjudgedOverrides } from "./unjudged-overrides";

const size = (range: PortRange): number => range.end - range.start + 1;

/** The state stores a stack has: Synapse's (media only on a mount of its own) and, with Jitsi, prosody's. */
function stateStoresOf(org: OrgConfig): StateStoreId[] {
  return [
    "postgresData",
    ...synapseMounts(org).map((m) => m.store),
    ...(org.components.jitsi ? (["jitsiProsody", "jitsiTranscripts"] as const) : []),
  ];
}

/**
 * `summary.md`: what this stack runs, where, and how much it can carry. Everything it says about the deployed
 * services (enabled services, federation, Jitsi's access, capacity, TURN URIs, secrets and their consumers) is read
 * from the plan's documents, overrides merged, so it describes what is deployed, not what the port plan intended.
 */
export function renderSummary(plan: StackPlan): string {
  const org = plan.org;
  const whitelist = plan.synapse.homeserver.federation_domain_whitelist;
  const peers = Array.isArray(whitelist) ? whitelist.map(String) : undefined;
  const lines = [
    `# ${org.organisation}: stack ${org.stack}`,
    "",
    `Server name \`${org.serverName}\`, public IP ${org.network.publicIp}${org.network.lanIp ? ` (Docker host ${org.network.lanIp} behind NAT)` : ""}, Docker host \`${org.docker.host}\`.`,
    "",
    ...callsReach(org),
    ...servicesSection(plan),
    ...hostnamesSection(plan),
    ...ownNamesSection(org, plan.lkJwtHosts),
    "## Federation",
    "",
    peers === undefined
      ? "Federates with every server (no `federation_domain_whitelist`)."
      : peers.length === 0
        ? "Federates with nobody (empty `federation_domain_whitelist`)."
        : `Federates only with: ${peers.join(", ")}.`,
    "",
    ...jitsiSection(plan),
    ...capacitySection(plan),
    ...coturnCertificateSection(plan),
    ...monitoringSection(plan),
    ...stateSection(org),
    ...backupSummarySection(plan),
    ...secretsSection(plan),
    ...unjudgedSection(org),
  ];
  return lines.join("\n");
}

/** Who can reach calls from where (issue #29): the site's LAN, and networks that pass only TCP 443. */
function callsReach(org: OrgConfig): string[] {
  const lan = {
    loopback: "through the router's NAT loopback",
    splitDns: "through split DNS on the LAN (router-checklist.md lists the answers)",
    none: "not at all (network.lanAccess none)",
  } as const;
  const lines = [
    ...(org.network.lanAccess === undefined
      ? []
      : [`People on the site's LAN reach the services ${lan[org.network.lanAccess]}.`]),
    ...(org.turn.port443Ip === undefined
      ? []
      : [
          `TURN also answers on TCP 443 of ${org.turn.port443Ip}, the TURN name's address, for networks that pass nothing else.`,
        ]),
  ];
  return lines.length === 0 ? [] : [...lines, ""];
}

/** What reaches a deployed file without matrix-fleet's judgement, for the reviewer; nothing when there is none. */
function unjudgedSection(org: OrgConfig): string[] {
  const unjudged = unjudgedOverrides(org);
  if (unjudged.length === 0) return [];
  return [
    "",
    "## Unjudged overrides",
    "",
    "Marked by the operator as not judged (`overrides.unjudged`): written into the deployed files as given, and not checked by matrix-fleet.",
    "",
    ...unjudged.map((u) => `- \`${formatUnjudged(u)}\``),
  ];
}

function servicesSection({ org, coturn, livekit, lkJwt, elementWeb, jitsi, ketesa }: StackPlan): string[] {
  const enabled = (on: boolean): string => (on ? "yes" : "no");
  const services: Array<[string, boolean, string]> = [
    ["Synapse + PostgreSQL", true, `${org.images.synapse}, ${org.images.postgres}`],
    ["Element Web", elementWeb !== undefined, org.images.elementWeb],
    ["coturn (TURN/STUN)", coturn !== undefined, org.images.coturn],
    ["LiveKit SFU", livekit !== undefined, org.images.livekit],
    ["lk-jwt-service", lkJwt !== undefined, org.images.lkJwt],
    [
      "Jitsi Meet (web, prosody, jicofo, jvb)",
      jitsi !== undefined,
      [org.images.jitsiWeb, org.images.jitsiProsody, org.images.jitsiJicofo, org.images.jitsiJvb].join(", "),
    ],
    ["Ketesa admin UI", ketesa !== undefined, org.images.ketesa],
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

function hostnamesSection({ org, coturn, livekit, elementWeb, jitsi, ketesa }: StackPlan): string[] {
  const hostnames: Array<[string, string, boolean]> = [
    ["Server name (well-known)", org.hosts.wellKnown, true],
    ["Homeserver", org.hosts.homeserver, true],
    ["Element Web", org.hosts.element, elementWeb !== undefined],
    ["MatrixRTC (LiveKit + lk-jwt)", org.hosts.rtc, livekit !== undefined],
    ["TURN (DNS A record to the public IP, not proxied)", org.hosts.turn, coturn !== undefined],
    ["Jitsi", org.hosts.jitsi, jitsi !== undefined],
    ["Admin UI", org.hosts.admin, ketesa !== undefined],
  ];
  return [
    "## Hostnames",
    "",
    "| role | hostname |",
    "|---|---|",
    ...hostnames.filter(([, , on]) => on).map(([role, name]) => `| ${role} | ${name} |`),
    "",
    ...(org.proxy.adoptHosts.length > 0
      ? [
          `Existing Nginx Proxy Manager hosts this stack takes over (proxy.adoptHosts): ${org.proxy.adoptHosts.join(", ")}. pulumi up rewrites them with the definitions here; pulumi destroy deletes them.`,
          "",
        ]
      : []),
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

/** Who may host a meeting: docker-jitsi-meet's ENABLE_AUTH and ENABLE_GUESTS as prosody receives them. */
function jitsiSection({ org, jitsi }: StackPlan): string[] {
  if (jitsi === undefined) return [];
  const access =
    jitsi.prosody.ENABLE_AUTH !== "1"
      ? `**Anyone on the internet can host meetings** on https://${org.hosts.jitsi} (authentication off: \`jitsi.enableAuth: false\`).`
      : `Only users with a prosody account host meetings (authentication on); ${jitsi.prosody.ENABLE_GUESTS === "1" ? "guests without an account may join them" : "guests cannot join"}.`;
  return [
    "## Jitsi",
    "",
    access,
    "prosody's `focus` and `jvb` accounts are recreated at every start with the current passwords, so rotating the `jitsi` secrets needs nothing else.",
    "",
  ];
}

function capacitySection(plan: StackPlan): string[] {
  const turn = turnCapacity(plan);
  const media = plan.ports.find((p) => p.key === "ports.livekitUdp" && plan.livekit !== undefined);
  const iceTcp = plan.ports.find((p) => p.key === "ports.livekitTcp" && plan.livekit !== undefined);
  if (turn === undefined && media === undefined) return [];
  const lines = ["## Capacity", ""];
  if (turn !== undefined) {
    const uris = plan.synapse.homeserver.turn_uris;
    lines.push(
      `- TURN: relay range udp/${formatRange(turn.relay)} = ${size(turn.relay)} ports, total-quota ${turn.totalQuota}${turn.totalQuota === 0 ? " (no quota)" : ""}: ` +
        `**${turn.allocations} concurrent relay allocations** (one per relayed client; a user may hold ${turn.userQuota === 0 ? "any number" : turn.userQuota})${sharedWithLivekit(plan) ? ", shared by Synapse's 1:1 calls and LiveKit's clients" : ""}.`,
      `- TURN URIs handed out by Synapse: ${
        Array.isArray(uris) && uris.length > 0 ? uris.map((u) => `\`${String(u)}\``).join(", ") : "none"
      }.`,
    );
  }
  if (media !== undefined) {
    lines.push(
      `- LiveKit: media range udp/${formatRange(media.range)} = ${size(media.range)} ports (one per WebRTC peer connection; ` +
        `a participant who speaks uses two, a listener one), plus ICE/TCP on ${formatRange(iceTcp?.range ?? media.range)}.`,
      ...callCapacityLines(callCapacity(plan)!),
      ...livekitMediaPaths(plan.livekit),
    );
  }
  lines.push("");
  return lines;
}

/** Whether LiveKit hands its clients TURN servers (then they draw on coturn's relays too). */
function sharedWithLivekit(plan: StackPlan): boolean {
  const rtc = isPlainObject(plan.livekit?.rtc) ? plan.livekit.rtc : {};
  return Array.isArray(rtc.turn_servers) && rtc.turn_servers.length > 0;
}

/** What livekit.yaml says about where media may go: its candidate addresses and the TURN servers it hands out. */
function livekitMediaPaths(livekit: StackPlan["livekit"]): string[] {
  const rtc = isPlainObject(livekit?.rtc) ? livekit.rtc : {};
  const ips = isPlainObject(rtc.ips) && Array.isArray(rtc.ips.includes) ? rtc.ips.includes.map(String) : [];
  const servers = Array.isArray(rtc.turn_servers) ? rtc.turn_servers.filter(isPlainObject) : [];
  const uri = (s: Record<string, unknown>) =>
    `\`${s.protocol === "tls" ? "turns" : "turn"}:${String(s.host)}:${String(s.port)}?transport=${s.protocol === "udp" ? "udp" : "tcp"}\``;
  return [
    `- LiveKit gathers ICE candidates only on ${ips.length > 0 ? ips.map((ip) => `\`${ip}\``).join(", ") : "**every interface** (no rtc.ips.includes)"}.`,
    servers.length > 0
      ? `- TURN for LiveKit's clients (rtc.turn_servers, credentials minted from coturn's secret): ${servers.map(uri).join(", ")}.`
      : "- TURN for LiveKit's clients: **none** (no rtc.turn_servers).",
  ];
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

/** Every secret the documents hold, with where each is written; secrets no document holds are not listed. */
function secretsSection(plan: StackPlan): string[] {
  const adopted = new Set(plan.org.adoption.secrets);
  const uses = secretUses(plan);
  const consumers = (list: readonly SecretUse[]) =>
    list.map((use) => `${use.service} \`${use.key}\` (${use.file})`).join(", ");
  return [
    "## Secrets",
    "",
    "Generated by `@pulumi/random` unless adopted (existing value from secret config `adoptedSecrets`), one per row, shared by every consumer listed (placeholders in rendered files show the sharing).",
    "",
    "| secret | source | consumers |",
    "|---|---|---|",
    ...SECRET_NAMES.flatMap((name) => {
      const used = uses.filter((use) => use.secret === name);
      if (used.length === 0) return [];
      const also = (SECRET_SPECS as Readonly<Record<string, { readonly alsoGivenTo?: string }>>)[name]
        ?.alsoGivenTo;
      return [
        `| \`${name}\` | ${adopted.has(name) ? "adopted" : "generated"} | ${consumers(used)}${also === undefined ? "" : `; ${also}`} |`,
      ];
    }),
    "",
  ];
}
