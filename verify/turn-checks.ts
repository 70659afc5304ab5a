import { VerifyContext, authed, fail } from "./context";
import { TurnTransport } from "./turn-client";
import { TURN_443, turn443Target } from "../model/turn-uris";

/** What `/voip/turnServer` hands a client (Synapse's synapse/rest/client/voip.py). */
interface TurnCredentials {
  readonly username: string;
  readonly password: string;
  readonly uris: readonly string[];
}

/** One TURN URI as a client reads it: `turn:` over UDP or TCP, `turns:` over TLS. */
export interface TurnUri {
  readonly uri: string;
  readonly host: string;
  readonly port: number;
  readonly transport: TurnTransport;
}

/** RFC 7065: `turn[s]:host[:port][?transport=udp|tcp]`; the default port is 3478, 5349 for `turns:`. */
export function parseTurnUri(uri: string): TurnUri | undefined {
  const match = /^(turns?):([^:?]+)(?::(\d+))?(?:\?transport=(udp|tcp))?$/i.exec(uri);
  if (match === null) return undefined;
  const secure = match[1]!.toLowerCase() === "turns";
  const transport: TurnTransport = secure ? "tls" : match[4]?.toLowerCase() === "tcp" ? "tcp" : "udp";
  return { uri, host: match[2]!.toLowerCase(), port: Number(match[3] ?? (secure ? 5349 : 3478)), transport };
}

/**
 * The TURN host's address, the credentials Synapse hands a client, and a relay allocated over exactly the URIs
 * Synapse hands out (one check per transport): what a client on mobile data really gets, not the ports the stack
 * was configured with. The relay address coturn reports must be the public IP.
 */
export async function turnChecks(ctx: VerifyContext): Promise<void> {
  const { org, expectIp, hs, check, net, timeoutMs } = ctx;
  if (!org.components.coturn) return;
  const viaLan = ctx.reach(expectIp) !== expectIp;
  // With TURN on 443 the TURN name resolves to its second WAN address (turn.port443Ip), whose 443 is coturn's.
  const turnAddress = org.turn.port443Ip ?? expectIp;
  await check(
    "TURN host resolves to the public IP",
    async () => {
      const address = await net.resolve4(org.hosts.turn);
      if (address !== turnAddress)
        fail(
          `${org.hosts.turn} resolves to ${address}, not ${turnAddress}`,
          org.turn.port443Ip === undefined
            ? "point the TURN host's A record at the public IP, not at the reverse proxy"
            : `point the TURN host's A record at turn.port443Ip ${org.turn.port443Ip}, the address whose TCP 443 the router forwards to coturn`,
        );
      return `${org.hosts.turn} → ${address}`;
    },
    viaLan ? `run from the LAN, which reaches ${org.hosts.turn} at the Docker host's own address` : undefined,
  );

  let turn: TurnCredentials | undefined;
  await check(
    "TURN credentials from Synapse",
    async () => {
      const url = `${hs}/_matrix/client/v3/voip/turnServer`;
      const { status, body } = await net.getJson(url, timeoutMs, authed(ctx));
      const answer = body as Partial<TurnCredentials> | undefined;
      if (status !== 200 || !Array.isArray(answer?.uris) || answer.uris.length === 0)
        fail(
          `/voip/turnServer answered HTTP ${status} with ${JSON.stringify(body)}`,
          "Synapse hands out TURN only with turn_uris, turn_shared_secret and a turn_user_lifetime above 0 in homeserver.yaml",
        );
      turn = answer as TurnCredentials;
      return turn.uris.join(", ");
    },
    ctx.session === undefined ? "needs the test user" : undefined,
  );

  const uris = (turn?.uris ?? []).map((uri) => parseTurnUri(uri) ?? uri);
  // The probe's bounded load: one allocation per run, over UDP (what most clients use).
  const expected: TurnTransport[] = ctx.probe
    ? ["udp"]
    : ["udp", "tcp", ...(org.turn.tls ? (["tls"] as const) : [])];
  const handedOut = ctx.probe ? [] : uris.flatMap((u) => (typeof u === "string" ? [] : [u.transport]));
  for (const transport of [...new Set([...expected, ...handedOut])]) {
    const mine = uris.filter((u) => typeof u !== "string" && u.transport === transport) as TurnUri[];
    const checks = mine.length === 0 ? [undefined] : ctx.probe ? mine.slice(0, 1) : mine;
    for (const [index, uri] of checks.entries()) {
      const name = `TURN allocation over ${transport.toUpperCase()}${index === 0 ? "" : ` (${uri!.uri})`}`;
      await check(
        name,
        () => (uri === undefined ? missingTransport(transport, turn!) : allocateVia(ctx, uri, turn!)),
        turn === undefined ? "needs TURN credentials from Synapse" : undefined,
      );
    }
  }
  for (const unreadable of uris.filter((u): u is string => typeof u === "string")) {
    await check(`TURN URI ${unreadable}`, async () =>
      fail(
        `Synapse hands out '${unreadable}', which is no turn:/turns: URI`,
        "render and deploy homeserver.yaml again",
      ),
    );
  }
}

