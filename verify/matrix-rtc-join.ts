import { randomBytes } from "node:crypto";
import { fail } from "./failure";
import { getJson } from "./http";
import { JoinOutcome, joinLivekitRoom } from "./livekit-signal";

/**
 * A MatrixRTC client's path to a call, through one of lk-jwt-service's two token endpoints: `/get_token` (current
 * Element Call) or `/sfu/get` (legacy), then a join on the LiveKit URL it hands out, with the token it hands out.
 * Each failure names its cause, from lk-jwt-service v0.5.0's answers (docs/upstream/lk-jwt-service.md, "v0.5.0
 * request handling") and LiveKit's refusals (livekit-signal.ts).
 */

export type TokenEndpoint = "get_token" | "sfu/get";

export interface JoinTarget {
  /** lk-jwt-service as clients reach it, e.g. `https://matrix-rtc.example.org/livekit/jwt`. */
  readonly serviceUrl: string;
  /** The `LIVEKIT_URL` lk-jwt-service must hand out. */
  readonly expectedLivekitUrl: string;
  /** Our server name, which `LIVEKIT_FULL_ACCESS_HOMESERVERS` must grant room creation. */
  readonly serverName: string;
  /** The test user and an OpenID token of theirs (`/openid/request_token`). */
  readonly userId: string;
  readonly openidToken: unknown;
  /** The public names lk-jwt-service reaches for our users, and the proxy address its host entries give them. */
  readonly ownNames: readonly string[];
  readonly proxyLanIp: string;
  readonly timeoutMs: number;
}

/** Requests a token as a client does, joins with it, and returns what was proved; fails naming the cause. */
export async function tokenAndJoin(endpoint: TokenEndpoint, target: JoinTarget): Promise<string> {
  const nonce = randomBytes(6).toString("hex");
  // A Matrix room of its own each time: a room created by an earlier request must not let this join pass.
  const room = `!matrix-fleet-verify-${nonce}:${target.serverName}`;
  const device = "MATRIXFLEETVERIFY";
  const body =
    endpoint === "get_token"
      ? {
          room_id: room,
          slot_id: "m.call#ROOM",
          openid_token: target.openidToken,
          member: { id: `verify-${nonce}`, claimed_user_id: target.userId, claimed_device_id: device },
        }
      : { room, openid_token: target.openidToken, device_id: device };
  const url = `${target.serviceUrl}/${endpoint}`;
  const answer = await getJson(url, target.timeoutMs, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  }).catch((error: Error) =>
    fail(
      error.message,
      `lk-jwt-service answers only after it validated the OpenID token and, for our users, created the room: it may be waiting on ${namesHint(target)}, or on LIVEKIT_URL's host`,
    ),
  );
  const { url: livekitUrl, jwt } = diagnoseTokenAnswer(url, answer.status, answer.body, target);
  const outcome: JoinOutcome = await joinLivekitRoom(livekitUrl, jwt, target.timeoutMs).catch(
    (error: Error) =>
      fail(
        `joining ${livekitUrl} failed: ${error.message}`,
        `route /livekit/sfu/ on the RTC host to LiveKit with the prefix stripped and WebSocket upgrade`,
      ),
  );
  const livekitRoom = roomOf(jwt);
  if (outcome.kind === "joined")
    return `${endpoint} → token for LiveKit room ${outcome.room}, joined it at ${livekitUrl}`;
  if (outcome.status === 404)
    fail(
      `${livekitUrl} has no room ${livekitRoom ?? "(none in the token)"} (HTTP 404 ${outcome.body}): lk-jwt-service issued the token without creating the room, which it does only for users of the servers in LIVEKIT_FULL_ACCESS_HOMESERVERS`,
      `set LIVEKIT_FULL_ACCESS_HOMESERVERS to ${target.serverName} (commas or spaces separate names; * alone means every server): without it every call of our users fails this way`,
    );
  if (outcome.status === 401)
    fail(
      `LiveKit refused lk-jwt-service's token (HTTP 401 ${outcome.body})`,
      "lk-jwt-service's LIVEKIT_KEY/LIVEKIT_SECRET must be one of LiveKit's keys (both come from one generated pair)",
    );
  return fail(
    `joining ${livekitUrl} answered HTTP ${outcome.status} ${outcome.body}`,
    "route /livekit/sfu/ on the RTC host to LiveKit with the prefix stripped and WebSocket upgrade",
  );
}

