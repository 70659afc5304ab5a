/**
 * The Matrix client-server calls a web client makes before a call, from a page of another origin, so that CORS
 * applies as it does to Element Web and Element Call: server discovery through the well-known file
 * (spec: client-server API, "Server discovery"), password login, MatrixRTC transport discovery (MSC4143:
 * `/_matrix/client/unstable/org.matrix.msc4143/rtc/transports`, the well-known's `org.matrix.msc4143.rtc_foci`
 * where the homeserver does not know the endpoint, as Element Web's widget driver falls back), an OpenID token,
 * and lk-jwt-service's legacy token endpoint `/sfu/get` (what Element Call 0.26.1 calls in its default
 * "compatibility" MatrixRTC mode, src/livekit/openIDSFU.ts). Each failure is a PageFailure naming its step.
 */

export class PageFailure extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * fetch() that says why it failed: a rejected fetch is either a refusal of the answer by the browser (CORS: the
 * server answered, the page may not read it) or no answer at all; a no-cors request of the same URL tells them
 * apart, as it needs no CORS header to succeed (with an opaque response).
 */
export async function fetchJson(
  step: string,
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    const reachable = await fetch(url, { mode: "no-cors", signal: AbortSignal.timeout(10_000) }).then(
      () => true,
      () => false,
    );
    throw new PageFailure(
      step,
      reachable
        ? `${url}: the server answered, but the browser refused the page (origin ${location.origin}) the answer: CORS (no Access-Control-Allow-Origin on the answer or on the preflight) [${String(error)}]`
        : `${url}: no answer the browser accepts (DNS, connection or TLS: is the certificate trusted?) [${String(error)}]`,
    );
  }
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    body = { notJson: text.slice(0, 200) };
  }
  return { status: response.status, body };
}

export async function okJson(
  step: string,
  url: string,
  init: RequestInit = {},
): Promise<Record<string, unknown>> {
  const { status, body } = await fetchJson(step, url, init);
  if (status < 200 || status > 299)
    throw new PageFailure(step, `${url} answered HTTP ${status}: ${JSON.stringify(body).slice(0, 300)}`);
  return body;
}

const json = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

export interface Session {
  readonly baseUrl: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly accessToken: string;
}

/** The well-known file of a server name: the homeserver's base URL and the whole file. */
export async function discover(
  serverName: string,
): Promise<{ baseUrl: string; wellKnown: Record<string, unknown> }> {
  const wellKnown = await okJson("well-known", `https://${serverName}/.well-known/matrix/client`);
  const baseUrl = (wellKnown["m.homeserver"] as { base_url?: string } | undefined)?.base_url;
  if (typeof baseUrl !== "string")
    throw new PageFailure("well-known", "the well-known file has no m.homeserver.base_url");
  return { baseUrl: baseUrl.replace(/\/$/, ""), wellKnown };
}

export async function login(baseUrl: string, user: string, password: string): Promise<Session> {
  const body = await okJson(
    "login",
    `${baseUrl}/_matrix/client/v3/login`,
    json({ type: "m.login.password", identifier: { type: "m.id.user", user }, password }),
  );
  return {
    baseUrl,
    userId: String(body.user_id),
    deviceId: String(body.device_id),
    accessToken: String(body.access_token),
  };
}

export function authed(session: Session, init: RequestInit = {}): RequestInit {
  return { ...init, headers: { ...(init.headers ?? {}), Authorization: `Bearer ${session.accessToken}` } };
}

/** lk-jwt-service's URL: the homeserver's MSC4143 transports, else the well-known's rtc_foci. */
export async function livekitServiceUrl(
  session: Session,
  wellKnown: Record<string, unknown>,
): Promise<string> {
  const { status, body } = await fetchJson(
    "rtc-transports",
    `${session.baseUrl}/_matrix/client/unstable/org.matrix.msc4143/rtc/transports`,
    authed(session),
  );
  const transports =
    status === 200 ? body.rtc_transports : (wellKnown["org.matrix.msc4143.rtc_foci"] as unknown);
  const livekit = (Array.isArray(transports) ? transports : []).find(
    (t: { type?: string; livekit_service_url?: string }) => t.type === "livekit" && t.livekit_service_url,
  ) as { livekit_service_url: string } | undefined;
  if (livekit === undefined)
    throw new PageFailure(
      "rtc-transports",
      `no LiveKit transport (rtc/transports: HTTP ${status}, well-known rtc_foci)`,
    );
  return livekit.livekit_service_url.replace(/\/$/, "");
}

export async function openIdToken(session: Session): Promise<Record<string, unknown>> {
  return okJson(
    "openid",
    `${session.baseUrl}/_matrix/client/v3/user/${encodeURIComponent(session.userId)}/openid/request_token`,
    authed(session, json({})),
  );
}

/** lk-jwt-service's legacy endpoint, as Element Call's compatibility mode asks it: {url, jwt}. */
export async function sfuToken(
  serviceUrl: string,
  roomId: string,
  openId: Record<string, unknown>,
  deviceId: string,
): Promise<{ url: string; jwt: string }> {
  const body = await okJson(
    "lk-jwt-service",
    `${serviceUrl}/sfu/get`,
    json({ room: roomId, openid_token: openId, device_id: deviceId }),
  );
  if (typeof body.url !== "string" || typeof body.jwt !== "string")
    throw new PageFailure("lk-jwt-service", `no url and jwt in ${JSON.stringify(body).slice(0, 200)}`);
  return { url: body.url, jwt: body.jwt };
}
