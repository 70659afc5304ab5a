/**
 * The restore drill's organisation data (issue #25), made and read back the way Element does it: users with
 * passwords and devices, rooms (one federated with a peer organisation), messages, uploaded images with
 * thumbnails, one-time keys. `seedOrganisation` records everything the drill compares after the restore.
 */
import { createHash, randomBytes } from "node:crypto";
import { crc32, deflateSync } from "node:zlib";
import { MatrixError, Session, call, get, login, post, registerWithSharedSecret } from "../matrix-client";
import { sleep } from "../processes";

export interface DrillUser {
  readonly name: string;
  readonly password: string;
  /** The registration's session and a second device's (a login): both tokens must survive the restore. */
  readonly sessions: readonly Session[];
}

export interface DrillMedia {
  readonly mxc: string;
  readonly sha256: string;
  readonly thumbnailSha256: string;
}

export interface DrillSeed {
  readonly users: readonly DrillUser[];
  /** The local room and the one federated with the peer. */
  readonly rooms: { readonly local: string; readonly federated: string };
  /** The event IDs of the 50 messages, by room. */
  readonly messages: Readonly<Record<string, readonly string[]>>;
  readonly media: readonly DrillMedia[];
  readonly peer: Session;
  /** `/_matrix/key/v2/server`'s verify_keys before the backup. */
  readonly verifyKeys: Readonly<Record<string, { key: string }>>;
}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

/** A PNG of noise (RGB, 8 bit), so that thumbnails are made and nothing compresses away. */
export function noisePng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.concat(
    Array.from({ length: height }, () => Buffer.concat([Buffer.from([0]), randomBytes(width * 3)])),
  );
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Media bytes through the authenticated media API (Synapse 1.157: `/_matrix/client/v1/media`). */
export async function download(session: Session, mxc: string, thumbnail = false): Promise<Buffer> {
  const [server, id] = mxc.replace("mxc://", "").split("/");
  const path = thumbnail
    ? `/_matrix/client/v1/media/thumbnail/${server}/${id}?width=96&height=96&method=crop`
    : `/_matrix/client/v1/media/download/${server}/${id}`;
  const response = await fetch(`${session.baseUrl}${path}`, {
    headers: { Authorization: `Bearer ${session.accessToken}` },
    signal: AbortSignal.timeout(20_000),
  });
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status} ${await response.text()}`);
  return Buffer.from(await response.arrayBuffer());
}

async function upload(session: Session, name: string, bytes: Buffer): Promise<string> {
  const response = await fetch(`${session.baseUrl}/_matrix/media/v3/upload?filename=${name}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${session.accessToken}`, "Content-Type": "image/png" },
    body: bytes,
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json()) as { content_uri?: string };
  if (!response.ok || body.content_uri === undefined)
    throw new Error(`upload ${name}: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body.content_uri;
}

let txn = 0;
/** Sends a message as a client does: on 429 it waits the `retry_after_ms` Synapse names (at most 20 tries). */
export async function send(session: Session, room: string, body: Record<string, unknown>): Promise<string> {
  const path = `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/send/m.room.message/drill-${Date.now()}-${++txn}`;
  for (let attempt = 1; ; attempt++) {
    try {
      const answer = await call(session.baseUrl, "PUT", path, { token: session.accessToken, body });
      return answer.event_id as string;
    } catch (error) {
      if (!(error instanceof MatrixError) || error.status !== 429 || attempt >= 20) throw error;
      await sleep(Math.min(Number(error.body.retry_after_ms ?? 1000), 5000));
    }
  }
}

/** The event IDs of the room's m.room.message events, as `session` sees them (up to 500, newest first). */
export async function messageIds(session: Session, room: string): Promise<string[]> {
  const page = (await get(
    session,
    `/_matrix/client/v3/rooms/${encodeURIComponent(room)}/messages?dir=b&limit=500`,
  )) as { chunk: Array<{ type: string; event_id: string }> };
  return page.chunk.filter((e) => e.type === "m.room.message").map((e) => e.event_id);
}

/** Waits (bounded) until `session` sees event `id` in `room`: federation delivered it. */
export async function seesEvent(
  session: Session,
  room: string,
  id: string,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await messageIds(session, room).catch((): string[] => [])).includes(id)) return true;
    await sleep(1000);
  }
  return false;
}

