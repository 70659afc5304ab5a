import { livekitPublicUrl, livekitServiceUrl } from "../model/topology";
import { VerifyContext, authed, fail } from "./context";
import { fetchBounded, getJson, tcpConnects } from "./http";

/** LiveKit's WebSocket path and ICE/TCP port, lk-jwt-service's health and tokens, and Jitsi's web root. */
export async function rtcChecks(ctx: VerifyContext): Promise<void> {
  const { org, timeoutMs, expectIp, hs, check } = ctx;
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
          `${hs}/_matrix/client/v3/user/${encodeURIComponent(ctx.session!.userId)}/openid/request_token`,
          timeoutMs,
          authed(ctx, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }),
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
      ctx.session === undefined ? "needs the test user" : undefined,
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
}
