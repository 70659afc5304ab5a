import { formatRange } from "../config/ports";
import { OrgConfig } from "../config/model";
import { hostPortUses, rangesOverlap } from "../model/host-ports";
import { Problem, problem } from "../config/problems";

/**
 * Checks across all stacks of the repository: federation is wired by construction only if every whitelist is
 * mirrored by its peer, and two organisations sharing a host or address must not share ports or hostnames.
 */
export function fleetProblems(orgs: readonly OrgConfig[]): FleetProblem[] {
  return [...federationSymmetry(orgs), ...sharedHostClashes(orgs), ...hostnameClashes(orgs)];
}

/** A fleet problem concerns more than the stack it is reported on: `involves` names all of them. */
export interface FleetProblem extends Problem {
  readonly involves: readonly string[];
}

function involving(p: Problem, ...stacks: string[]): FleetProblem {
  return { ...p, involves: [...new Set([p.stack, ...stacks])] };
}

function federationSymmetry(orgs: readonly OrgConfig[]): FleetProblem[] {
  const byServerName = new Map(orgs.map((org) => [org.serverName, org]));
  const problems: FleetProblem[] = [];
  for (const org of orgs) {
    for (const peer of org.federationPeers) {
      const other = byServerName.get(peer);
      if (other === undefined) {
        problems.push(
          involving(
            problem(
              org.stack,
              "federation.peers",
              `peer ${peer} is not a stack of this fleet, so its whitelist cannot be checked to list ${org.serverName}`,
              `add a stack for ${peer}, or remove it from federation.peers`,
            ),
          ),
        );
      } else if (!other.federationPeers.includes(org.serverName)) {
        problems.push(
          involving(
            problem(
              other.stack,
              "federation.peers",
              `${org.serverName} (stack ${org.stack}) federates with ${peer}, but ${peer} does not list ${org.serverName}: rooms shared between them break one way`,
              `add ${org.serverName} to federation.peers of stack ${other.stack}, or remove ${peer} from stack ${org.stack}`,
            ),
            org.stack,
          ),
        );
      }
    }
  }
  return problems;
}

/** Two stacks deployed to one Docker host (or behind one WAN address) must not bind or forward the same ports. */
function sharedHostClashes(orgs: readonly OrgConfig[]): FleetProblem[] {
  const problems: FleetProblem[] = [];
  for (let i = 0; i < orgs.length; i++) {
    for (let j = i + 1; j < orgs.length; j++) {
      const a = orgs[i]!;
      const b = orgs[j]!;
      const sameHost = a.docker.host === b.docker.host;
      const sameWan = a.network.publicIp === b.network.publicIp;
      if (!sameHost && !sameWan) continue;
      const why = sameHost ? `Docker host ${a.docker.host}` : `public IP ${a.network.publicIp}`;
      for (const ua of hostPortUses(a)) {
        for (const ub of hostPortUses(b)) {
          if (ua.protocol !== ub.protocol || !rangesOverlap(ua.range, ub.range)) continue;
          problems.push(
            involving(
              problem(
                b.stack,
                ub.key,
                `${ub.what} ${ub.protocol}/${formatRange(ub.range)} clashes with ${ua.what} of stack ${a.stack} (${ua.protocol}/${formatRange(ua.range)}) on the shared ${why}`,
                `give stack ${b.stack} other ports in matrix-fleet:ports, or a host of its own`,
              ),
              a.stack,
            ),
          );
        }
      }
    }
  }
  return problems;
}

function hostnameClashes(orgs: readonly OrgConfig[]): FleetProblem[] {
  const owner = new Map<string, string>();
  const problems: FleetProblem[] = [];
  for (const org of orgs) {
    const names = new Set([org.serverName, ...Object.values(org.hosts)]);
    for (const name of names) {
      const other = owner.get(name);
      if (other !== undefined && other !== org.stack) {
        problems.push(
          involving(
            problem(
              org.stack,
              "hosts",
              `hostname ${name} is also used by stack ${other}`,
              "every organisation needs its own hostnames",
            ),
            other,
          ),
        );
      }
      owner.set(name, org.stack);
    }
  }
  return problems;
}
