/**
 * A MatrixRTC participant's way to a LiveKit token, as Element Call goes it, from wherever the caller runs (a lab
 * client namespace): the server name's well-known file, password login on the homeserver it names, the LiveKit
 * transport (MSC4143 `rtc/transports`, else the well-known's `org.matrix.msc4143.rtc_foci`), an OpenID token, and
 * lk-jwt-service through the proxy: `/sfu/get` (Element Call 0.26.1's default "compatibility" mode,
 * src/livekit/openIDSFU.ts) or `/get_token` (its "matrix_2_0" mode). lk-jwt-service hands out the LiveKit URL to
 * join; for our own users it creates the LiveKit room (room.auto_create is false). lab/browser/pages/matrix-web.ts
 * is the same way in a browser.
 */
import { randomBytes } from "node:crypto";
import { call, login, post } from "./matrix-client";

export type TokenEndpoint = "sfu/get" | "get_token";

export interface MatrixRtcCredentials {
  /** The Matrix server name, e.g. produktor.io: where discovery starts. */
  readonly serverName: string;
  readonly user: string;
  readonly password: string;
  /** The Matrix room whose call this is (lk-jwt-service derives the LiveKit room from it). */
  readonly roomId: string;
  readonly endpoint: TokenEndpoint;
}

export interface MatrixRtcToken {
  readonly userId: string;
  readonly deviceId: string;
  /** lk-jwt-service's URL, as the homeserver announced it. */
  readonly serviceUrl: string;
  /** The LiveKit URL and token lk-jwt-service handed out. */
  readonly url: string;
  readonly jwt: string;
}

/** Each step's failure says which step it was: the message starts with it. */
async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}`, { cause: error });
  }
}

export async function matrixRtcToken(c: MatrixRtcCredentials): Promise<MatrixRtcToken> {
  const wellKnown = await step("well-known", () =>
    call(`https://${c.serverName}`, "GET", "/.well-known/matrix/client"),
  );
  const baseUrl = String((wellKnown["m.homeserver"] as { base_url?: string } | undefined)?.base_url ?? "");
  const session = await step("login", () => login(baseUrl.replace(/\/$/, ""), c.user, c.password));
  const deviceId = await step("whoami", async () =>
    String(
      (
        await call(session.baseUrl, "GET", "/_matrix/client/v3/account/whoami", {
          token: session.accessToken,
        })
      ).device_id,
    ),
  );
  const serviceUrl = await step("rtc-transports", async () => {
    const transports = await call(
      session.baseUrl,
      "GET",
      "/_matrix/client/unstable/org.matrix.msc4143/rtc/transports",
      { token: session.accessToken },
    ).then(
      (body) => body.rtc_transports,
      () => wellKnown["org.matrix.msc4143.rtc_foci"],
    );
    const livekit = (Array.isArray(transports) ? transports : []).find(
      (t: { type?: string }) => t.type === "livekit",
    ) as { livekit_service_url?: string } | undefined;
    if (!livekit?.livekit_service_url)
      throw new Error(`no LiveKit transport in ${JSON.stringify(transports)}`);
    return livekit.livekit_service_url.replace(/\/$/, "");
  });
  const openId = await step("openid", () =>
    post(session, `/_matrix/client/v3/user/${encodeURIComponent(session.userId)}/openid/request_token`),
  );
  const body =
    c.endpoint === "sfu/get"
      ? { room: c.roomId, openid_token: openId, device_id: deviceId }
      : {
          room_id: c.roomId,
          slot_id: "m.call#ROOM",
          openid_token: openId,
          member: {
            id: randomBytes(8).toString("hex"),
            claimed_user_id: session.userId,
            claimed_device_id: deviceId,
          },
        };
  const answer = await step("lk-jwt-service", () => call(serviceUrl, "POST", `/${c.endpoint}`, { body }));
  if (typeof answer.url !== "string" || typeof answer.jwt !== "string")
    throw new Error(`lk-jwt-service: no url and jwt in ${JSON.stringify(answer).slice(0, 200)}`);
  return { userId: session.userId, deviceId, serviceUrl, url: answer.url, jwt: answer.jwt };
}
