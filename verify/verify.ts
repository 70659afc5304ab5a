/**
 * `verify`: checks a deployed organisation from the outside, the way clients and federation peers see it. Each
 * check is bounded in time and never retried forever; a failure carries the likely cause and the fix, from the
 * failure modes the source deployment met in production.
 */
import { lookup } from "node:dns/promises";
import * as net from "node:net";
import { OrgConfig } from "../config/model";
import { TurnSession, TurnTransport } from "./turn-client";
import { homeserverBaseUrl, livekitPublicUrl, livekitServiceUrl } from "../model/topology";

export type Outcome = "pass" | "fail" | "skip";

export interface CheckResult {
  readonly name: string;
  readonly outcome: Outcome;
  /** What was measured (or why it was skipped). */
  readonly detail: string;
  /** For a failure: the likely cause and its fix. */
  readonly fix?: string;
  readonly ms: number;
}

export interface VerifyOptions {
  /** A test user of this homeserver, for the checks that need a login (from the environment, never argv). */
  readonly user?: { readonly name: string; readonly password: string };
  /** The address clients must reach for TURN and media; defaults to the stack's network.publicIp. */
  readonly expectIp?: string;
  /** Access tokens of test users on peer servers (server name -> token), to prove federation both ways. */
  readonly peerTokens?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

class CheckFailure extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

function fail(message: string, fix: string): never {
  throw new CheckFailure(message, fix);
}

/** fetch with a timeout, whose network errors say what failed (fetch itself only says "fetch failed"). */
async function fetchBounded(url: string, timeoutMs: number, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why =
      (error as Error).name === "TimeoutError"
        ? `no answer within ${timeoutMs} ms`
        : (cause?.code ?? cause?.message ?? (error as Error).message);
    throw new Error(`${url}: ${why}`, { cause: error });
  }
}

async function getJson(
  url: string,
  timeoutMs: number,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetchBounded(url, timeoutMs, init);
  const text = await response.text();
  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, headers: response.headers, body };
}

