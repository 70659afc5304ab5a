/**
 * One MatrixRTC call on a lab organisation, between two real WebRTC participants in one of the lab's client
 * namespaces (lab/call-client.ts), which only lets in what it asked for: media then flows only to the address
 * LiveKit announces (rtc.node_ip), or through the TURN servers it hands out. On the Docker lab each participant
 * goes the user's whole way, as Element Call does: two users registered on the organisation's homeserver, a Matrix
 * room they are both in, then well-known, login, OpenID and lk-jwt-service through the proxy, which creates the
 * LiveKit room and hands out LIVEKIT_URL (lab/matrixrtc-token.ts). The process lab runs no lk-jwt-service: there
 * the room is created as lk-jwt-service creates it (room.auto_create is false) and tokens are minted with its key
 * pair. Used by the call scenarios and `./fleet demo`; lab/signal-probe.ts reads the signalling itself.
 */
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { AccessToken, RoomServiceClient } from "livekit-server-sdk";
import type { CallSpec } from "./call-client";
import { post, registerWithSharedSecret } from "./matrix-client";
import type { MatrixRtcCredentials, TokenEndpoint } from "./matrixrtc-token";
import { ScriptRun, runScriptIn, runScriptInAsync } from "./namespace-script";
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

/** The call's outcome: audio frames the listener heard, the timings (ms from the start), or what went wrong. */
export interface CallOutcome {
  readonly audible?: number;
  readonly tokensMs?: number;
  readonly joinedMs?: number;
  readonly heardMs?: number;
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

/** A Matrix room with `count` new users of the organisation in it: what a MatrixRTC call needs first. */
export async function matrixRoomWithUsers(
  lab: LabTarget,
  stack: string,
  roomName: string,
  count: number,
): Promise<{ roomId: string; users: Array<{ user: string; password: string; userId: string }> }> {
  const homeserver = yaml.load(lab.rendered(stack, "synapse/homeserver.yaml")) as {
    registration_shared_secret: string;
  };
  const direct = `http://${lab.organisation(stack).hostAddress}:8008`;
  const suffix = randomBytes(3).toString("hex");
  const users = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const user = `rtc-${roomName.replace(/[^a-z0-9]/g, "")}-${i}-${suffix}`;
      const password = randomBytes(12).toString("hex");
      const session = await registerWithSharedSecret(
        direct,
        homeserver.registration_shared_secret,
        user,
        password,
        false,
      );
      return { user, password, userId: session.userId, session };
    }),
  );
  const [owner, ...others] = users;
  const { room_id: roomId } = (await post(owner!.session, "/_matrix/client/v3/createRoom", {
    name: roomName,
    preset: "private_chat",
    invite: others.map((u) => u.userId),
  })) as { room_id: string };
  for (const other of others)
    await post(other.session, `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`);
  return { roomId, users: users.map(({ user, password, userId }) => ({ user, password, userId })) };
}

/** The two participants' way to LiveKit: the user's whole way where lk-jwt-service runs, else minted tokens. */
async function callSpec(
  lab: LabTarget,
  stack: string,
  roomName: string,
  client: CallClient,
  endpoint: TokenEndpoint,
): Promise<CallSpec> {
  if (lab.kind === "process") {
    const [alice, bob] = await roomWithTokens(lab, stack, roomName, ["@alice:lab", "@bob:lab"]);
    return {
      deadlineMs: 20_000,
      participants: [
        { token: { url: client.url, jwt: alice! }, publishes: true },
        { token: { url: client.url, jwt: bob! }, publishes: false },
      ],
    };
  }
  const { roomId, users } = await matrixRoomWithUsers(lab, stack, roomName, 2);
  const serverName = lab.organisation(stack).serverName;
  const credentials = (i: number): MatrixRtcCredentials => ({ serverName, ...users[i]!, roomId, endpoint });
  return {
    deadlineMs: 20_000,
    participants: [
      { matrixRtc: credentials(0), publishes: true },
      { matrixRtc: credentials(1), publishes: false },
    ],
  };
}

/** Runs lab/call-client.ts in the client's namespace; the Docker lab's participants trust the lab CA. */
export function runCallClient(
  lab: LabTarget,
  stack: string,
  client: ScriptRun,
  spec: CallSpec,
): Promise<CallOutcome> {
  const { caFile } = lab.organisation(stack);
  return runScriptInAsync(
    { ...client, env: { SSL_CERT_FILE: caFile, NODE_EXTRA_CA_CERTS: caFile, ...client.env } },
    path.join(__dirname, "call-client.ts"),
    [JSON.stringify(spec)],
    ["audible", "error"],
    spec.deadlineMs + 40_000,
  ) as Promise<CallOutcome>;
}

export async function audioCall(
  lab: LabTarget,
  stack: string,
  roomName: string,
  client: CallClient = {
    namespace: lab.clientNamespace,
    url: `ws://${lab.organisation(stack).publicAddress}:7880`,
  },
  endpoint: TokenEndpoint = "sfu/get",
): Promise<CallOutcome> {
  return runCallClient(lab, stack, client, await callSpec(lab, stack, roomName, client, endpoint));
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
