import { OrgConfig } from "../config/model";
import {
  FleetProblem,
  claimedHostnames,
  hostnameClash,
  listenOnlyPeer,
  listensOnly,
  oneWayPeer,
  peerUnreachable,
  portClash,
  unreachablePeer,
  unknownPeer,
} from "./fleet";
import { PortClashIndex, indexPortClashes } from "./fleet-ports";

/**
 * The fleet checks as one stack sees them, for every stack of a fleet, after one pass over the fleet. A stack's
 * problems are exactly `fleetProblems([stack, ...the others in fleet order])` limited to the problems that involve
 * it (the stack's own view: a clash between two stacks is reported on the other one, naming this one), which is
 * what `render` and the Pulumi program have always reported. Building that list anew for every stack cost the
 * square of the fleet; here the fleet is indexed once (server names, whitelists, hostnames, port clashes) and each
 * stack's view reads only its own entries.
 */
export interface FleetIndex {
  /** The fleet problems involving `stack`, in the order `fleetProblems` with `stack` first reports them. */
  problemsFor(stack: string): FleetProblem[];
}

interface Occurrence {
  readonly position: number;
  /** Where the entry stands in that stack's own list (its whitelist, its hostnames). */
  readonly index: number;
}

/** Indexes a fleet of distinct stacks, in fleet order. */
export function indexFleet(orgs: readonly OrgConfig[]): FleetIndex {
  const positions = new Map(orgs.map((org, position) => [org.stack, position]));
  const byServerName = new Map<string, number[]>();
  const listers = new Map<string, Occurrence[]>();
  const claimants = new Map<string, Occurrence[]>();
  orgs.forEach((org, position) => {
    append(byServerName, org.serverName, position);
    org.federationPeers.forEach((peer, index) => append(listers, peer, { position, index }));
    claimedHostnames(org).forEach((name, index) => append(claimants, name, { position, index }));
  });
  const ports = indexPortClashes(orgs);
  const view: FleetView = { orgs, byServerName, listers, claimants, ports };
  return {
    problemsFor(stack) {
      const position = positions.get(stack);
      if (position === undefined) throw new Error(`stack ${stack} is not in the indexed fleet`);
      return [
        ...federationFor(view, position),
        ...listenOnlyPeersFor(view, position),
        ...unreachablePeersFor(view, position),
        ...portClashesFor(view, position),
        ...hostnameClashesFor(view, position),
      ];
    },
  };
}

interface FleetView {
  readonly orgs: readonly OrgConfig[];
  readonly byServerName: ReadonlyMap<string, readonly number[]>;
  readonly listers: ReadonlyMap<string, readonly Occurrence[]>;
  readonly claimants: ReadonlyMap<string, readonly Occurrence[]>;
  readonly ports: PortClashIndex;
}

/**
 * The stack serving `serverName` as stack `self` sees the fleet (itself first, then the others): the last of the
 * others that has it, else `self` when it has it.
 */
function servingStack(view: FleetView, serverName: string, self: number): OrgConfig | undefined {
  const serving = view.byServerName.get(serverName) ?? [];
  for (let i = serving.length - 1; i >= 0; i--) if (serving[i] !== self) return view.orgs[serving[i]!];
  return serving.includes(self) ? view.orgs[self] : undefined;
}

/** This stack's own whitelist first, then every other stack listing it without being listed back. */
function federationFor(view: FleetView, self: number): FleetProblem[] {
  const org = view.orgs[self]!;
  const problems: FleetProblem[] = [];
  for (const peer of org.federationPeers) {
    const other = servingStack(view, peer, self);
    if (other === undefined) problems.push(unknownPeer(org, peer));
    else if (!other.federationPeers.includes(org.serverName)) problems.push(oneWayPeer(org, other, peer));
  }
  if (servingStack(view, org.serverName, self) !== org) return problems;
  for (const { position } of view.listers.get(org.serverName) ?? []) {
    const lister = view.orgs[position]!;
    if (position !== self && !org.federationPeers.includes(lister.serverName))
      problems.push(oneWayPeer(lister, org, org.serverName));
  }
  return problems;
}

/**
 * This stack's own MatrixRTC calls with peers that run none, then every stack with MatrixRTC listing this one when
 * this one runs none (the server name resolving to this stack as `fleetProblems` with this stack first resolves it).
 */
function listenOnlyPeersFor(view: FleetView, self: number): FleetProblem[] {
  const org = view.orgs[self]!;
  const problems: FleetProblem[] = [];
  for (const peer of org.federationPeers) {
    const other = servingStack(view, peer, self);
    if (other !== undefined && listensOnly(org, other)) problems.push(listenOnlyPeer(org, other, peer));
  }
  if (org.components.matrixRtc || servingStack(view, org.serverName, self) !== org) return problems;
  for (const { position } of view.listers.get(org.serverName) ?? []) {
    const lister = view.orgs[position]!;
    if (position !== self && listensOnly(lister, org))
      problems.push(listenOnlyPeer(lister, org, org.serverName));
  }
  return problems;
}

/** Peers behind this stack's WAN address its lk-jwt-service cannot reach (reported on this stack alone). */
function unreachablePeersFor(view: FleetView, self: number): FleetProblem[] {
  const org = view.orgs[self]!;
  return org.federationPeers.flatMap((peer) => {
    const other = servingStack(view, peer, self);
    return other !== undefined && peerUnreachable(org, other) ? [unreachablePeer(org, other, peer)] : [];
  });
}

/** With this stack first, every clash with another stack is reported on the other one, naming this one. */
function portClashesFor(view: FleetView, self: number): FleetProblem[] {
  const { orgs, ports } = view;
  return [...ports.overlapsOf(self)]
    .sort((x, y) => x.other - y.other || x.mine - y.mine || x.theirs - y.theirs)
    .map((o) =>
      portClash(orgs[self]!, ports.uses[self]![o.mine]!, orgs[o.other]!, ports.uses[o.other]![o.theirs]!),
    );
}

/**
 * With this stack first, it owns its hostnames; the first other stack claiming one of them is told so (later
 * ones are told about that stack, not this one).
 */
function hostnameClashesFor(view: FleetView, self: number): FleetProblem[] {
  const org = view.orgs[self]!;
  const clashes: Array<{ readonly at: Occurrence; readonly problem: FleetProblem }> = [];
  for (const name of claimedHostnames(org)) {
    const first = view.claimants.get(name)?.find((c) => view.orgs[c.position]!.stack !== org.stack);
    if (first !== undefined)
      clashes.push({ at: first, problem: hostnameClash(view.orgs[first.position]!, name, org.stack) });
  }
  return clashes
    .sort((x, y) => x.at.position - y.at.position || x.at.index - y.at.index)
    .map((c) => c.problem);
}

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
