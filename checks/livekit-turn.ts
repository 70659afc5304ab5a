import { isPlainObject } from "../config/merge";
import { OrgConfig } from "../config/model";
import { Problem, problem } from "../config/problems";
import { ConfLine } from "../config-templates/formats";
import { StackPlan } from "../config-templates/plan";
import { LIVEKIT_TURN_PROTOCOLS, LIVEKIT_TURN_SERVER_KEYS } from "../facts/livekit";
import { coturnOption, turnServersOverridden } from "./livekit-network";
import { TURN_443 } from "../model/turn-uris";

/**
 * Each `rtc.turn_servers` entry as deployed must be this stack's coturn as coturn really listens: its TURN host,
 * its listener (UDP/TCP) or TLS port, and its static-auth-secret (coturn's use-auth-secret accepts nothing else).
 * An entry LiveKit hands out but coturn refuses is a TURN path only on paper.
 */
export function checkLivekitTurnServers({ org, livekit, coturn, synapse }: StackPlan): Problem[] {
  if (livekit === undefined || coturn === undefined) return [];
  const rtc = isPlainObject(livekit.rtc) ? livekit.rtc : {};
  const servers = Array.isArray(rtc.turn_servers) ? rtc.turn_servers : [];
  const overridden = turnServersOverridden(org);
  const key = (derived: string) => (overridden ? "overrides.livekit.rtc.turn_servers" : derived);
  const problems: Problem[] = [];
  servers.forEach((server, index) => {
    const say = (derived: string, message: string, fix: string) =>
      problems.push(problem(org.stack, key(derived), `rtc.turn_servers[${index}] ${message}`, fix));
    if (!isPlainObject(server)) {
      say("overrides.livekit.rtc.turn_servers", "is not a map", "drop the override");
      return;
    }
    entryProblems(org, coturn, server, say);
  });
  problems.push(...secretDrift(org, coturn, servers, synapseTurnSecret(synapse)));
  const tcpCapable = servers.some((s) => isPlainObject(s) && (s.protocol === "tcp" || s.protocol === "tls"));
  if (servers.length > 0 && !tcpCapable) {
    problems.push(
      problem(
        org.stack,
        "overrides.livekit.rtc.turn_servers",
        "rtc.turn_servers offers TURN over UDP only: clients on networks that block UDP (only TCP 443/3478/5349 pass) get no media",
        "drop the override; matrix-fleet hands out coturn over UDP and TCP on ports.turn, and over TLS with turn.tls",
      ),
    );
  }
  return problems;
}

type Say = (derivedKey: string, message: string, fix: string) => void;

function entryProblems(
  org: OrgConfig,
  coturn: readonly ConfLine[],
  server: Readonly<Record<string, unknown>>,
  say: Say,
): void {
  const dropFix =
    "drop the override; matrix-fleet writes each entry from hosts.turn, ports.* and the TURN secret";
  for (const unknown of Object.keys(server).filter(
    (k) => !(LIVEKIT_TURN_SERVER_KEYS as readonly string[]).includes(k),
  ))
    say(
      "overrides.livekit.rtc.turn_servers",
      `has '${unknown}', which is no TURNServer key: LiveKit's strict parser refuses to start`,
      dropFix,
    );
  const protocol = server.protocol;
  if (!(LIVEKIT_TURN_PROTOCOLS as readonly unknown[]).includes(protocol)) {
    say(
      "overrides.livekit.rtc.turn_servers",
      `has protocol ${JSON.stringify(protocol)}: LiveKit turns anything but udp, tcp or tls into turn:...?transport=tcp without a word`,
      dropFix,
    );
    return;
  }
  if (server.host !== org.hosts.turn)
    say(
      "hosts.turn",
      `points at ${JSON.stringify(server.host)}, not this stack's coturn ${org.hosts.turn} (the name its A record and certificate carry)`,
      dropFix,
    );
  const portOption = protocol === "tls" ? "tls-listening-port" : "listening-port";
  // coturn listens on 3478 when listening-port is not written (examples/etc/turnserver.conf); TLS only when told.
  const port = coturnOption(coturn, portOption) ?? (protocol === "tls" ? undefined : "3478");
  // 443 of the TURN host's second address (turn.port443Ip) is the router's forward to coturn, over TCP and TLS.
  const on443 = server.port === TURN_443 && org.turn.port443Ip !== undefined && protocol !== "udp";
  if (port === undefined && protocol === "tls") {
    say(
      "turn.tls",
      "offers TURN over TLS, but coturn has no TLS listener (turn.tls is off)",
      "turn turn.tls on with a certificate for the TURN host, or drop the tls entry",
    );
  } else if (String(server.port) !== port && !on443) {
    say(
      `overrides.coturn.${portOption}`,
      `offers ${protocol} on port ${String(server.port)}, but coturn's ${portOption} is ${port}: clients reach nothing there`,
      dropFix,
    );
  }
  if (typeof server.secret !== "string" || server.secret === "") {
    say(
      "overrides.livekit.rtc.turn_servers",
      "has no secret: coturn (use-auth-secret) accepts only TURN REST credentials minted from its static-auth-secret, so static username/credential pairs get 401",
      dropFix,
    );
  }
}

const synapseTurnSecret = (synapse: StackPlan["synapse"]) => synapse.homeserver.turn_shared_secret;

/**
 * Entries whose secret is not coturn's static-auth-secret, as one problem. A coturn secret that left Synapse's is
 * reported by checkTurn at the coturn override already; LiveKit's entries then follow the generated secret, and
 * naming the same override twice would say nothing new.
 */
function secretDrift(
  org: OrgConfig,
  coturn: readonly ConfLine[],
  servers: readonly unknown[],
  synapseSecret: unknown,
): Problem[] {
  const secret = coturnOption(coturn, "static-auth-secret");
  const drifted = servers.flatMap((server, index) =>
    isPlainObject(server) &&
    typeof server.secret === "string" &&
    server.secret !== "" &&
    server.secret !== secret
      ? [index]
      : [],
  );
  const overridden = turnServersOverridden(org);
  if (drifted.length === 0 || (!overridden && secret !== String(synapseSecret))) return [];
  return [
    problem(
      org.stack,
      overridden ? "overrides.livekit.rtc.turn_servers" : "overrides.coturn.static-auth-secret",
      `rtc.turn_servers${drifted.map((i) => `[${i}]`).join(", ")} carry a secret other than coturn's static-auth-secret: every TURN allocation of LiveKit's clients gets 401`,
      "drop the override; coturn, Synapse and LiveKit share one generated TURN secret (turn_shared_secret)",
    ),
  ];
}
