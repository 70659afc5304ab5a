import { Problem, problem } from "../config/problems";
import { coturnExternalIp } from "../config-templates/coturn";
import { StackPlan } from "../config-templates/plan";
import { DENIED_PEER_RANGES } from "../facts/coturn";

/**
 * coturn's protections as deployed (overrides merged): a TURN credential must stay a way to relay media to the
 * internet, never into the Docker host's networks, and clients must be sent to the address the router forwards.
 */
export function checkCoturnHardening({ org, coturn, livekit }: StackPlan): Problem[] {
  if (coturn === undefined) return [];
  const values = (option: string) =>
    coturn.filter(([name]) => name === option).map(([, v]) => String(v ?? ""));
  const has = (option: string) => coturn.some(([name]) => name === option);
  const key = (option: string) => `overrides.coturn.${option}`;
  const problems: Problem[] = [];
  const denied = new Set(values("denied-peer-ip"));
  const missing = DENIED_PEER_RANGES.filter((range) => !denied.has(range));
  if (missing.length > 0) {
    problems.push(
      problem(
        org.stack,
        key("denied-peer-ip"),
        `coturn would relay to ${missing.length === DENIED_PEER_RANGES.length ? "every private and special range" : missing.join(", ")}: denied-peer-ip is what keeps a TURN credential from being a way into the Docker host's networks (SSRF)`,
        "drop the override; matrix-fleet denies the ranges Synapse's coturn guide lists",
      ),
    );
  }
  const own = org.network.lanIp ?? org.network.publicIp;
  const opened = values("allowed-peer-ip").filter((value) => value !== own);
  if (opened.length > 0) {
    problems.push(
      problem(
        org.stack,
        key("allowed-peer-ip"),
        `allowed-peer-ip ${opened.join(", ")} re-opens what denied-peer-ip closes: anyone with a TURN credential could reach it through coturn`,
        `drop the override; only the TURN server's own address (${own}) is allowed, for relay-to-relay calls`,
      ),
    );
  }
  const flags: Array<[string, string]> = [
    ["no-multicast-peers", "coturn would relay to multicast addresses"],
    [
      "no-tcp-relay",
      "coturn would open TCP connections for clients (RFC 6062): a TURN credential would reach any TCP service not denied",
    ],
    [
      "use-auth-secret",
      "coturn would not accept the TURN REST credentials Synapse hands out: every allocation fails",
    ],
  ];
  for (const [flag, consequence] of flags) {
    if (!has(flag))
      problems.push(
        problem(
          org.stack,
          key(flag),
          `${flag} is off: ${consequence}`,
          `drop the override; ${flag} stays on`,
        ),
      );
  }
  problems.push(...externalIpProblems({ org, coturn, livekit }, values("external-ip")));
  return problems;
}

/**
 * coturn's external-ip is what it tells clients to send relayed media to. A LiveKit node_ip that differs is
 * reported by checkLivekit; what is left here is coturn alone (or coturn and LiveKit together) leaving the
 * public IP, and a NAT mapping onto the wrong LAN address.
 */
function externalIpProblems(
  { org, livekit }: Pick<StackPlan, "org" | "coturn" | "livekit">,
  externalIps: readonly string[],
): Problem[] {
  const expected = coturnExternalIp(org);
  if (externalIps.length === 1 && externalIps[0] === expected) return [];
  const written = externalIps.join(", ") || "(none)";
  const publicPart = externalIps[0]?.split("/")[0];
  const rtc = livekit?.rtc as { node_ip?: unknown } | undefined;
  if (publicPart !== org.network.publicIp && rtc !== undefined && rtc.node_ip !== publicPart) return [];
  return [
    problem(
      org.stack,
      "overrides.coturn.external-ip",
      publicPart === org.network.publicIp
        ? `coturn's external-ip '${written}' maps the public IP onto another address than the Docker host's (${expected}): relayed media would not reach coturn`
        : `coturn's external-ip '${written}' is not the public IP ${org.network.publicIp}: coturn would tell clients to send relayed media to an address the router does not forward to it`,
      `drop the override; matrix-fleet writes external-ip=${expected} from network.publicIp and network.lanIp`,
    ),
  ];
}
