import { VerifyContext, fail } from "./context";
import { getJson } from "./http";

/** Each federation peer's delegation, keys and version; with peer tokens, a room joined over federation both ways. */
export async function federationChecks(ctx: VerifyContext): Promise<void> {
  await peerChecks(ctx);
  await bothWaysChecks(ctx);
}

async function peerChecks(ctx: VerifyContext): Promise<void> {
  const { org, timeoutMs, check } = ctx;
  for (const peer of org.federationPeers) {
    await check(`federation peer ${peer}`, async () => {
      const delegation = await getJson(`https://${peer}/.well-known/matrix/server`, timeoutMs);
      const target = (delegation.body as { "m.server"?: string } | undefined)?.["m.server"] ?? `${peer}:8448`;
      const keys = await getJson(`https://${target}/_matrix/key/v2/server`, timeoutMs);
      if (keys.status !== 200 || (keys.body as { server_name?: string } | undefined)?.server_name !== peer) {
        fail(
          `${peer}'s server keys at ${target} answered HTTP ${keys.status}`,
          `check ${peer}'s delegation and that /_matrix reaches its Synapse`,
        );
      }
      const version = await getJson(`https://${target}/_matrix/federation/v1/version`, timeoutMs);
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

/** Each side creates a room and invites the other side's test user, who must be able to join over federation. */
async function bothWaysChecks(ctx: VerifyContext): Promise<void> {
  const { org, options, timeoutMs, hs, check } = ctx;
  for (const peer of org.federationPeers) {
    const peerToken = options.peerTokens?.[peer];
    await check(
      `federation both ways with ${peer}`,
      async () => {
        const peerClient = await getJson(`https://${peer}/.well-known/matrix/client`, timeoutMs);
        const peerBase = (peerClient.body as { "m.homeserver"?: { base_url?: string } } | undefined)?.[
          "m.homeserver"
        ]?.base_url;
        if (peerBase === undefined)
          fail(
            `${peer} publishes no client well-known`,
            `ask ${peer}'s operator to publish /.well-known/matrix/client`,
          );
        const ours = { base: hs, token: ctx.session!.accessToken };
        const theirs = { base: peerBase.replace(/\/$/, ""), token: peerToken! };
        const whoami = await getJson(`${theirs.base}/_matrix/client/v3/account/whoami`, timeoutMs, {
          headers: { Authorization: `Bearer ${theirs.token}` },
        });
        const peerUser = (whoami.body as { user_id?: string } | undefined)?.user_id;
        if (whoami.status !== 200 || peerUser === undefined)
          fail(
            `the token for ${peer} is not valid there (HTTP ${whoami.status})`,
            `set a valid access token of a ${peer} test user`,
          );
        const hint = `both ${org.serverName} and ${peer} must list each other in federation_domain_whitelist (federation.peers)`;
        // Each side creates a room, invites the other side's user, who joins over federation; then both leave.
        for (const [host, guest, guestId, direction] of [
          [ours, theirs, peerUser, `${org.serverName} → ${peer}`],
          [theirs, ours, ctx.session!.userId, `${peer} → ${org.serverName}`],
        ] as const) {
          const call = (side: { base: string; token: string }, path: string, body: unknown) =>
            getJson(`${side.base}${path}`, timeoutMs, {
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
              hint,
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
              hint,
            );
        }
        return `rooms joined over federation in both directions with ${peerUser}`;
      },
      ctx.session === undefined
        ? "needs the test user"
        : peerToken === undefined
          ? `no test token for ${peer} (MATRIX_FLEET_VERIFY_PEER_TOKENS)`
          : undefined,
    );
  }
}
