import { livekitServiceUrl } from "../model/topology";
import { VerifyContext, authed, fail } from "./context";

/** Both well-known files and the client API, as a client discovering the homeserver sees them. */
export async function discoveryChecks(ctx: VerifyContext): Promise<void> {
  const { org, timeoutMs, hs, check, net } = ctx;
  const wellKnown = async (file: "server" | "client") => {
    const url = `https://${org.hosts.wellKnown}/.well-known/matrix/${file}`;
    const { status, headers, body } = await net.getJson(url, timeoutMs);
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
    // Element X reads this file on the server name; a sliding-sync proxy left in it sends Element X to the
    // archived proxy instead of Synapse's native sliding sync (element-x-android#4500, element-x-ios#3897).
    const proxy = body["org.matrix.msc3575.proxy"];
    if (proxy !== undefined)
      fail(
        `org.matrix.msc3575.proxy is still published (${JSON.stringify(proxy)})`,
        "remove the sliding-sync proxy key: Synapse serves sliding sync itself (since 1.114.0) and Element X must use it",
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
    const { status, body } = await net.getJson(`${hs}/_matrix/client/versions`, timeoutMs);
    const versions = (body as { versions?: string[] } | undefined)?.versions;
    if (status !== 200 || !Array.isArray(versions))
      fail(
        `${hs}/_matrix/client/versions answered HTTP ${status}`,
        "route /_matrix on the homeserver host to Synapse",
      );
    return `${versions.length} versions, newest ${versions[versions.length - 1]}`;
  });
}

/** The test user's login, and what needs it first: the MSC4143 RTC transports. */
export async function loginChecks(ctx: VerifyContext): Promise<void> {
  const { org, options, timeoutMs, hs, check, net } = ctx;
  await check(
    "test user login",
    async () => {
      const { status, body } = await net.getJson(`${hs}/_matrix/client/v3/login`, timeoutMs, {
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
      ctx.session = { userId: login.user_id!, accessToken: login.access_token };
      return ctx.session.userId;
    },
    options.user === undefined
      ? "no test user (set MATRIX_FLEET_VERIFY_USER and MATRIX_FLEET_VERIFY_PASSWORD)"
      : undefined,
  );
  await slidingSyncCheck(ctx);

  if (org.components.matrixRtc) {
    await check(
      "MSC4143 RTC transports",
      async () => {
        const { status, body } = await net.getJson(
          `${hs}/_matrix/client/unstable/org.matrix.msc4143/rtc/transports`,
          timeoutMs,
          authed(ctx),
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
      ctx.session === undefined ? "needs the test user" : undefined,
    );
  }
}

/**
 * What Element X does after its password login: one simplified sliding sync request (MSC4186) on the homeserver's
 * public URL. Element X refuses a server that does not answer it ("This server doesn't support sliding sync").
 */
async function slidingSyncCheck(ctx: VerifyContext): Promise<void> {
  const { timeoutMs, hs, check, net } = ctx;
  await check(
    "Element X sliding sync",
    async () => {
      const url = `${hs}/_matrix/client/unstable/org.matrix.simplified_msc3575/sync?timeout=0`;
      const { status, body } = await net.getJson(
        url,
        timeoutMs,
        authed(ctx, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          // synapse/types/rest/client SlidingSyncBody: a list needs ranges, required_state and timeline_limit.
          body: JSON.stringify({
            lists: { all: { ranges: [[0, 9]], required_state: [["m.room.name", ""]], timeline_limit: 1 } },
          }),
        }),
      );
      const pos = (body as { pos?: unknown } | undefined)?.pos;
      if (status !== 200 || typeof pos !== "string")
        fail(
          `${url} answered HTTP ${status}${typeof pos === "string" ? "" : " without a pos"}`,
          "route /_matrix/client/unstable/org.matrix.simplified_msc3575 to Synapse and leave experimental_features.msc3575_enabled at its default (true)",
        );
      const lists = (body as { lists?: { all?: { count?: number } } }).lists;
      return `pos ${pos}, ${lists?.all?.count ?? 0} room(s) in the list`;
    },
    ctx.session === undefined ? "needs the test user" : undefined,
  );
}

/** Logs the test user's session out again (the call probe's runs must not pile up devices); never a check. */
export async function endSession(ctx: VerifyContext): Promise<void> {
  if (ctx.session === undefined) return;
  await ctx.net
    .getJson(`${ctx.hs}/_matrix/client/v3/logout`, ctx.timeoutMs, authed(ctx, { method: "POST", body: "{}" }))
    .catch(() => undefined);
  ctx.session = undefined;
}
