import { isPlainObject } from "../config/merge";
import { ipv4Number } from "../config/addresses";
import { OrgConfig } from "../config/model";
import { Problem, problem } from "../config/problems";
import { ConfLine } from "../config-templates/formats";
import { livekitCandidateCidr } from "../config-templates/livekit";
import { StackPlan } from "../config-templates/plan";
import { DOCKER_DEFAULT_ADDRESS_POOLS } from "../facts/docker-networks";

/**
 * Where LiveKit's media can go, as deployed (overrides merged): the addresses it gathers ICE candidates on
 * (field failure 9: a Docker bridge address gives "waiting for media"), and its TURN path (field failures 12 and
 * 13: without one, clients on networks that pass only 443/3478/5349 get no media). The TURN entries themselves are
 * judged in livekit-turn.ts.
 */

/** An IPv4 CIDR as its first and last address, or undefined when it is none (LiveKit's net.ParseCIDR refuses it). */
export function cidrRange(cidr: string): { first: number; last: number } | undefined {
  const match = /^([^/]+)\/(\d{1,2})$/.exec(cidr);
  const base = match === null ? undefined : ipv4Number(match[1]!);
  const bits = match === null ? NaN : Number(match[2]);
  if (base === undefined || !(bits >= 0 && bits <= 32)) return undefined;
  const size = 2 ** (32 - bits);
  const first = Math.floor(base / size) * size;
  return { first, last: first + size - 1 };
}

const overlaps = (a: { first: number; last: number }, b: { first: number; last: number }) =>
  a.first <= b.last && b.first <= a.last;

/** rtc.ips.includes must hold exactly the Docker host's own address: nothing wider, nothing else. */
export function checkLivekitCandidates({ org, livekit }: StackPlan): Problem[] {
  if (livekit === undefined) return [];
  const rtc = isPlainObject(livekit.rtc) ? livekit.rtc : {};
  const ips = isPlainObject(rtc.ips) ? rtc.ips : {};
  const includes = Array.isArray(ips.includes) ? ips.includes.map(String) : [];
  const expected = livekitCandidateCidr(org);
  const key = "overrides.livekit.rtc.ips.includes";
  const fix = `drop the override; matrix-fleet lets LiveKit gather only on ${expected} (network.lanIp, else network.publicIp)`;
  if (includes.length === 0) {
    return [
      problem(
        org.stack,
        key,
        `rtc.ips.includes is empty: on the host network LiveKit gathers ICE candidates on every interface, docker0 and each bridge network (Docker's default pools ${DOCKER_DEFAULT_ADDRESS_POOLS.join(", ")}) included, and clients wait for media on candidates nothing forwards`,
        fix,
      ),
    ];
  }
  const problems: Problem[] = [];
  for (const entry of includes.filter((e) => e !== expected)) {
    const range = cidrRange(entry);
    const bridge = DOCKER_DEFAULT_ADDRESS_POOLS.find((pool) => range && overlaps(range, cidrRange(pool)!));
    const what =
      range === undefined
        ? `'${entry}' is not an IPv4 CIDR: LiveKit parses each entry with net.ParseCIDR and refuses to start (a single address needs /32)`
        : bridge !== undefined
          ? `'${entry}' lets LiveKit gather ICE candidates on a Docker bridge address (Docker's default pool ${bridge}), which no client on the internet can reach`
          : `'${entry}' lets LiveKit gather ICE candidates on addresses other than the Docker host's ${expected}: the router forwards LiveKit's ports to that one only`;
    problems.push(problem(org.stack, key, `rtc.ips.includes entry ${what}`, fix));
  }
  return problems;
}

/** MatrixRTC needs a TURN path for LiveKit's clients; LiveKit's own TURN/TLS cannot be it behind the proxy. */
export function checkLivekitTurnPath({ org, livekit, coturn }: StackPlan): Problem[] {
  if (livekit === undefined) return [];
  const problems: Problem[] = [];
  const turn = isPlainObject(livekit.turn) ? livekit.turn : {};
  if (turn.enabled === true && Number(turn.tls_port) > 0) {
    problems.push(
      problem(
        org.stack,
        "overrides.livekit.turn.tls_port",
        `LiveKit's built-in TURN/TLS hands its clients turns:${String(turn.domain ?? "")}:443 whatever tls_port says (livekit-server v1.13.5 iceServersForParticipant), and 443 belongs to the reverse proxy: TURN/TLS clients reach Nginx Proxy Manager`,
        "drop the override; LiveKit's clients get TURN over TLS from the organisation's coturn (rtc.turn_servers, turn.tls)",
      ),
    );
  }
  const rtc = isPlainObject(livekit.rtc) ? livekit.rtc : {};
  const servers = Array.isArray(rtc.turn_servers) ? rtc.turn_servers : [];
  if (servers.length > 0) return problems;
  problems.push(
    coturn === undefined
      ? problem(
          org.stack,
          "components.coturn",
          "MatrixRTC is on but LiveKit hands its clients no TURN server (coturn is off): clients on networks that pass only TCP 443/3478/5349 and UDP 3478 (corporate firewalls, some mobile carriers) join calls without media",
          `turn components.coturn on (pulumi config set --path components.coturn true --stack ${org.stack}): LiveKit then hands its clients the organisation's coturn in rtc.turn_servers`,
        )
      : problem(
          org.stack,
          "overrides.livekit.rtc.turn_servers",
          "rtc.turn_servers is empty: LiveKit hands its clients no TURN server, so clients on networks that pass only TCP 443/3478/5349 and UDP 3478 join calls without media",
          "drop the override; matrix-fleet hands LiveKit's clients the organisation's coturn",
        ),
  );
  return problems;
}

/** The value of a coturn option as deployed (its last line), as a string. */
export function coturnOption(coturn: readonly ConfLine[], option: string): string | undefined {
  const line = [...coturn].reverse().find(([name]) => name === option);
  return line === undefined ? undefined : String(line[1] ?? "");
}

/** Whether an override of LiveKit's rtc section wrote turn_servers (then that is the key to name). */
export function turnServersOverridden(org: OrgConfig): boolean {
  const rtc = org.overrides.livekit.rtc;
  return isPlainObject(rtc) && "turn_servers" in rtc;
}
