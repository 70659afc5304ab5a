/**
 * One MatrixRTC call on a lab organisation: the room is created as lk-jwt-service creates it (room.auto_create is
 * false), tokens are minted with lk-jwt-service's key pair as the organisation runs it, and two real WebRTC
 * participants run in the lab's client namespace (lab/call-client.ts), which only lets in what it asked for. Media
 * then flows only to the address LiveKit announces (rtc.node_ip). Used by the call scenarios and `./fleet demo`.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { AccessToken, RoomServiceClient } from "livekit-server-sdk";
import { LabTarget } from "./target";

/** lk-jwt-service's environment as the organisation runs it. */
export function lkJwtEnv(lab: LabTarget, stack: string): Record<string, string> {
  return Object.fromEntries(
    lab
      .rendered(stack, "lk-jwt/env")
      .split("\n")
      .filter((l) => l.includes("=") && !l.startsWith("#"))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

/** The call's outcome: audio frames the second participant heard from the first, or what went wrong. */
export interface CallOutcome {
  readonly audible?: number;
  readonly error?: string;
}

export async function audioCall(lab: LabTarget, stack: string, roomName: string): Promise<CallOutcome> {
  const env = lkJwtEnv(lab, stack);
  const { hostAddress, publicAddress } = lab.organisation(stack);
  await new RoomServiceClient(`http://${hostAddress}:7880`, env.LIVEKIT_KEY!, env.LIVEKIT_SECRET!).createRoom(
    {
      name: roomName,
      emptyTimeout: 30,
    },
  );
  const token = async (identity: string) => {
    const t = new AccessToken(env.LIVEKIT_KEY!, env.LIVEKIT_SECRET!, { identity });
    t.addGrant({ room: roomName, roomJoin: true, canPublish: true, canSubscribe: true });
    return t.toJwt();
  };
  const result = spawnSync(
    "ip",
    [
      "netns",
      "exec",
      lab.clientNamespace,
      process.execPath,
      "--import",
      "tsx",
      path.join(__dirname, "call-client.ts"),
      `ws://${publicAddress}:7880`,
      await token("@alice:lab"),
      await token("@bob:lab"),
      "20000",
    ],
    { encoding: "utf8", timeout: 45_000 },
  );
  const line = result.stdout
    .split("\n")
    .reverse()
    .find((l) => l.startsWith('{"audible"') || l.startsWith('{"error"'));
  return line === undefined
    ? { error: `call client died: ${result.stderr.slice(-500).replace(/\s+/g, " ")}` }
    : (JSON.parse(line) as CallOutcome);
}
