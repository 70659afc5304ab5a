/**
 * One MatrixRTC call on a lab organisation: the room is created as lk-jwt-service creates it (room.auto_create is
 * false), tokens are minted with lk-jwt-service's key pair as the organisation runs it, and two real WebRTC
 * participants run in one of the lab's client namespaces (lab/call-client.ts), which only lets in what it asked
 * for. Media then flows only to the address LiveKit announces (rtc.node_ip), or through the TURN servers it hands
 * out. Used by the call scenarios and `./fleet demo`; lab/signal-probe.ts reads the signalling itself.
 */
import * as path from "node:path";
import { AccessToken, RoomServiceClient } from "livekit-server-sdk";
import { ScriptRun, runScriptIn } from "./namespace-script";
import { LabTarget } from "./target";
import type { SignallingView } from "./signal-probe";

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

/** Where the participants run (namespace, environment: SSL_CERT_FILE for the SDK's TLS) and how they reach LiveKit. */
export interface CallClient extends ScriptRun {
  /** LiveKit's signalling URL as this client uses it. */
  readonly url: string;
}

/**
 * A client as Element Call is one: signalling through the proxy at lk-jwt-service's LIVEKIT_URL (wss, port 443),
 * trusting the lab CA the organisation's certificates are signed with.
 */
export function proxiedClient(lab: LabTarget, stack: string, namespace: string): CallClient {
  const { caFile } = lab.organisation(stack);
  return {
    namespace,
    url: lkJwtEnv(lab, stack).LIVEKIT_URL!,
    env: { SSL_CERT_FILE: caFile, NODE_EXTRA_CA_CERTS: caFile },
  };
}

/** Creates the room as lk-jwt-service would and mints one token per identity with its key pair. */
export async function roomWithTokens(
  lab: LabTarget,
  stack: string,
  roomName: string,
  identities: readonly string[],
): Promise<string[]> {
  const env = lkJwtEnv(lab, stack);
  const { hostAddress } = lab.organisation(stack);
  await new RoomServiceClient(`http://${hostAddress}:7880`, env.LIVEKIT_KEY!, env.LIVEKIT_SECRET!).createRoom(
    { name: roomName, emptyTimeout: 30 },
  );
  return Promise.all(
    identities.map((identity) => {
      const token = new AccessToken(env.LIVEKIT_KEY!, env.LIVEKIT_SECRET!, { identity });
      token.addGrant({ room: roomName, roomJoin: true, canPublish: true, canSubscribe: true });
      return token.toJwt();
    }),
  );
}

export async function audioCall(
  lab: LabTarget,
  stack: string,
  roomName: string,
  client: CallClient = {
    namespace: lab.clientNamespace,
    url: `ws://${lab.organisation(stack).publicAddress}:7880`,
  },
): Promise<CallOutcome> {
  const [alice, bob] = await roomWithTokens(lab, stack, roomName, ["@alice:lab", "@bob:lab"]);
  const script = path.join(__dirname, "call-client.ts");
  return runScriptIn(client, script, [client.url, alice!, bob!, "20000"], ["audible", "error"]);
}

/** What LiveKit offers one participant joining `roomName` from `client`'s network (lab/signal-probe.ts). */
export async function signallingView(
  lab: LabTarget,
  stack: string,
  roomName: string,
  client: CallClient,
): Promise<SignallingView> {
  const [token] = await roomWithTokens(lab, stack, roomName, ["@probe:lab"]);
  const script = path.join(__dirname, "signal-probe.ts");
  const view = runScriptIn(
    { ...client, nodeFlags: ["--experimental-websocket", "--no-warnings"] },
    script,
    [client.url, token!, "10000"],
    ["iceServers", "error"],
  );
  if (typeof view.error === "string")
    throw new Error(`LiveKit's signalling, read from ${client.namespace}: ${view.error}`);
  return view as unknown as SignallingView;
}
