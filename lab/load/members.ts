/**
 * The members of a load run on a lab organisation: users registered on its Synapse (shared-secret registration,
 * as the other scenarios make theirs), each then logged in with its password through the organisation's proxy,
 * as Element logs in, once: the access token and device are the session the member keeps for every call of the
 * run. A few at a time, so Synapse's password hashing does not run into the measurement.
 */
import { createHmac, randomBytes } from "node:crypto";
import { call } from "../matrix-client";
import { Member } from "./generator";

export interface Organisation {
  /** Synapse on the Docker host, for the admin registration. */
  readonly synapseUrl: string;
  /** The client-server API as clients reach it: through the proxy. */
  readonly homeserverUrl: string;
  readonly registrationSecret: string;
}

/** Runs `work` over `items` with at most `limit` at once; results in order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function register(org: Organisation, username: string, password: string): Promise<void> {
  const { nonce } = (await call(org.synapseUrl, "GET", "/_synapse/admin/v1/register")) as { nonce: string };
  const mac = createHmac("sha1", org.registrationSecret)
    .update([nonce, username, password, "notadmin"].join("\0"))
    .digest("hex");
  await call(org.synapseUrl, "POST", "/_synapse/admin/v1/register", {
    body: { nonce, username, password, admin: false, mac },
  });
}

async function login(org: Organisation, username: string, password: string): Promise<Member> {
  const body = await call(org.homeserverUrl, "POST", "/_matrix/client/v3/login", {
    body: { type: "m.login.password", identifier: { type: "m.id.user", user: username }, password },
  });
  return {
    userId: String(body.user_id),
    accessToken: String(body.access_token),
    deviceId: String(body.device_id),
  };
}

/** `count` new members named `<prefix>-<n>`, registered and logged in. */
export async function newMembers(
  org: Organisation,
  prefix: string,
  count: number,
  from = 0,
): Promise<Member[]> {
  const password = randomBytes(12).toString("hex");
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${from + i}`);
  return mapLimit(names, 4, async (name) => {
    await register(org, name, password);
    return login(org, name, password);
  });
}

/** A public room for the call, created by `creator` through the proxy; its room ID. */
export async function callRoom(org: Organisation, creator: Member, name: string): Promise<string> {
  const body = await call(org.homeserverUrl, "POST", "/_matrix/client/v3/createRoom", {
    token: creator.accessToken,
    body: { name, preset: "public_chat", visibility: "private" },
  });
  return String(body.room_id);
}
