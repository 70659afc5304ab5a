import { isPlainObject } from "../config/merge";
import { formatRange } from "../config/ports";
import { StackPlan } from "./plan";
import { lanAccessSection } from "./lan-access";

/** `router-checklist.md`: the forwards the deployed documents need (`plan.routerForwards`, overrides included). */
export function renderRouterChecklist({
  org,
  routerForwards,
  turn443Forwards,
  livekit,
  coturn: coturnLines,
  proxyHosts,
}: StackPlan): string {
  const rows = routerForwards.map(
    (f) =>
      `| ${f.protocol.toUpperCase()} | ${formatRange(f.range)} | ${f.target} (same port) | ${f.service} | ${f.why} |`,
  );
  // The services that tell clients the public address with the port they bound: only those this stack runs.
  const announcers = [...new Set(routerForwards.map((f) => f.service))]
    .filter((service) => service !== "Nginx Proxy Manager")
    .map((service) => (service === "Jitsi videobridge" ? "the Jitsi videobridge" : service));
  const who =
    announcers.length <= 1
      ? `${announcers[0] ?? "nothing"} announces`
      : `${announcers.slice(0, -1).join(", ")} and ${announcers[announcers.length - 1]} announce`;
  const coturn = routerForwards.some((f) => f.service === "coturn");
  return [
    `# Router checklist: ${org.organisation} (stack ${org.stack})`,
    "",
    `Forward these WAN ports on the router in front of ${org.network.publicIp}. Ranges are forwarded 1:1: the`,
    `same port numbers outside and inside, because ${who} the public address with the port`,
    'they bound. A missing UDP range is the classic "calls work on Wi-Fi, fail on mobile data".',
    "",
    "| protocol | WAN port(s) | forward to | service | why |",
    "|---|---|---|---|---|",
    ...rows,
    "",
    ...turn443Section(org, turn443Forwards),
    ...(coturn
      ? [
          `DNS: ${org.hosts.turn} must resolve to ${org.turn.port443Ip ?? org.network.publicIp} directly (an A record, not the proxy): TURN is not HTTP.`,
          "",
        ]
      : []),
    ...turnToLivekitNote(org, livekit, coturnLines, routerForwards),
    ...lanAccessSection(org, proxyHosts, routerForwards, coturnLines !== undefined),
  ].join("\n");
}

/** The second WAN address of TURN on 443 (`turn.port443Ip`) and its forwards: 443 translated, the rest 1:1. */
function turn443Section(org: StackPlan["org"], forwards: StackPlan["turn443Forwards"]): string[] {
  if (org.turn.port443Ip === undefined || forwards.length === 0) return [];
  return [
    `## TURN on 443: the second WAN address ${org.turn.port443Ip}`,
    "",
    `Networks that pass nothing but TCP 443 (hospital and corporate guest Wi-Fi) reach coturn only on 443, which ${org.network.publicIp} gives to the proxy. The second address gives it to coturn: forward these of ${org.turn.port443Ip}.`,
    "",
    "| protocol | WAN port | forward to | service | why |",
    "|---|---|---|---|---|",
    ...forwards.map(
      (f) =>
        `| ${f.protocol.toUpperCase()} | ${formatRange(f.range)} | ${f.target}:${f.targetPort ?? formatRange(f.range)} | ${f.service} | ${f.why} |`,
    ),
    "",
  ];
}

/**
 * With rtc.turn_servers, coturn relays MatrixRTC media to LiveKit's candidates, which all carry rtc.node_ip: the
 * public IP. coturn maps a peer address equal to the public part of its external-ip to the private part before it
 * relays (stun_attr_get_addr_str -> map_addr_from_public_to_private), so with external-ip public/private the path
 * stays on the Docker host and the router needs no NAT loopback for it; the Docker lab's strict-network call runs
 * on a router without loopback (lab/scenarios/strict-network.ts). Only an external-ip without that mapping (an
 * override) sends it to the router's WAN address.
 */
function turnToLivekitNote(
  org: StackPlan["org"],
  livekit: StackPlan["livekit"],
  coturn: StackPlan["coturn"],
  forwards: StackPlan["routerForwards"],
): string[] {
  const rtc = isPlainObject(livekit?.rtc) ? livekit.rtc : {};
  const media = forwards.find((f) => f.service === "LiveKit" && f.protocol === "udp");
  if (!Array.isArray(rtc.turn_servers) || rtc.turn_servers.length === 0 || media === undefined) return [];
  if (org.network.lanIp === undefined) return [];
  const range = formatRange(media.range);
  const mapping = `${org.network.publicIp}/${org.network.lanIp}`;
  const externalIp = coturn?.find(([option]) => option === "external-ip")?.[1];
  const relayed = `MatrixRTC through TURN: LiveKit hands its clients this stack's coturn, and coturn relays their media to LiveKit at ${org.network.publicIp} (udp/${range}).`;
  if (externalIp === mapping) {
    return [
      relayed,
      `coturn's external-ip (${mapping}) maps that address to the Docker host's own, so the relayed media stays on the host:`,
      "no NAT loopback (hairpin NAT) is needed for it.",
      "",
    ];
  }
  return [
    relayed,
    `coturn's external-ip is ${externalIp ?? "not set"}, not ${mapping}: from the Docker host (${org.network.lanIp}) that address is the router's own WAN address,`,
    `so the router must send it back in (NAT loopback / hairpin NAT for udp/${range}), or the Docker host must keep it local:`,
    `\`iptables -t nat -A OUTPUT -d ${org.network.publicIp} -p udp --dport ${range.replace("-", ":")} -j DNAT --to-destination ${org.network.lanIp}\`.`,
    "",
  ];
}
