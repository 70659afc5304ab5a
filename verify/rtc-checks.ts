import { livekitPublicUrl, livekitServiceUrl } from "../model/topology";
import { CheckFailure, VerifyContext, authed, fail } from "./context";
import { federationTarget } from "./federation-checks";
import { JoinTarget } from "./matrix-rtc-join";
import { livekitWebSocketCheck } from "./livekit-websocket";

const OPENID_CHECK = "OpenID userinfo (what lk-jwt-service asks Synapse)";

/**
 * LiveKit's WebSocket path and ICE/TCP port, Synapse's OpenID userinfo as lk-jwt-service calls it, lk-jwt-service's
 * health and tokens, and Jitsi's web root.
 */
export async function rtcChecks(ctx: VerifyContext): Promise<void> {
  const { org, timeoutMs, expectIp, check, net } = ctx;
  if (org.components.matrixRtc) {
    await livekitWebSocketCheck(ctx);
    await check("LiveKit ICE/TCP port", async () => {
      const address = ctx.reach(expectIp);
      await net
        .tcpConnects(address, org.ports.livekitTcp, timeoutMs)
        .catch((error: Error) =>
          fail(
            error.message,
            `forward tcp/${org.ports.livekitTcp} to the Docker host: clients behind UDP-blocking firewalls need it`,
          ),
        );
      const via = address === expectIp ? "" : ` (reached at ${address} on the LAN)`;
      return `${expectIp}:${org.ports.livekitTcp} accepts connections${via}`;
    });
    await openIdCheck(ctx);
    await check("lk-jwt-service health", async () => {
      const url = `${livekitServiceUrl(org)}/healthz`;
      const status = await net.status(url, timeoutMs);
      if (status !== 200)
        fail(
          `${url} answered HTTP ${status}`,
          "start lk-jwt-service and route /livekit/jwt/ to it with the prefix stripped",
        );
      return `${url} → HTTP 200`;
    });
    await ownNamesCheck(ctx);
    // The probe's bounded load: one token and one join per run, through the endpoint current Element Call uses.
    for (const endpoint of ctx.probe ? (["get_token"] as const) : (["get_token", "sfu/get"] as const)) {
      await check(
        `MatrixRTC token via /${endpoint} and a LiveKit join`,
        async () => tokenOrOpenIdCause(ctx, () => joinTarget(ctx).then((t) => net.tokenAndJoin(endpoint, t))),
        ctx.session === undefined ? "needs the test user" : undefined,
      );
    }
  }

  if (org.components.jitsi) {
    await check("Jitsi web", async () => {
      const url = `https://${org.hosts.jitsi}/`;
      const status = await net.status(url, timeoutMs);
      if (status !== 200)
        fail(`${url} answered HTTP ${status}`, "check the Jitsi web container and its proxy host");
      return `${url} → HTTP 200`;
    });
  }
}

/** The names lk-jwt-service reaches for our users, as its host entries list them (config-templates/lk-jwt-hosts.ts). */
function ownNames(ctx: VerifyContext): string[] {
  return [...ctx.org.lkJwtOwnNames];
}

/** A fresh OpenID token of the test user, and what the join check needs to know of the stack. */
export async function joinTarget(ctx: VerifyContext): Promise<JoinTarget> {
  const { org, timeoutMs } = ctx;
  const openid = await requestOpenIdToken(ctx);
  if (openid.status !== 200)
    fail(
      `/openid/request_token answered HTTP ${openid.status}`,
      "Synapse must issue OpenID tokens to its users",
    );
  return {
    serviceUrl: livekitServiceUrl(org),
    expectedLivekitUrl: livekitPublicUrl(org),
    serverName: org.serverName,
    userId: ctx.session!.userId,
    openidToken: openid.body,
    ownNames: ownNames(ctx),
    proxyLanIp: org.proxy.lanIp,
    timeoutMs,
  };
}

/**
 * Where the names lk-jwt-service needs resolve from here. At the WAN address, with the proxy behind NAT, a
 * container on the Docker host reaches them only through hairpin NAT, or through the host entries the stack gives
 * lk-jwt-service: the detail says so, and the token checks below then show whether the path works.
 */
async function ownNamesCheck(ctx: VerifyContext): Promise<void> {
  const { org, expectIp, check } = ctx;
  await check("lk-jwt-service's own names", async () => {
    const names = ownNames(ctx);
    const resolved = await Promise.all(
      names.map((name) =>
        ctx.net.resolve4(name).then(
          (address) => [name, address] as const,
          (error: NodeJS.ErrnoException) =>
            fail(
              `${name} does not resolve: ${error.code ?? error.message}`,
              `publish an A record for ${name}`,
            ),
        ),
      ),
    );
    const atWan = resolved.filter(([, address]) => address === expectIp).map(([name]) => name);
    const hairpin =
      atWan.length > 0 && org.proxy.lanIp !== expectIp
        ? `; ${atWan.join(", ")} resolve to the WAN address, which the Docker host reaches only through hairpin NAT: lk-jwt-service uses its host entries to proxy.lanIp ${org.proxy.lanIp} instead`
        : "";
    return `${resolved.map(([name, address]) => `${name} → ${address}`).join(", ")}${hairpin}`;
  });
}

function requestOpenIdToken(ctx: VerifyContext) {
  return ctx.net.getJson(
    `${ctx.hs}/_matrix/client/v3/user/${encodeURIComponent(ctx.session!.userId)}/openid/request_token`,
    ctx.timeoutMs,
    authed(ctx, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }),
  );
}

/** A token check whose failure comes from Synapse's OpenID endpoint says so, pointing at the check that showed it. */
async function tokenOrOpenIdCause(ctx: VerifyContext, run: () => Promise<string>): Promise<string> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof CheckFailure && ctx.failed(OPENID_CHECK))
      fail(error.message, `Synapse does not answer lk-jwt-service's OpenID check (see '${OPENID_CHECK}')`);
    throw error;
  }
}

/**
 * lk-jwt-service validates a MatrixRTC user by asking the user's homeserver, over its federation address, for
 * `/_matrix/federation/v1/openid/userinfo` (served by Synapse's `openid` or `federation` listener resource). Checked
 * on its own, so that a missing resource is named as such, not as a whitelist or lk-jwt-service problem.
 */
async function openIdCheck(ctx: VerifyContext): Promise<void> {
  const { org, timeoutMs, check, net } = ctx;
  await check(
    OPENID_CHECK,
    async () => {
      const token = (await requestOpenIdToken(ctx)).body as { access_token?: string } | undefined;
      if (token?.access_token === undefined)
        fail("Synapse issued no OpenID token to the test user", "check the client API of the homeserver");
      const target = await federationTarget(ctx, org.serverName);
      const url = `https://${target}/_matrix/federation/v1/openid/userinfo?access_token=${encodeURIComponent(token.access_token)}`;
      const { status, body } = await net.getJson(url, timeoutMs);
      const sub = (body as { sub?: string } | undefined)?.sub;
      if (status !== 200 || sub !== ctx.session!.userId)
        fail(
          `https://${target}/_matrix/federation/v1/openid/userinfo answered HTTP ${status}${status === 404 ? ": no Synapse listener serves the openid resource" : ` with ${JSON.stringify(body)}`}`,
          "add 'openid' (or 'federation') to the resources of Synapse's listener; without it lk-jwt-service cannot validate any MatrixRTC user",
        );
      return `${sub} via ${target}`;
    },
    ctx.session === undefined ? "needs the test user" : undefined,
  );
}
