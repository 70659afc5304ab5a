/**
 * Runs one Synapse burst (burst-client.ts) from a lab client namespace, through the organisation's proxy: `members`
 * join the call's room and send their call membership within `windowSeconds`. Bounded: the client's requests time
 * out after 30 s, retries are capped, and the process is killed by its PID a minute after the window.
 */
import * as path from "node:path";
import { BurstFigures, BurstOutcome, burstFigures } from "./burst-stats";
import { Member } from "./generator";
import { lastJson, runInNamespace } from "./namespace-process";

export interface BurstTarget {
  readonly namespace: string;
  readonly caFile: string;
  readonly homeserverUrl: string;
  readonly livekitServiceUrl: string;
}

export async function synapseBurst(
  target: BurstTarget,
  roomId: string,
  members: readonly Member[],
  windowSeconds: number,
): Promise<BurstFigures> {
  const { code, lines, stderr } = await runInNamespace({
    namespace: target.namespace,
    name: "synapse-burst",
    command: [process.execPath, "--import", "tsx", path.join(__dirname, "burst-client.ts")],
    env: { NODE_EXTRA_CA_CERTS: target.caFile },
    input: JSON.stringify({
      homeserver: target.homeserverUrl,
      roomId,
      windowMs: windowSeconds * 1000,
      livekitServiceUrl: target.livekitServiceUrl,
      members,
    }),
    limitMs: (windowSeconds + 60) * 1000,
  });
  const last = lastJson(lines, ["burst", "error"]) as { burst?: BurstOutcome[]; error?: string } | undefined;
  if (last?.burst !== undefined) return burstFigures(last.burst, windowSeconds);
  throw new Error(
    `the burst client ended (exit ${code}) without a result: ${last?.error ?? stderr.slice(-1000)}`,
  );
}
