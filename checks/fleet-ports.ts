import { OrgConfig } from "../config/model";
import { PortUse, hostPortUses } from "../model/host-ports";

/**
 * The port clashes of a fleet, found with indexes instead of comparing every pair of stacks: stacks are grouped by
 * Docker host and by public IP (only stacks sharing one of them can clash), and within a group each protocol's port
 * ranges are sorted by their first port and swept, so that only ranges that really overlap are ever compared.
 * The cost grows with the number of port uses and of clashes found, not with the square of the fleet.
 */

/** Port use `mine` of one stack overlaps port use `theirs` of stack `other` (positions in the indexed list). */
export interface PortOverlap {
  readonly other: number;
  readonly mine: number;
  readonly theirs: number;
}

export interface PortClashIndex {
  /** Every stack's host port uses, by position. */
  readonly uses: readonly (readonly PortUse[])[];
  /** The overlaps of the stack at `position` with the stacks it shares a host or an address with, unordered. */
  overlapsOf(position: number): readonly PortOverlap[];
}

interface UseAt {
  readonly position: number;
  readonly use: number;
  readonly start: number;
  readonly end: number;
}

export function indexPortClashes(orgs: readonly OrgConfig[]): PortClashIndex {
  const uses = orgs.map(hostPortUses);
  const overlaps = new Map<number, Map<string, PortOverlap>>();
  const record = (a: UseAt, b: UseAt) => {
    let mine = overlaps.get(a.position);
    if (mine === undefined) overlaps.set(a.position, (mine = new Map()));
    // A pair sharing both the Docker host and the public IP is found in both groups; it is one overlap.
    mine.set(`${b.position}/${a.use}/${b.use}`, { other: b.position, mine: a.use, theirs: b.use });
  };
  for (const group of sharingGroups(orgs)) {
    for (const sweep of protocolSweeps(group, uses)) {
      for (let i = 0; i < sweep.length; i++) {
        const a = sweep[i]!;
        for (let j = i + 1; j < sweep.length && sweep[j]!.start <= a.end; j++) {
          const b = sweep[j]!;
          if (a.position === b.position) continue;
          record(a, b);
          record(b, a);
        }
      }
    }
  }
  return { uses, overlapsOf: (position) => [...(overlaps.get(position)?.values() ?? [])] };
}

/** Positions of stacks sharing a Docker host, and of stacks sharing a public IP: every group of two or more. */
function sharingGroups(orgs: readonly OrgConfig[]): number[][] {
  const byHost = new Map<string, number[]>();
  const byAddress = new Map<string, number[]>();
  orgs.forEach((org, position) => {
    append(byHost, org.docker.host, position);
    append(byAddress, org.network.publicIp, position);
  });
  return [...byHost.values(), ...byAddress.values()].filter((group) => group.length > 1);
}

/** The port uses of a group of stacks, one list per protocol, sorted by first port. */
function protocolSweeps(group: readonly number[], uses: readonly (readonly PortUse[])[]): UseAt[][] {
  const byProtocol = new Map<string, UseAt[]>();
  for (const position of group) {
    uses[position]!.forEach((use, index) => {
      const at = { position, use: index, start: use.range.start, end: use.range.end };
      append(byProtocol, use.protocol, at);
    });
  }
  return [...byProtocol.values()].map((list) => list.sort((a, b) => a.start - b.start));
}

function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
