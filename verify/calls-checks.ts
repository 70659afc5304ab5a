import { CALL_MEMBER_EVENT_TYPE } from "../facts/element-call";
import { SYNAPSE_ROOM_PRESETS } from "../facts/synapse";
import { memberCallLevels } from "../checks/synapse-calls";
import { VerifyContext, authed, fail } from "./context";
import { federationTarget } from "./federation-checks";
import { joinTarget } from "./rtc-checks";

/**
 * Who may join calls, checked as people meet it: new rooms whose power levels let a member send the call
 * membership (field failure 29), and a peer server's user getting a token for our calls from our lk-jwt-service
 * (field failure 7).
 */
export async function callsChecks(ctx: VerifyContext): Promise<void> {
  // The call probe makes no rooms (three a run would pile up in the database) and holds no peer's token.
  if (!ctx.org.components.matrixRtc || ctx.probe) return;
  await ctx.check(
    "members may join calls in new rooms",
    () => memberLevels(ctx),
    ctx.session === undefined ? "needs the test user" : undefined,
  );
  for (const peer of ctx.org.federationPeers) {
    const token = ctx.options.peerTokens?.[peer];
    await ctx.check(
      `MatrixRTC token for a ${peer} user from our lk-jwt-service`,
      () => peerJoins(ctx, peer, token!),
      ctx.session === undefined
        ? "needs the test user"
        : token === undefined
          ? `no test token for ${peer} (MATRIX_FLEET_VERIFY_PEER_TOKENS)`
          : undefined,
    );
  }
}

/**
 * Creates a room with each preset as a member's client does (no power levels of its own), reads the levels Synapse
 * gave it, and leaves and forgets it again.
 */
async function memberLevels(ctx: VerifyContext): Promise<string> {
  const { net, hs, timeoutMs } = ctx;
  const post = (path: string, body: unknown) =>
    net.getJson(
      `${hs}${path}`,
      timeoutMs,
      authed(ctx, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      }),
    );
  const seen: string[] = [];
  for (const preset of SYNAPSE_ROOM_PRESETS) {
    const created = await post("/_matrix/client/v3/createRoom", { preset, name: "matrix-fleet verify" });
    const roomId = (created.body as { room_id?: string } | undefined)?.room_id;
    if (created.status !== 200 || roomId === undefined)
      fail(
        `createRoom (${preset}) answered HTTP ${created.status}`,
        "the test user must be able to create rooms",
      );
    const room = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}`;
    const levels = await net.getJson(`${hs}${room}/state/m.room.power_levels/`, timeoutMs, authed(ctx));
    await post(`${room}/leave`, {}).catch(() => undefined);
    await post(`${room}/forget`, {}).catch(() => undefined);
    if (levels.status !== 200)
      fail(`${room}/state/m.room.power_levels answered HTTP ${levels.status}`, "check Synapse");
    // The levels the room got, read the way checks/synapse-calls.ts reads an override for a new room.
    const [state] = memberCallLevels({
      default_power_level_content_override: { [preset]: levels.body },
    }).filter((l) => l.preset === preset && l.eventType === CALL_MEMBER_EVENT_TYPE);
    if (state!.needed > state!.member)
      fail(
        `in a new ${preset} room ${CALL_MEMBER_EVENT_TYPE} needs level ${state!.needed} and a member has ${state!.member}: only moderators can join calls there`,
        "deploy homeserver.yaml with matrix-fleet's default_power_level_content_override (pulumi up); rooms made before keep their levels: raise who may join calls in each room's settings (Roles & Permissions)",
      );
    seen.push(`${preset} ${state!.needed}/${state!.member}`);
  }
  return `${CALL_MEMBER_EVENT_TYPE} level needed/member's: ${seen.join(", ")}`;
}

/** A peer's test user (their token from MATRIX_FLEET_VERIFY_PEER_TOKENS) joins a call of ours. */
async function peerJoins(ctx: VerifyContext, peer: string, token: string): Promise<string> {
  const { net, timeoutMs } = ctx;
  const client = await net.getJson(`https://${peer}/.well-known/matrix/client`, timeoutMs);
  const base = (client.body as { "m.homeserver"?: { base_url?: string } } | undefined)?.["m.homeserver"]
    ?.base_url;
  if (base === undefined)
    fail(`${peer} publishes no client well-known`, `ask ${peer}'s operator to publish it`);
  const bearer = { headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" } };
  const whoami = await net.getJson(
    `${base.replace(/\/$/, "")}/_matrix/client/v3/account/whoami`,
    timeoutMs,
    bearer,
  );
  const userId = (whoami.body as { user_id?: string } | undefined)?.user_id;
  if (userId === undefined)
    fail(`the token for ${peer} is not valid there (HTTP ${whoami.status})`, "set a valid one");
  const openid = await net.getJson(
    `${base.replace(/\/$/, "")}/_matrix/client/v3/user/${encodeURIComponent(userId)}/openid/request_token`,
    timeoutMs,
    { ...bearer, method: "POST", body: "{}" },
  );
  if (openid.status !== 200)
    fail(`${peer} issued no OpenID token (HTTP ${openid.status})`, `check ${peer}'s Synapse`);
  const federation = await federationTarget(ctx, peer);
  const names = [...new Set([peer, federation.replace(/:\d+$/, "")])];
  return net.guestTokenAndJoin(await joinTarget(ctx), {
    serverName: peer,
    userId,
    openidToken: openid.body,
    names,
  });
}