/** The seed: 3 users with 2 devices each, 2 rooms, 50 messages, 5 images, one-time keys on one device. */
export async function seedOrganisation(target: {
  baseUrl: string;
  direct: string;
  secret: string;
  peer: Session;
  peerServer: string;
}): Promise<DrillSeed> {
  const users: DrillUser[] = [];
  for (const name of ["drill-anna", "drill-ben", "drill-cleo"]) {
    const password = randomBytes(12).toString("hex");
    const registered = await registerWithSharedSecret(target.direct, target.secret, name, password, false);
    const second = await login(target.baseUrl, name, password);
    users.push({ name, password, sessions: [{ ...registered, baseUrl: target.baseUrl }, second] });
  }
  const [anna, ben, cleo] = users.map((u) => u.sessions[1]!);
  const local = (await post(anna!, "/_matrix/client/v3/createRoom", {
    name: "drill local",
    preset: "private_chat",
    invite: [ben!.userId, cleo!.userId],
  })) as { room_id: string };
  const federated = (await post(anna!, "/_matrix/client/v3/createRoom", {
    name: "drill federated",
    preset: "private_chat",
    invite: [ben!.userId, target.peer.userId],
  })) as { room_id: string };
  for (const [who, room] of [
    [ben!, local.room_id],
    [cleo!, local.room_id],
    [ben!, federated.room_id],
  ] as const)
    await post(who, `/_matrix/client/v3/join/${encodeURIComponent(room)}`);
  const host = anna!.userId.split(":")[1]!;
  await post(
    target.peer,
    `/_matrix/client/v3/join/${encodeURIComponent(federated.room_id)}?server_name=${host}`,
  );
  const messages: Record<string, string[]> = { [local.room_id]: [], [federated.room_id]: [] };
  const senders = [anna!, ben!, cleo!];
  for (let i = 0; i < 50; i++) {
    const room = i % 2 === 0 ? local.room_id : federated.room_id;
    const sender = room === federated.room_id ? senders[i % 2]! : senders[i % 3]!;
    messages[room]!.push(await send(sender, room, { msgtype: "m.text", body: `drill message ${i + 1}` }));
  }
  await send(target.peer, federated.room_id, { msgtype: "m.text", body: "hello from the peer" });
  const media: DrillMedia[] = [];
  for (let i = 0; i < 5; i++) {
    // Photo-sized (about 1.5 MB each), so the organisation's data outweighs what every snapshot adds anyway
    // (pg_dump's table of contents, the manifest, restic's trees: some 400 KB).
    const png = noisePng(800 + 16 * i, 600);
    const mxc = await upload(senders[i % 3]!, `drill-${i + 1}.png`, png);
    await send(senders[i % 3]!, local.room_id, { msgtype: "m.image", body: `drill-${i + 1}.png`, url: mxc });
    const stored = await download(anna!, mxc);
    if (sha256(stored) !== sha256(png)) throw new Error(`${mxc} does not come back as uploaded`);
    media.push({ mxc, sha256: sha256(png), thumbnailSha256: sha256(await download(anna!, mxc, true)) });
  }
  // One-time keys on anna's device: a restore must not hand them out again (they are left out of every dump).
  const keys = Object.fromEntries(
    [1, 2, 3].map((n) => [`curve25519:AAAAA${n}`, randomBytes(32).toString("base64").replace(/=+$/, "")]),
  );
  await post(anna!, "/_matrix/client/v3/keys/upload", { one_time_keys: keys });
  const server = (await call(target.baseUrl, "GET", "/_matrix/key/v2/server")) as {
    verify_keys: Record<string, { key: string }>;
  };
  return {
    users,
    rooms: { local: local.room_id, federated: federated.room_id },
    messages,
    media,
    peer: target.peer,
    verifyKeys: server.verify_keys,
  };
}

/** The number of one-time keys Synapse holds for a device (what `/keys/upload` answers with). */
export async function oneTimeKeyCount(session: Session): Promise<number> {
  const counts = (await post(session, "/_matrix/client/v3/keys/upload", {})) as {
    one_time_key_counts: Record<string, number>;
  };
  return Object.values(counts.one_time_key_counts).reduce((a, b) => a + b, 0);
}

export { sha256 };