async function missingTransport(transport: TurnTransport, turn: TurnCredentials): Promise<string> {
  return fail(
    `Synapse hands out no ${transport === "tls" ? "turns:" : `turn: ?transport=${transport}`} URI (it hands out ${turn.uris.join(", ")})`,
    "turn_uris in the deployed homeserver.yaml are not what the stack renders: render and deploy it again",
  );
}

/** Allocates a relay through one URI Synapse handed out, and names the cause of a failure. */
async function allocateVia(ctx: VerifyContext, uri: TurnUri, turn: TurnCredentials): Promise<string> {
  const { org, expectIp, net, timeoutMs } = ctx;
  const [portKey, coturnPort] =
    uri.transport === "tls" ? ["ports.turnTls", org.ports.turnTls] : ["ports.turn", org.ports.turn];
  const stale =
    "turn_uris in the deployed homeserver.yaml are not what the stack renders: render and deploy it again";
  // 443 of turn.port443Ip is coturn's (the router forwards it); 443 of any other address is the proxy's.
  const on443 = uri.port === TURN_443 && org.turn.port443Ip !== undefined && uri.host === org.hosts.turn;
  if ((uri.port === 443 && !on443) || uri.port === 80)
    fail(
      `Synapse hands out ${uri.uri}: port ${uri.port} belongs to the reverse proxy (the router forwards tcp/${uri.port} to Nginx Proxy Manager), which cannot carry TURN`,
      `coturn listens on ${coturnPort} (${portKey}); ${stale}`,
    );
  const address = await net.resolve4(uri.host);
  const server = { host: address, port: uri.port, transport: uri.transport, servername: uri.host };
  const result = await net
    .allocate(server, turn.username, turn.password, timeoutMs)
    .catch((error: Error) =>
      fail(
        `no TURN answer at ${uri.uri} (${address}:${uri.port}): ${error.message}`,
        on443
          ? `forward tcp/443 of ${org.turn.port443Ip} to coturn's ${org.turn.tls ? "TLS port" : "listener"} ${turn443Target(org)} on the Docker host (router-checklist.md, "TURN on 443"), and check that coturn runs`
          : uri.port !== coturnPort
            ? `Synapse names port ${uri.port}, but coturn listens on ${coturnPort} (${portKey}); ${stale}`
            : `forward ${uri.transport === "udp" ? "udp" : "tcp"}/${uri.port} to the Docker host and check that coturn runs`,
      ),
    );
  if (result.relay === undefined) {
    fail(
      `allocation refused: ${result.errorCode} ${result.errorReason ?? ""}`.trim(),
      result.errorCode === 401
        ? "Synapse's turn_shared_secret and coturn's static-auth-secret differ, or lt-cred-mech is set"
        : "check coturn's quotas and relay range",
    );
  }
  if (result.relay.address !== expectIp)
    fail(
      `coturn reports relay ${result.relay.address}:${result.relay.port}, not on the public IP ${expectIp}: clients would send relayed media to an address that does not reach coturn`,
      "coturn's external-ip must be the public IP (network.publicIp, with network.lanIp behind NAT): render and deploy turnserver.conf again, without an external-ip override",
    );
  return `relay ${result.relay.address}:${result.relay.port} via ${address}:${uri.port}`;
}