/** lk-jwt-service's answer: the URL and token, or a failure naming why it gave none (or the wrong URL). */
export function diagnoseTokenAnswer(
  url: string,
  status: number,
  body: unknown,
  target: JoinTarget,
): { url: string; jwt: string } {
  const answer = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const said = `${url} answered HTTP ${status}${body === undefined ? "" : `: ${JSON.stringify(body).slice(0, 200)}`}`;
  if (status === 404 || status === 405)
    fail(
      said,
      `route /livekit/jwt/ on the RTC host to lk-jwt-service with the prefix stripped (NPM location forward_path "/"); lk-jwt-service itself answers only /get_token, /sfu/get and /healthz`,
    );
  if (status === 502 || status === 503 || status === 504)
    fail(
      said,
      "the proxy cannot reach lk-jwt-service: check that its container runs and the port the proxy forwards to",
    );
  if ((status === 401 && answer.errcode === "M_UNAUTHORIZED") || answer.errcode === "M_LOOKUP_FAILED")
    fail(
      `${said}: lk-jwt-service could not validate the OpenID token`,
      `it must reach ${namesHint(target)}, and Synapse must serve the openid (or federation) listener resource`,
    );
  if (status === 500 && answer.error === "Unable to create room on SFU")
    fail(
      `${said}: lk-jwt-service could not create the room through LIVEKIT_URL`,
      `set LIVEKIT_URL to ${target.expectedLivekitUrl}; lk-jwt-service creates rooms at its /twirp/ path, so the lk-jwt-service container must reach ${new URL(target.expectedLivekitUrl).hostname} (host entry to proxy.lanIp ${target.proxyLanIp}) and LIVEKIT_KEY/LIVEKIT_SECRET must be LiveKit's key pair`,
    );
  if (status !== 200 || typeof answer.jwt !== "string" || typeof answer.url !== "string")
    fail(said, "check lk-jwt-service's log: it answered neither a token nor one of its documented errors");
  if (answer.url !== target.expectedLivekitUrl)
    fail(
      `lk-jwt-service hands out LIVEKIT_URL ${answer.url}, not ${target.expectedLivekitUrl}`,
      `set LIVEKIT_URL to ${target.expectedLivekitUrl}: clients connect to the URL it hands out, so with any other every call fails, the first one too`,
    );
  return { url: answer.url, jwt: answer.jwt };
}

function namesHint(target: JoinTarget): string {
  return `${target.ownNames.join(", ")} from its container (the stack gives it host entries to proxy.lanIp ${target.proxyLanIp}, see summary.md; without them a router without hairpin NAT drops these requests)`;
}

/** The LiveKit room a token grants (read, not verified: verify has no LiveKit secret). */
function roomOf(jwt: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as {
      video?: { room?: string };
    };
    return claims.video?.room;
  } catch {
    return undefined;
  }
}

/** A peer server's user in our calls: their OpenID token, and the names lk-jwt-service must reach to check it. */
export interface Guest {
  readonly serverName: string;
  readonly userId: string;
  readonly openidToken: unknown;
  /** The peer's server name and its delegated federation host: where lk-jwt-service validates the token. */
  readonly names: readonly string[];
}

/**
 * A peer's user joining one of our users' calls (field failure 7): our user's token creates the LiveKit room, then
 * the guest asks our lk-jwt-service for a token for the same Matrix room, which it gives only after validating the
 * guest's OpenID token at the guest's own homeserver, from its container; then the guest joins with it.
 */
export async function guestTokenAndJoin(target: JoinTarget, guest: Guest): Promise<string> {
  const nonce = randomBytes(6).toString("hex");
  const room = `!matrix-fleet-verify-${nonce}:${target.serverName}`;
  const request = (userId: string, openidToken: unknown) =>
    getJson(`${target.serviceUrl}/get_token`, target.timeoutMs, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        room_id: room,
        slot_id: "m.call#ROOM",
        openid_token: openidToken,
        member: {
          id: `verify-${nonce}-${userId}`,
          claimed_user_id: userId,
          claimed_device_id: "MATRIXFLEETVERIFY",
        },
      }),
    });
  const url = `${target.serviceUrl}/get_token`;
  const own = await request(target.userId, target.openidToken).catch((error: Error) =>
    fail(
      error.message,
      `our own users get no token either: see 'MatrixRTC token via /get_token and a LiveKit join'`,
    ),
  );
  diagnoseTokenAnswer(url, own.status, own.body, target);
  const peerNames = `${guest.names.join(", ")} (${guest.serverName}'s well-known and federation API)`;
  const reach = `lk-jwt-service must reach ${peerNames} from its container on our Docker host: with ${guest.serverName} behind the same WAN address, the router must loop it back (network.lanAccess loopback) or the LAN's DNS answer those names (splitDns)`;
  const answer = await request(guest.userId, guest.openidToken).catch((error: Error) =>
    fail(
      `${error.message}, while our own user got a token at once: lk-jwt-service is still waiting on ${guest.serverName}`,
      reach,
    ),
  );
  const body = (typeof answer.body === "object" && answer.body !== null ? answer.body : {}) as Record<
    string,
    unknown
  >;
  if (answer.status === 401 && body.errcode === "M_UNAUTHORIZED")
    fail(
      `${url} answered 401 M_UNAUTHORIZED for ${guest.userId} while our own user got a token: lk-jwt-service could not validate ${guest.serverName}'s OpenID token`,
      `${reach}; and ${guest.serverName}'s Synapse must serve the openid (or federation) listener resource`,
    );
  const { url: livekitUrl, jwt } = diagnoseTokenAnswer(url, answer.status, answer.body, target);
  const outcome = await joinLivekitRoom(livekitUrl, jwt, target.timeoutMs).catch((error: Error) =>
    fail(`joining ${livekitUrl} failed: ${error.message}`, "see 'LiveKit WebSocket answers'"),
  );
  if (outcome.kind !== "joined")
    fail(
      `${guest.userId}'s token was refused by LiveKit (HTTP ${outcome.status} ${outcome.body})`,
      "the room our user's token created must exist: check LIVEKIT_FULL_ACCESS_HOMESERVERS",
    );
  return `${guest.userId} got a token from our lk-jwt-service (validated at ${guest.names.join(", ")}) and joined room ${outcome.room}`;
}
