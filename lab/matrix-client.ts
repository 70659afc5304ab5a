/**
 * The few Matrix client-server calls the lab makes, with plain fetch and a timeout on each: what Element does
 * for login, TURN credentials, MatrixRTC discovery, OpenID and joining rooms.
 */
import { createHmac } from "node:crypto";

export interface Session {
  readonly baseUrl: string;
  readonly userId: string;
  readonly accessToken: string;
}

export class MatrixError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${JSON.stringify(body)}`);
  }
}

export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<Record<string, unknown>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      ...(options.body !== undefined ? { "Content-Type": "application/json" } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  const body = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
  if (!response.ok) throw new MatrixError(response.status, body, `${method} ${path}`);
  return body;
}

/**
 * Synapse's shared-secret registration (`/_synapse/admin/v1/register`): a nonce, then an HMAC-SHA1 over
 * nonce, user, password and admin flag keyed with `registration_shared_secret`.
 */
export async function registerWithSharedSecret(
  baseUrl: string,
  sharedSecret: string,
  username: string,
  password: string,
  admin: boolean,
): Promise<Session> {
  const { nonce } = (await call(baseUrl, "GET", "/_synapse/admin/v1/register")) as { nonce: string };
  const mac = createHmac("sha1", sharedSecret)
    .update([nonce, username, password, admin ? "admin" : "notadmin"].join("\0"))
    .digest("hex");
  const body = await call(baseUrl, "POST", "/_synapse/admin/v1/register", {
    body: { nonce, username, password, admin, mac },
  });
  return { baseUrl, userId: body.user_id as string, accessToken: body.access_token as string };
}

export async function login(baseUrl: string, username: string, password: string): Promise<Session> {
  const body = await call(baseUrl, "POST", "/_matrix/client/v3/login", {
    body: { type: "m.login.password", identifier: { type: "m.id.user", user: username }, password },
  });
  return { baseUrl, userId: body.user_id as string, accessToken: body.access_token as string };
}

export function get(session: Session, path: string): Promise<Record<string, unknown>> {
  return call(session.baseUrl, "GET", path, { token: session.accessToken });
}

export function post(session: Session, path: string, body: unknown = {}): Promise<Record<string, unknown>> {
  return call(session.baseUrl, "POST", path, { token: session.accessToken, body });
}
