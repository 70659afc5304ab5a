import { PortRange } from "../config/model";
import { StackPlan } from "./plan";

/** How many relays coturn grants, read from its deployed turnserver.conf. */
export interface TurnCapacity {
  readonly relay: PortRange;
  /** `total-quota`; 0 is coturn's "no quota" (examples/etc/turnserver.conf). NaN when it is not a number. */
  readonly totalQuota: number;
  /** `user-quota`; 0 is "no quota" too. */
  readonly userQuota: number;
  /** Concurrent relay allocations: every allocation takes its own relay port, and total-quota caps the count. */
  readonly allocations: number;
}

/** coturn's capacity as deployed (overrides included); undefined without coturn or with an unreadable range. */
export function turnCapacity({ coturn, ports }: StackPlan): TurnCapacity | undefined {
  const relay = ports.find((p) => p.key === "ports.turnRelay");
  if (coturn === undefined || relay === undefined || relay.unreadable !== undefined) return undefined;
  const quota = (option: string): number => {
    const value = coturn.find(([name]) => name === option)?.[1];
    if (value === undefined) return 0;
    return /^\d+$/.test(String(value).trim()) ? Number(value) : NaN;
  };
  const totalQuota = quota("total-quota");
  const relayPorts = relay.range.end - relay.range.start + 1;
  return {
    relay: relay.range,
    totalQuota,
    userQuota: quota("user-quota"),
    allocations: totalQuota === 0 ? relayPorts : Math.min(relayPorts, totalQuota),
  };
}
