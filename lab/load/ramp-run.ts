/**
 * Runs a capacity ramp on a lab organisation (ramp.ts decides the sizes and judges each step): a fresh Matrix room
 * and call per step, members from a pool that grows as the ramp does (registered and logged in once), LiveKit held
 * at one CPU limit for the whole ramp. Prints each step as it ends.
 */
import { ClientView, CallOptions, callStep } from "./call-step";
import { Member } from "./generator";
import { LivekitProbe } from "./livekit-probe";
import { Organisation, callRoom, newMembers } from "./members";
import { Capacity, RampPlan, Step, capacityOf, judge, nextSize } from "./ramp";
import { formatStep } from "./capacity-table";

/** Members registered and logged in once, handed out for every step. */
export class MemberPool {
  private readonly members: Member[] = [];
  constructor(
    private readonly org: Organisation,
    private readonly prefix: string,
  ) {}

  async take(count: number): Promise<Member[]> {
    if (this.members.length < count) {
      const started = Date.now();
      const more = count - this.members.length;
      this.members.push(...(await newMembers(this.org, this.prefix, more, this.members.length)));
      console.error(
        `capacity: ${more} more members registered and logged in (${((Date.now() - started) / 1000).toFixed(0)} s)`,
      );
    }
    return this.members.slice(0, count);
  }

  get organisation(): Organisation {
    return this.org;
  }
}

export interface RampTarget {
  readonly namespace: string;
  readonly caFile: string;
  readonly view: ClientView;
  readonly probe: LivekitProbe;
  readonly pool: MemberPool;
}

export async function runRamp(
  target: RampTarget,
  limitCores: number,
  options: CallOptions,
  plan: RampPlan,
): Promise<{ steps: Step[]; capacity: Capacity }> {
  target.probe.limit(limitCores);
  const steps: Step[] = [];
  for (let size = nextSize(steps, plan); size !== undefined; size = nextSize(steps, plan)) {
    const members = await target.pool.take(size);
    const room = await callRoom(
      target.pool.organisation,
      members[0]!,
      `capacity ${size} at ${limitCores} cores`,
    );
    const { figures, server } = await callStep(target, target.probe, room, members, options);
    if (server === undefined) throw new Error("the step has no server sample");
    const step: Step = { figures, server, verdict: judge(figures) };
    steps.push(step);
    console.error(`capacity: ${formatStep(step)}`);
    // LiveKit lets participants go in its own time; the next call starts on a quiet server.
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
  return { steps, capacity: capacityOf(steps) };
}