function tcpConnects(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TCP connection to ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

interface Session {
  readonly userId: string;
  readonly accessToken: string;
}

export async function verifyStack(org: OrgConfig, options: VerifyOptions = {}): Promise<CheckResult[]> {
  const timeoutMs = options.timeoutMs ?? 8000;
  const expectIp = options.expectIp ?? org.network.publicIp;
  const hs = homeserverBaseUrl(org);
  const results: CheckResult[] = [];
  let session: Session | undefined;

  const check = async (name: string, run: () => Promise<string>, skip?: string): Promise<void> => {
    const started = Date.now();
    if (skip !== undefined) {
      results.push({ name, outcome: "skip", detail: skip, ms: 0 });
      return;
    }
    try {
      const detail = await run();
      results.push({ name, outcome: "pass", detail, ms: Date.now() - started });
    } catch (error) {
      const fix =
        error instanceof CheckFailure ? error.fix : "check that the host is up and reachable from here";
      results.push({
        name,
        outcome: "fail",
        detail: (error as Error).message,
        fix,
        ms: Date.now() - started,
      });
    }
  };

  const wellKnown = async (file: "server" | "client") => {
    const url = `https://${org.hosts.wellKnown}/.well-known/matrix/${file}`;
    const { status, headers, body } = await getJson(url, timeoutMs);
    if (status !== 200)
      fail(
        `${url} answered HTTP ${status}`,
        "serve the well-known files from the proxy host of the server name",
      );
    if (typeof body !== "object" || body === null) fail(`${url} is not JSON`, "serve it as application/json");
    if (headers.get("access-control-allow-origin") !== "*") {
      fail(
        `${url} has no 'Access-Control-Allow-Origin: *'`,
        "add the CORS header to the well-known locations (web clients report MISSING_MATRIX_RTC_FOCUS without it)",
      );
    }
    return body as Record<string, unknown>;
  };

  await check("well-known server", async () => {
    const body = await wellKnown("server");
    const server = body["m.server"];
    if (server !== `${org.hosts.homeserver}:443`)
      fail(
        `m.server is ${JSON.stringify(server)}, expected ${org.hosts.homeserver}:443`,
        "delegate to the homeserver host on 443 (no port means 8448)",
      );
    return `m.server ${String(server)}, CORS *`;
  });

  await check("well-known client", async () => {
    const body = await wellKnown("client");
    const base = (body["m.homeserver"] as { base_url?: string } | undefined)?.base_url;
    if (base !== hs)
      fail(
        `m.homeserver.base_url is ${JSON.stringify(base)}, expected ${hs}`,
        "publish the homeserver's public URL",
      );
    if (org.components.matrixRtc) {
      const foci = body["org.matrix.msc4143.rtc_foci"] as Array<{ livekit_service_url?: string }> | undefined;
      if (!foci?.some((f) => f.livekit_service_url === livekitServiceUrl(org))) {
        fail(
          "org.matrix.msc4143.rtc_foci does not name our lk-jwt-service",
          "publish rtc_foci: Element Call bundled in Element Web still reads it",
        );
      }
    }
    return `base_url ${base}${org.components.matrixRtc ? ", rtc_foci" : ""}, CORS *`;
  });

  await check("client API versions", async () => {
    const { status, body } = await getJson(`${hs}/_matrix/client/versions`, timeoutMs);
    const versions = (body as { versions?: string[] } | undefined)?.versions;
    if (status !== 200 || !Array.isArray(versions))
      fail(
        `${hs}/_matrix/client/versions answered HTTP ${status}`,
        "route /_matrix on the homeserver host to Synapse",
      );
    return `${versions.length} versions, newest ${versions[versions.length - 1]}`;
  });

  await check(
    "test user login",
    async () => {
      const { status, body } = await getJson(`${hs}/_matrix/client/v3/login`, timeoutMs, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          type: "m.login.password",
          identifier: { type: "m.id.user", user: options.user!.name },
          password: options.user!.password,
        }),
      });
      const login = body as { user_id?: string; access_token?: string };
      if (status !== 200 || !login.access_token)
        fail(
          `login as ${options.user!.name} answered HTTP ${status}`,
          "check MATRIX_FLEET_VERIFY_USER / MATRIX_FLEET_VERIFY_PASSWORD",
        );
      session = { userId: login.user_id!, accessToken: login.access_token };
      return session.userId;
    },
    options.user === undefined
      ? "no test user (set MATRIX_FLEET_VERIFY_USER and MATRIX_FLEET_VERIFY_PASSWORD)"
      : undefined,
  );
  const authed = (init: RequestInit = {}): RequestInit => ({
    ...init,
    headers: { ...(init.headers ?? {}), Authorization: `Bearer ${session!.accessToken}` },
  });

  if (org.components.matrixRtc) {
    await check(
      "MSC4143 RTC transports",
      async () => {
        const { status, body } = await getJson(
          `${hs}/_matrix/client/unstable/org.matrix.msc4143/rtc/transports`,
          timeoutMs,
          authed(),
        );
        const transports = (body as { rtc_transports?: Array<{ livekit_service_url?: string }> } | undefined)
          ?.rtc_transports;
        if (status !== 200 || !transports?.length)
          fail(
            `transports endpoint answered HTTP ${status} with ${JSON.stringify(body)}`,
            "enable msc4143 only with non-empty matrix_rtc.transports",
          );
        return transports.map((t) => t.livekit_service_url).join(", ");
      },
      session === undefined ? "needs the test user" : undefined,
    );
  }

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
        const ours = { base: hs, token: session!.accessToken };
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
          [theirs, ours, session!.userId, `${peer} → ${org.serverName}`],
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
      session === undefined
        ? "needs the test user"
        : peerToken === undefined
          ? `no test token for ${peer} (MATRIX_FLEET_VERIFY_PEER_TOKENS)`
          : undefined,
    );
  }

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
          authed(),
        );
        turn = body as typeof turn;
        if (status !== 200 || !turn?.uris?.length)
          fail(`/voip/turnServer answered HTTP ${status}`, "set turn_uris and turn_shared_secret in Synapse");
        return turn.uris.join(", ");
      },
      session === undefined ? "needs the test user" : undefined,
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

  if (org.components.matrixRtc) {
    await check("LiveKit WebSocket answers", async () => {
      const url = `${livekitPublicUrl(org).replace("wss://", "https://")}/`;
      const response = await fetchBounded(url, timeoutMs);
      if (response.status !== 200)
        fail(
          `${url} answered HTTP ${response.status}`,
          "route /livekit/sfu/ to LiveKit with the prefix stripped and WebSocket upgrade",
        );
      return `${url} → HTTP 200`;
    });
    await check("LiveKit ICE/TCP port", async () => {
      await tcpConnects(expectIp, org.ports.livekitTcp, timeoutMs).catch((error: Error) =>
        fail(
          error.message,
          `forward tcp/${org.ports.livekitTcp} to the Docker host: clients behind UDP-blocking firewalls need it`,
        ),
      );
      return `${expectIp}:${org.ports.livekitTcp} accepts connections`;
    });
    await check("lk-jwt-service health", async () => {
      const url = `${livekitServiceUrl(org)}/healthz`;
      const response = await fetchBounded(url, timeoutMs);
      if (response.status !== 200)
        fail(
          `${url} answered HTTP ${response.status}`,
          "start lk-jwt-service and route /livekit/jwt/ to it with the prefix stripped",
        );
      return `${url} → HTTP 200`;
    });
    await check(
      "lk-jwt-service issues a LiveKit token",
      async () => {
        const openid = await getJson(
          `${hs}/_matrix/client/v3/user/${encodeURIComponent(session!.userId)}/openid/request_token`,
          timeoutMs,
          authed({ method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }),
        );
        const { status, body } = await getJson(`${livekitServiceUrl(org)}/sfu/get`, timeoutMs, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({
            room: "!verify:" + org.serverName,
            openid_token: openid.body,
            device_id: "MATRIXFLEETVERIFY",
          }),
        });
        const answer = body as { url?: string; jwt?: string } | undefined;
        if (status !== 200 || !answer?.jwt)
          fail(
            `/sfu/get answered HTTP ${status}: ${JSON.stringify(body)}`,
            "lk-jwt-service must reach the homeserver's openid/userinfo (federation resource) and LiveKit",
          );
        if (answer.url !== livekitPublicUrl(org))
          fail(
            `/sfu/get hands out ${answer.url}, not ${livekitPublicUrl(org)}`,
            "set LIVEKIT_URL to the public wss:// URL: the second call never connects otherwise",
          );
        return `JWT for ${answer.url}`;
      },
      session === undefined ? "needs the test user" : undefined,
    );
  }

  if (org.components.jitsi) {
    await check("Jitsi web", async () => {
      const url = `https://${org.hosts.jitsi}/`;
      const response = await fetchBounded(url, timeoutMs);
      if (response.status !== 200)
        fail(`${url} answered HTTP ${response.status}`, "check the Jitsi web container and its proxy host");
      return `${url} → HTTP 200`;
    });
  }
  return results;
}

export function formatResults(stack: string, results: readonly CheckResult[]): string {
  const lines = results.map((r) => {
    const head = `${r.outcome.toUpperCase().padEnd(4)} ${r.name}: ${r.detail}${r.outcome === "skip" ? "" : ` (${r.ms} ms)`}`;
    return r.fix === undefined ? head : `${head}\n     likely cause / fix: ${r.fix}`;
  });
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  lines.push(`verify ${stack}: ${count("pass")} passed, ${count("fail")} failed, ${count("skip")} skipped`);
  return `${lines.join("\n")}\n`;
}
