import { VerifyContext, fail } from "./context";

/**
 * This server's own federation API as peers (and lk-jwt-service) reach it, each federation peer's delegation, keys
 * and version, and with peer tokens a room joined over federation both ways. A failed join names the cause the
 * other checks found (our API not served, the peer down, a whitelist naming the other side) before it blames a
 * whitelist.
 */
export async function federationChecks(ctx: VerifyContext): Promise<void> {
  await ownFederationCheck(ctx);
  await peerChecks(ctx);
  // The probe shares no rooms: that would leave a room on each side per run.
  if (!ctx.probe) await bothWaysChecks(ctx);
}

export const ownFederationCheckName = (serverName: string) => `federation API of ${serverName}`;

/** Where a server's federation API answers: its well-known delegation, or the server name on 8448. */
export async function federationTarget(ctx: VerifyContext, serverName: string): Promise<string> {
  const delegation = await ctx.net.getJson(`https://${serverName}/.well-known/matrix/server`, ctx.timeoutMs);
  return (delegation.body as { "m.server"?: string } | undefined)?.["m.server"] ?? `${serverName}:8448`;
}

async function ownFederationCheck(ctx: VerifyContext): Promise<void> {
  const { org, timeoutMs, check, net } = ctx;
  const needed = org.federationPeers.length > 0 || org.components.matrixRtc;
  await check(
    ownFederationCheckName(org.serverName),
    async () => {
      const target = await federationTarget(ctx, org.serverName);
      const fix =
        "add 'federation' to the resources of Synapse's listener (homeserver.yaml listeners; drop an override of overrides.synapse.listeners)";
      const keys = await net.getJson(`https://${target}/_matrix/key/v2/server`, timeoutMs);
      if (
        keys.status !== 200 ||
        (keys.body as { server_name?: string } | undefined)?.server_name !== org.serverName
      )
        fail(
          `https://${target}/_matrix/key/v2/server answered HTTP ${keys.status}: peers cannot fetch this server's keys to check its signatures${keys.status === 404 ? "; no Synapse listener serves the federation resource" : ""}`,
          keys.status === 404 ? fix : `route /_matrix on ${target.split(":")[0]} to Synapse`,
        );
      const version = await net.getJson(`https://${target}/_matrix/federation/v1/version`, timeoutMs);
      if (version.status !== 200)
        fail(`https://${target}/_matrix/federation/v1/version answered HTTP ${version.status}`, fix);
      const server = (version.body as { server?: { name?: string; version?: string } } | undefined)?.server;
      return `keys and ${server?.name ?? "server"} ${server?.version ?? ""} via ${target}`.trim();
    },
    needed ? undefined : "federates with nobody and runs no MatrixRTC: nothing reaches it",
  );
}

async function peerChecks(ctx: VerifyContext): Promise<void> {
  const { org, timeoutMs, check, net } = ctx;
  for (const peer of org.federationPeers) {
    await check(`federation peer ${peer}`, async () => {
      const target = await federationTarget(ctx, peer);
      const keys = await net.getJson(`https://${target}/_matrix/key/v2/server`, timeoutMs);
      if (keys.status !== 200 || (keys.body as { server_name?: string } | undefined)?.server_name !== peer) {
        fail(
          `${peer}'s server keys at ${target} answered HTTP ${keys.status}`,
          `check ${peer}'s delegation and that /_matrix reaches its Synapse`,
        );
      }
      const version = await net.getJson(`https://${target}/_matrix/federation/v1/version`, timeoutMs);
      const server = (version.body as { server?: { name?: string; version?: string } } | undefined)?.server;
      if (version.status !== 200)
        fail(
          `${peer}'s federation version answered HTTP ${version.status}`,
          `check that ${peer} serves federation on 443`,
        );
      return `keys and ${server?.name ?? "server"} ${server?.version ?? ""} via ${target}`.trim();
    });
  }
}

