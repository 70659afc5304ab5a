import { lookup } from "node:dns/promises";
import { buildStackPlan } from "../documents/plan";
import { placeholderSecrets } from "../facts/secrets";
import { livekitPublicUrl, livekitServiceUrl } from "../model/topology";
import { VerifyContext, authed, fail } from "./context";
import { fetchBounded, getJson, tcpConnects } from "./http";
import { JoinTarget, tokenAndJoin } from "./matrix-rtc-join";

/** LiveKit's WebSocket path and ICE/TCP port, lk-jwt-service's health and tokens, and Jitsi's web root. */
export async function rtcChecks(ctx: VerifyContext): Promise<void> {
  const { org, timeoutMs, expectIp, check } = ctx;
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
    await ownNamesCheck(ctx);
    for (const endpoint of ["get_token", "sfu/get"] as const) {
      await check(
        `MatrixRTC token via /${endpoint} and a LiveKit join`,
        async () => tokenAndJoin(endpoint, await joinTarget(ctx)),
        ctx.session === undefined ? "needs the test user" : undefined,
      );
    }
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
}

/** The names lk-jwt-service reaches for our users, as its host entries list them (documents/lk-jwt-hosts.ts). */
function ownNames(ctx: VerifyContext): string[] {
  return (buildStackPlan(ctx.org, placeholderSecrets()).lkJwtHosts ?? []).map((entry) => entry.name);
}

/** A fresh OpenID token of the test user, and what the join check needs to know of the stack. */
async function joinTarget(ctx: VerifyContext): Promise<JoinTarget> {
  const { org, hs, timeoutMs } = ctx;
  const openid = await getJson(
    `${hs}/_matrix/client/v3/user/${encodeURIComponent(ctx.session!.userId)}/openid/request_token`,
    timeoutMs,
    authed(ctx, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }),
  );
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
        lookup(name, { family: 4 }).then(
          ({ address }) => [name, address] as const,
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
