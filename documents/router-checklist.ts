import { isPlainObject } from "../config/merge";
import { formatRange } from "../config/ports";
import { StackPlan } from "./plan";

/** `router-checklist.md`: the forwards the deployed documents need (`plan.routerForwards`, overrides included). */
export function renderRouterChecklist({ org, routerForwards, livekit }: StackPlan): string {
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
    ...(coturn
      ? [
          `DNS: ${org.hosts.turn} must resolve to ${org.network.publicIp} directly (an A record, not the proxy): TURN is not HTTP.`,
          "",
        ]
      : []),
    ...turnToLivekitNote(org, livekit, routerForwards),
  ].join("\n");
}

/**
 * With rtc.turn_servers, coturn relays MatrixRTC media to LiveKit's public address. Behind NAT that is the router's
 * own WAN address seen from the Docker host: the packets must come back to it (docs/upstream/livekit.md, TURN path).
 */
function turnToLivekitNote(
  org: StackPlan["org"],
  livekit: StackPlan["livekit"],
  forwards: StackPlan["routerForwards"],
): string[] {
  const rtc = isPlainObject(livekit?.rtc) ? livekit.rtc : {};
  const media = forwards.find((f) => f.service === "LiveKit" && f.protocol === "udp");
  if (!Array.isArray(rtc.turn_servers) || rtc.turn_servers.length === 0 || media === undefined) return [];
  if (org.network.lanIp === undefined) return [];
  const range = formatRange(media.range);
  return [
    `MatrixRTC through TURN: LiveKit hands its clients this stack's coturn, and coturn relays their media to LiveKit at ${org.network.publicIp} (udp/${range}).`,
    `From the Docker host (${org.network.lanIp}) that is the router's own WAN address, so the router must send it back in (NAT loopback / hairpin NAT`,
    `for udp/${range}, with the source rewritten to the router as most routers do), or the Docker host must keep it local:`,
    `\`iptables -t nat -A OUTPUT -d ${org.network.publicIp} -p udp --dport ${range.replace("-", ":")} -j DNAT --to-destination ${org.network.lanIp}\`.`,
    "",
  ];
}
