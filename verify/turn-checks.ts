import { lookup } from "node:dns/promises";
import { VerifyContext, authed, fail } from "./context";
import { getJson } from "./http";
import { TurnSession, TurnTransport } from "./turn-client";

/** The TURN host's address, credentials from Synapse, and a relay allocated over each transport. */
export async function turnChecks(ctx: VerifyContext): Promise<void> {
  const { org, timeoutMs, expectIp, hs, check } = ctx;
  if (org.components.coturn) {
    await check("TURN host resolves to the public IP", async () => {
      const { address } = await lookup(org.hosts.turn, { family: 4 });
      if (address !== expectIp)
        fail(
          `${org.hosts.turn} resolves to ${address}, not ${expectIp}`,
          "point the TURN host's A record at the public IP, not at the reverse proxy",
        );
      return `${org.hosts.turn} → ${address}`;
    });

    let turn: { username: string; password: string; uris: string[] } | undefined;
    await check(
      "TURN credentials from Synapse",
      async () => {
        const { status, body } = await getJson(
          `${hs}/_matrix/client/v3/voip/turnServer`,
          timeoutMs,
          authed(ctx),
        );
        turn = body as typeof turn;
        if (status !== 200 || !turn?.uris?.length)
          fail(`/voip/turnServer answered HTTP ${status}`, "set turn_uris and turn_shared_secret in Synapse");
        return turn.uris.join(", ");
      },
      ctx.session === undefined ? "needs the test user" : undefined,
    );
    for (const transport of ["udp", "tcp", ...(org.turn.tls ? ["tls"] : [])] as TurnTransport[]) {
      const port = transport === "tls" ? org.ports.turnTls : org.ports.turn;
      await check(
        `TURN allocation over ${transport.toUpperCase()}`,
        async () => {
          const { address } = await lookup(org.hosts.turn, { family: 4 });
          const turnSession = await TurnSession.open(
            { host: address, port, transport, servername: org.hosts.turn },
            timeoutMs,
          );
          try {
            const result = await turnSession.allocate(turn!.username, turn!.password);
            if (result.relay === undefined) {
              fail(
                `allocation refused: ${result.errorCode} ${result.errorReason ?? ""}`.trim(),
                result.errorCode === 401
                  ? "Synapse's turn_shared_secret and coturn's static-auth-secret differ, or lt-cred-mech is set"
                  : "check coturn's quotas and relay range",
              );
            }
            return `relay ${result.relay.address}:${result.relay.port} via ${address}:${port}`;
          } finally {
            await turnSession.close();
          }
        },
        turn === undefined ? "needs TURN credentials from Synapse" : undefined,
      );
    }
  }
}