/** Why a room could not be shared with `peer`, from Synapse's answer and the checks that ran before. */
export function federationFailureCause(ctx: VerifyContext, peer: string, answer: unknown): string {
  const { org } = ctx;
  const text = JSON.stringify(answer ?? "");
  if (text.includes(`Federation denied with ${peer}`))
    return `${org.serverName}'s federation_domain_whitelist does not list ${peer}: add it to federation.peers of stack ${org.stack} and deploy homeserver.yaml`;
  if (text.includes(`Federation denied with ${org.serverName}`))
    return `${peer}'s federation_domain_whitelist does not list ${org.serverName}: ${peer}'s stack must list it in federation.peers`;
  if (ctx.failed(ownFederationCheckName(org.serverName)))
    return `${org.serverName}'s own federation API is not served (see '${ownFederationCheckName(org.serverName)}'): ${peer} cannot check this server's signatures`;
  if (ctx.failed(`federation peer ${peer}`))
    return `${peer}'s federation API did not answer (see 'federation peer ${peer}')`;
  return `both ${org.serverName} and ${peer} must list each other in federation_domain_whitelist (federation.peers)`;
}

/** Each side creates a room and invites the other side's test user, who must be able to join over federation. */
async function bothWaysChecks(ctx: VerifyContext): Promise<void> {
  const { org, options, check } = ctx;
  for (const peer of org.federationPeers) {
    const peerToken = options.peerTokens?.[peer];
    await check(
      `federation both ways with ${peer}`,
      () => bothWays(ctx, peer, peerToken!),
      ctx.session === undefined
        ? "needs the test user"
        : peerToken === undefined
          ? `no test token for ${peer} (MATRIX_FLEET_VERIFY_PEER_TOKENS)`
          : undefined,
    );
  }
}

async function bothWays(ctx: VerifyContext, peer: string, peerToken: string): Promise<string> {
  const { org, timeoutMs, hs, net } = ctx;
  const peerClient = await net.getJson(`https://${peer}/.well-known/matrix/client`, timeoutMs);
  const peerBase = (peerClient.body as { "m.homeserver"?: { base_url?: string } } | undefined)?.[
    "m.homeserver"
  ]?.base_url;
  if (peerBase === undefined)
    fail(
      `${peer} publishes no client well-known`,
      `ask ${peer}'s operator to publish /.well-known/matrix/client`,
    );
  const ours = { base: hs, token: ctx.session!.accessToken };
  const theirs = { base: peerBase.replace(/\/$/, ""), token: peerToken };
  const whoami = await net.getJson(`${theirs.base}/_matrix/client/v3/account/whoami`, timeoutMs, {
    headers: { Authorization: `Bearer ${theirs.token}` },
  });
  const peerUser = (whoami.body as { user_id?: string } | undefined)?.user_id;
  if (whoami.status !== 200 || peerUser === undefined)
    fail(
      `the token for ${peer} is not valid there (HTTP ${whoami.status})`,
      `set a valid access token of a ${peer} test user`,
    );
  // Each side creates a room, invites the other side's user, who joins over federation; then both leave.
  for (const [host, guest, guestId, direction] of [
    [ours, theirs, peerUser, `${org.serverName} → ${peer}`],
    [theirs, ours, ctx.session!.userId, `${peer} → ${org.serverName}`],
  ] as const) {
    const call = (side: { base: string; token: string }, path: string, body: unknown) =>
      net.getJson(`${side.base}${path}`, timeoutMs, {
        method: "POST",
        headers: { Authorization: `Bearer ${side.token}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    const created = await call(host, "/_matrix/client/v3/createRoom", {
      preset: "private_chat",
      invite: [guestId],
      name: "matrix-fleet verify",
    });
    const roomId = (created.body as { room_id?: string } | undefined)?.room_id;
    if (created.status !== 200 || roomId === undefined)
      fail(
        `${direction}: room with invite failed: HTTP ${created.status} ${JSON.stringify(created.body)}`,
        federationFailureCause(ctx, peer, created.body),
      );
    const joined = await call(guest, `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`, {});
    await call(guest, `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/leave`, {}).catch(
      () => undefined,
    );
    await call(host, `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/leave`, {}).catch(
      () => undefined,
    );
    if (joined.status !== 200)
      fail(
        `${direction}: the invited user could not join: HTTP ${joined.status} ${JSON.stringify(joined.body)}`,
        federationFailureCause(ctx, peer, joined.body),
      );
  }
  return `rooms joined over federation in both directions with ${peerUser}`;
}
