/**
 * What one simulated participant costs the machine, with the Go generator (lab/load/audio-load) and with
 * @livekit/rtc-node (rtc-node-load.ts), for the same call: `members` join, `speakers` of them talk, everyone
 * listens. The generator's CPU is CPU the server cannot have on a 2-core machine; the benchmark prints both
 * figures next to each other (cores per 100 participants).
 */
import * as path from "node:path";
import { AccessToken, RoomServiceClient } from "livekit-server-sdk";
import { randomBytes } from "node:crypto";
import { CallOptions, ClientView, callStep } from "./call-step";
import { Member } from "./generator";
import { lastJson, runInNamespace } from "./namespace-process";

export interface GeneratorCost {
  readonly members: number;
  readonly speakers: number;
  /** Cores per 100 participants, measured over the same length of call. */
  readonly goCoresPer100: number;
  readonly rtcNodeCoresPer100: number;
  readonly goRssMiB: number;
  readonly rtcNodeRssMiB: number;
  readonly rtcNodeJoined: number;
}

export interface LivekitAccess {
  /** LiveKit's API on the Docker host (room creation), and its URL as clients reach it (through the proxy). */
  readonly apiUrl: string;
  readonly clientUrl: string;
  readonly key: string;
  readonly secret: string;
}

async function rtcNodeRun(
  client: { namespace: string; caFile: string },
  livekit: LivekitAccess,
  members: number,
  speakers: number,
  seconds: number,
): Promise<Record<string, number>> {
  const room = `generator-cost-${randomBytes(3).toString("hex")}`;
  await new RoomServiceClient(livekit.apiUrl, livekit.key, livekit.secret).createRoom({
    name: room,
    emptyTimeout: 30,
  });
  const tokens = await Promise.all(
    Array.from({ length: members }, (_, i) => {
      const token = new AccessToken(livekit.key, livekit.secret, { identity: `rtc-node-${i}` });
      token.addGrant({ room, roomJoin: true, canPublish: true, canSubscribe: true });
      return token.toJwt();
    }),
  );
  const { lines, stderr } = await runInNamespace({
    namespace: client.namespace,
    name: "rtc-node-load",
    command: [process.execPath, "--import", "tsx", path.join(__dirname, "rtc-node-load.ts")],
    env: { SSL_CERT_FILE: client.caFile, NODE_EXTRA_CA_CERTS: client.caFile },
    input: JSON.stringify({ url: livekit.clientUrl, tokens, speakers, seconds }),
    limitMs: 150_000,
  });
  const last = lastJson(lines, ["rtcNode", "error"]) as
    { rtcNode?: Record<string, number>; error?: string } | undefined;
  if (last?.rtcNode === undefined) throw new Error(`rtc-node-load: ${last?.error ?? stderr.slice(-800)}`);
  return last.rtcNode;
}

export async function generatorCost(
  client: { namespace: string; caFile: string; view: ClientView },
  livekit: LivekitAccess,
  roomId: string,
  members: readonly Member[],
  options: CallOptions,
): Promise<GeneratorCost> {
  const go = await callStep(client, undefined, roomId, members, options);
  const node = await rtcNodeRun(client, livekit, members.length, options.speakers, options.measureSeconds);
  const per100 = (cores: number, n: number) => (n > 0 ? (100 * cores) / n : 0);
  return {
    members: members.length,
    speakers: options.speakers,
    goCoresPer100: per100(go.figures.generatorCores, go.figures.joined),
    rtcNodeCoresPer100: per100(node.cpuSeconds! / node.windowSeconds!, node.joined!),
    goRssMiB: go.figures.generatorRssMiB,
    rtcNodeRssMiB: node.rssMiB!,
    rtcNodeJoined: node.joined!,
  };
}
