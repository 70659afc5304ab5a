import { formatRange } from "../config/ports";
import { OrgConfig } from "../config/model";
import { PortUse } from "../model/host-ports";
import { Problem, problem } from "../config/problems";
import { indexPortClashes } from "./fleet-ports";

/**
 * Checks across all stacks of the repository: federation is wired by construction only if every whitelist is
 * mirrored by its peer, and two organisations sharing a host or address must not share ports or hostnames.
 * Linear in the fleet: lookups go through maps, and port clashes through an index (fleet-ports.ts). For one
 * stack's view of the fleet, as `render` and the Pulumi program need it, see fleet-index.ts.
 */
export function fleetProblems(orgs: readonly OrgConfig[]): FleetProblem[] {
  return [
    ...federationSymmetry(orgs),
    ...listenOnlyPeers(orgs),
    ...unreachablePeers(orgs),
    ...sharedHostClashes(orgs),
    ...hostnameClashes(orgs),
  ];
}

/** A fleet problem concerns more than the stack it is reported on: `involves` names all of them. */
export interface FleetProblem extends Problem {
  readonly involves: readonly string[];
}

function involving(p: Problem, ...stacks: string[]): FleetProblem {
  return { ...p, involves: [...new Set([p.stack, ...stacks])] };
}

/** `org` lists `peer`, which no stack of the fleet serves. */
export function unknownPeer(org: OrgConfig, peer: string): FleetProblem {
  return involving(
    problem(
      org.stack,
      "federation.peers",
      `peer ${peer} is not a stack of this fleet, so its whitelist cannot be checked to list ${org.serverName}`,
      `add a stack for ${peer}, or remove it from federation.peers`,
    ),
  );
}

/** `org` lists `peer`, served by `other`, which does not list `org` back; reported on `other`. */
export function oneWayPeer(org: OrgConfig, other: OrgConfig, peer: string): FleetProblem {
  return involving(
    problem(
      other.stack,
      "federation.peers",
      `${org.serverName} (stack ${org.stack}) federates with ${peer}, but ${peer} does not list ${org.serverName}: rooms shared between them break one way`,
      `add ${org.serverName} to federation.peers of stack ${other.stack}, or remove ${peer} from stack ${org.stack}`,
    ),
    org.stack,
  );
}

/**
 * `org` runs MatrixRTC and federates with `peer`, served by `other`, which runs none: in MatrixRTC every user
 * publishes media through their own homeserver's LiveKit (MSC4195; lk-jwt-service#238), so `other`'s users join
 * `org`'s calls but can only listen. Reported on `org`, whose calls it is about.
 */
export function listenOnlyPeer(org: OrgConfig, other: OrgConfig, peer: string): FleetProblem {
  return involving(
    problem(
      org.stack,
      "federation.peers",
      `${peer} (stack ${other.stack}) has no MatrixRTC of its own (components.matrixRtc is off): its users can join ${org.serverName}'s Element Call calls but only listen, because each user sends media through their own homeserver's LiveKit and lk-jwt-service`,
      `turn components.matrixRtc on in stack ${other.stack} (pulumi config set --path components.matrixRtc true --stack ${other.stack}), or stop federating: remove ${peer} from federation.peers of stack ${org.stack} and ${org.serverName} from stack ${other.stack}`,
    ),
    other.stack,
  );
}

/** Whether `org`'s calls would have listen-only guests from `other`. */
export function listensOnly(org: OrgConfig, other: OrgConfig): boolean {
  return org.components.matrixRtc && !other.components.matrixRtc;
}

/**
 * `org` runs MatrixRTC and federates with `peer` (stack `other`) behind the same WAN address and router, which its
 * `network.lanAccess: none` says loops nothing back: `org`'s lk-jwt-service validates `peer`'s users at `peer`'s
 * names, from a container on `org`'s Docker host, and those names resolve to the shared WAN address (field failures
 * 7 and 11; lk-jwt-service#129). Reported on `org` alone: its calls, its router setting.
 */
export function unreachablePeer(org: OrgConfig, other: OrgConfig, peer: string): FleetProblem {
  const names = [...new Set([peer, other.hosts.wellKnown, other.hosts.homeserver])].join(", ");
  return involving(
    problem(
      org.stack,
      "network.lanAccess",
      `${peer} (stack ${other.stack}) shares the WAN address ${org.network.publicIp} with ${org.serverName}, and the router loops nothing back (network.lanAccess is none): ${org.serverName}'s lk-jwt-service validates ${peer}'s users at ${names} from its container on the Docker host ${org.network.lanIp ?? ""}, where those names resolve to ${org.network.publicIp}, the router's own address, so ${peer}'s users get no token for ${org.serverName}'s calls`,
      `enable NAT loopback on the router and set network.lanAccess to loopback, or have the LAN's DNS answer ${peer}'s names (split DNS: its router-checklist.md lists them) and set network.lanAccess to splitDns; or give one of the two stacks a WAN address of its own`,
    ),
  );
}

