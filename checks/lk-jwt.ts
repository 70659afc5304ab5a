import { isPlainObject } from "../config/merge";
import { OrgConfig } from "../config/model";
import { Problem, problem } from "../config/problems";
import { StackPlan } from "../config-templates/plan";
import { grantsFullAccess, parseFullAccessHomeservers } from "../facts/lk-jwt";
import { livekitPublicUrl } from "../model/topology";

/** Checks of lk-jwt-service: its environment, and how its container reaches its own organisation's names. */

/** Failure mode 2 (LIVEKIT_URL) and the full-access homeserver. */
export function checkLkJwt({ org, lkJwt, livekit, lkJwtHosts }: StackPlan): Problem[] {
  if (lkJwt === undefined) return [];
  const problems: Problem[] = [...ownNamesProblems(org, lkJwtHosts ?? [])];
  const expected = livekitPublicUrl(org);
  if (lkJwt.LIVEKIT_URL !== expected) {
    problems.push(
      problem(
        org.stack,
        "overrides.lkJwt.LIVEKIT_URL",
        `LIVEKIT_URL '${lkJwt.LIVEKIT_URL}' is handed to clients as the SFU address but is not the public ${expected}`,
        `drop the override (it must be ${expected})`,
      ),
    );
  }
  problems.push(...fullAccessProblems(org, lkJwt.LIVEKIT_FULL_ACCESS_HOMESERVERS));
  const keys = livekit !== undefined && isPlainObject(livekit.keys) ? livekit.keys : {};
  if (lkJwt.LIVEKIT_KEY === undefined || keys[lkJwt.LIVEKIT_KEY] !== lkJwt.LIVEKIT_SECRET) {
    problems.push(
      problem(
        org.stack,
        "overrides.lkJwt.LIVEKIT_SECRET",
        "lk-jwt-service's LIVEKIT_KEY/LIVEKIT_SECRET is not a key pair LiveKit knows: every token is rejected",
        "drop the override; both come from one generated key pair",
      ),
    );
  }
  return problems;
}

/**
 * `LIVEKIT_FULL_ACCESS_HOMESERVERS` read as lk-jwt-service reads it (facts/lk-jwt.ts): our own users must get room
 * creation, or lk-jwt-service hands out tokens for rooms nobody creates and every call ends in LiveKit's 404.
 */
function fullAccessProblems(org: OrgConfig, value: string | undefined): Problem[] {
  const key = "overrides.lkJwt.LIVEKIT_FULL_ACCESS_HOMESERVERS";
  const setting = parseFullAccessHomeservers(value);
  if (setting.kind === "everyone" || grantsFullAccess(setting, org.serverName)) return [];
  const fix = `set it to ${org.serverName} (names are separated by commas or spaces; * alone means every server)`;
  if (setting.kind === "refusesToStart")
    return [
      problem(
        org.stack,
        key,
        "LIVEKIT_FULL_ACCESS_HOMESERVERS is empty: lk-jwt-service refuses to start",
        fix,
      ),
    ];
  if (setting.servers.length === 0)
    return [
      problem(
        org.stack,
        key,
        `LIVEKIT_FULL_ACCESS_HOMESERVERS ${JSON.stringify(value)} holds only separators: lk-jwt-service starts but lets nobody create rooms, so every call fails with LiveKit's 404`,
        fix,
      ),
    ];
  const starBeside = setting.servers.includes("*")
    ? " (* counts as everyone only when it is the only entry)"
    : "";
  return [
    problem(
      org.stack,
      key,
      `LIVEKIT_FULL_ACCESS_HOMESERVERS '${value ?? ""}' does not name this server (${org.serverName})${starBeside}: its own users get tokens for rooms nobody creates, so their calls fail with LiveKit's 404`,
      fix,
    ),
  ];
}

/**
 * lk-jwt-service reaches its own names through host entries to `proxy.lanIp` (config-templates/lk-jwt-hosts.ts): an
 * address that means the container itself would turn every token request into a connection refused.
 */
function ownNamesProblems(org: OrgConfig, entries: NonNullable<StackPlan["lkJwtHosts"]>): Problem[] {
  if (entries.length === 0 || !/^(127\.|0\.0\.0\.0$)/.test(org.proxy.lanIp)) return [];
  return [
    problem(
      org.stack,
      "proxy.lanIp",
      `proxy.lanIp ${org.proxy.lanIp} is a loopback address: lk-jwt-service reaches ${entries.map((e) => e.name).join(", ")} through it, and inside its container that address is the container itself`,
      "set proxy.lanIp to the proxy host's LAN address, the one the router forwards 80/443 to",
    ),
  ];
}
