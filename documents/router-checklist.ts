import { formatRange } from "../config/ports";
import { StackPlan } from "./plan";

/** `router-checklist.md`: the forwards the deployed documents need (`plan.routerForwards`, overrides included). */
export function renderRouterChecklist({ org, routerForwards }: StackPlan): string {
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
  ].join("\n");
}
