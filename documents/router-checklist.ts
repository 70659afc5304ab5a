import { formatRange } from "../config/ports";
import { OrgConfig } from "../config/model";
import { RequiredForward } from "../model/router-forwards";

export function renderRouterChecklist(org: OrgConfig, forwards: readonly RequiredForward[]): string {
  const rows = forwards.map(
    (f) =>
      `| ${f.protocol.toUpperCase()} | ${formatRange(f.range)} | ${f.target} (same port) | ${f.service} | ${f.why} |`,
  );
  return [
    `# Router checklist: ${org.organisation} (stack ${org.stack})`,
    "",
    `Forward these WAN ports on the router in front of ${org.network.publicIp}. Ranges are forwarded 1:1: the`,
    "same port numbers outside and inside, because coturn and LiveKit announce the public address with the port",
    'they bound. A missing UDP range is the classic "calls work on Wi-Fi, fail on mobile data".',
    "",
    "| protocol | WAN port(s) | forward to | service | why |",
    "|---|---|---|---|---|",
    ...rows,
    "",
    `DNS: ${org.hosts.turn} must resolve to ${org.network.publicIp} directly (an A record, not the proxy): TURN is not HTTP.`,
    "",
  ].join("\n");
}