/** Whether `org`'s lk-jwt-service cannot reach `other`'s names: a shared WAN address nothing loops back. */
export function peerUnreachable(org: OrgConfig, other: OrgConfig): boolean {
  return (
    org.components.matrixRtc &&
    org.stack !== other.stack &&
    org.network.lanIp !== undefined &&
    org.network.lanAccess === "none" &&
    other.network.publicIp === org.network.publicIp
  );
}

/** Port use `ub` of stack `b` overlaps `ua` of stack `a` (listed before it) on a host or address they share. */
export function portClash(a: OrgConfig, ua: PortUse, b: OrgConfig, ub: PortUse): FleetProblem {
  const why =
    a.docker.host === b.docker.host ? `Docker host ${a.docker.host}` : `public IP ${a.network.publicIp}`;
  return involving(
    problem(
      b.stack,
      ub.key,
      `${ub.what} ${ub.protocol}/${formatRange(ub.range)} clashes with ${ua.what} of stack ${a.stack} (${ua.protocol}/${formatRange(ua.range)}) on the shared ${why}`,
      `give stack ${b.stack} other ports in matrix-fleet:ports, or a host of its own`,
    ),
    a.stack,
  );
}

/** `org` claims hostname `name`, which stack `owner` (listed before it) claimed already. */
export function hostnameClash(org: OrgConfig, name: string, owner: string): FleetProblem {
  return involving(
    problem(
      org.stack,
      "hosts",
      `hostname ${name} is also used by stack ${owner}`,
      "every organisation needs its own hostnames",
    ),
    owner,
  );
}

/** Every hostname a stack claims: its server name and its hosts, each once. */
export function claimedHostnames(org: OrgConfig): string[] {
  return [...new Set([org.serverName, ...Object.values(org.hosts)])];
}

function federationSymmetry(orgs: readonly OrgConfig[]): FleetProblem[] {
  const byServerName = new Map(orgs.map((org) => [org.serverName, org]));
  const problems: FleetProblem[] = [];
  for (const org of orgs) {
    for (const peer of org.federationPeers) {
      const other = byServerName.get(peer);
      if (other === undefined) problems.push(unknownPeer(org, peer));
      else if (!other.federationPeers.includes(org.serverName)) problems.push(oneWayPeer(org, other, peer));
    }
  }
  return problems;
}

function listenOnlyPeers(orgs: readonly OrgConfig[]): FleetProblem[] {
  const byServerName = new Map(orgs.map((org) => [org.serverName, org]));
  const problems: FleetProblem[] = [];
  for (const org of orgs) {
    for (const peer of org.federationPeers) {
      const other = byServerName.get(peer);
      if (other !== undefined && listensOnly(org, other)) problems.push(listenOnlyPeer(org, other, peer));
    }
  }
  return problems;
}

function unreachablePeers(orgs: readonly OrgConfig[]): FleetProblem[] {
  const byServerName = new Map(orgs.map((org) => [org.serverName, org]));
  const problems: FleetProblem[] = [];
  for (const org of orgs) {
    for (const peer of org.federationPeers) {
      const other = byServerName.get(peer);
      if (other !== undefined && peerUnreachable(org, other))
        problems.push(unreachablePeer(org, other, peer));
    }
  }
  return problems;
}

/**
 * Two stacks deployed to one Docker host (or behind one WAN address) must not bind or forward the same ports.
 * Each clash is reported once, on the later of the two stacks, in the order of a scan over every pair.
 */
function sharedHostClashes(orgs: readonly OrgConfig[]): FleetProblem[] {
  const index = indexPortClashes(orgs);
  const problems: FleetProblem[] = [];
  orgs.forEach((a, position) => {
    const later = index
      .overlapsOf(position)
      .filter((o) => o.other > position)
      .sort((x, y) => x.other - y.other || x.mine - y.mine || x.theirs - y.theirs);
    for (const o of later) {
      problems.push(
        portClash(a, index.uses[position]![o.mine]!, orgs[o.other]!, index.uses[o.other]![o.theirs]!),
      );
    }
  });
  return problems;
}

function hostnameClashes(orgs: readonly OrgConfig[]): FleetProblem[] {
  const owner = new Map<string, string>();
  const problems: FleetProblem[] = [];
  for (const org of orgs) {
    for (const name of claimedHostnames(org)) {
      const other = owner.get(name);
      if (other !== undefined && other !== org.stack) problems.push(hostnameClash(org, name, other));
      owner.set(name, org.stack);
    }
  }
  return problems;
}
