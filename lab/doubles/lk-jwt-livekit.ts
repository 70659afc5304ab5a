/**
 * What lk-jwt-service v0.5.0 does towards LiveKit: join tokens as `livekit/protocol` v1.46.4's `AccessToken` signs
 * them (HS256, `typ: JWT`), the LiveKit room name and identity hashes, and `CreateRoom` through `LIVEKIT_URL`'s
 * Twirp RoomService as `server-sdk-go` v2.16.4 calls it (docs/upstream/lk-jwt-service.md, "v0.5.0 request
 * handling" §3). Node's standard library only.
 */
import { createHash, createHmac } from "node:crypto";
import { Outbound, request } from "./lk-jwt-outbound";

/** The video grant of a token, in LiveKit's JSON field names (false/empty fields are omitted, as Go does). */
export interface VideoGrant {
  readonly roomCreate?: boolean;
  readonly roomAdmin?: boolean;
  readonly roomJoin?: boolean;
  readonly room?: string;
  readonly canPublish?: boolean;
  readonly canSubscribe?: boolean;
}

/** An HS256 JWT as `AccessToken.ToJWT` makes it: iss, nbf, exp, sub and identity (when set), video. */
export function signAccessToken(
  key: string,
  secret: string,
  grant: { identity?: string; video: VideoGrant; validForSeconds: number },
  nowSeconds: number,
): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  // go-jose merges the claims into a map, which Go's encoder writes with its keys sorted.
  const claims: Record<string, unknown> = {
    exp: nowSeconds + grant.validForSeconds,
    ...(grant.identity ? { identity: grant.identity } : {}),
    iss: key,
    nbf: nowSeconds,
    ...(grant.identity ? { sub: grant.identity } : {}),
    video: grant.video,
  };
  const unsigned = `${encode({ alg: "HS256", typ: "JWT" })}.${encode(claims)}`;
  return `${unsigned}.${createHmac("sha256", secret).update(unsigned).digest("base64url")}`;
}

/**
 * `unpaddedStdBase64(sha256(json.Marshal(parts)))`: the LiveKit room name of `[room_id, slot_id]` and the
 * identity of `[sub, device, member]`. Go's encoder escapes <, >, &, U+2028 and U+2029; JSON.stringify does not.
 */
export function goHash(parts: readonly string[]): string {
  const json = JSON.stringify(parts).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return createHash("sha256").update(json).digest("base64").replace(/=+$/, "");
}

/** `signalling.ToHttpURL`: the first `ws` becomes `http` when the URL starts with `ws`; else unchanged. */
export function toHttpUrl(livekitUrl: string): string {
  return livekitUrl.startsWith("ws") ? livekitUrl.replace("ws", "http") : livekitUrl;
}

/** `CreateRoom(name, empty_timeout 300, departure_timeout 20, max_participants 0)`; rejects with the reason. */
export async function createRoom(
  outbound: Outbound,
  livekitUrl: string,
  credentials: { key: string; secret: string },
  room: string,
  nowSeconds: number,
): Promise<{ sid: string; name: string; creationTime: number }> {
  // Twirp appends its path to the base URL's path, so a trailing `/` gives `…//twirp/…`, as upstream.
  const url = new URL(`${toHttpUrl(livekitUrl)}/twirp/livekit.RoomService/CreateRoom`);
  const token = signAccessToken(
    credentials.key,
    credentials.secret,
    { video: { roomCreate: true }, validForSeconds: 6 * 3600 },
    nowSeconds,
  );
  const response = await request(outbound, {
    url,
    method: "POST",
    headers: {
      "Content-Type": "application/protobuf",
      Accept: "application/protobuf",
      "Twirp-Version": "v8.1.3",
      Authorization: `Bearer ${token}`,
    },
    // CreateRoomRequest{name = 1, empty_timeout = 2, departure_timeout = 10}; max_participants 0 is the default.
    body: Buffer.concat([stringField(1, room), varintField(2, 300), varintField(10, 20)]),
  });
  if (response.status < 200 || response.status > 299)
    throw new Error(`twirp error: HTTP ${response.status}: ${response.body.toString("utf8").slice(0, 200)}`);
  // Room{sid = 1, name = 2, creation_time = 5}.
  const fields = readFields(response.body);
  return {
    sid: fields.get(1)?.toString("utf8") ?? "",
    name: fields.get(2)?.toString("utf8") ?? "",
    creationTime: Number(fields.get(5)?.readBigInt64LE(0) ?? 0n),
  };
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function varintField(field: number, value: number): Buffer {
  return Buffer.concat([varint(field << 3), varint(value)]);
}

function stringField(field: number, value: string): Buffer {
  const bytes = Buffer.from(value, "utf8");
  return Buffer.concat([varint((field << 3) | 2), varint(bytes.length), bytes]);
}

/**
 * The last value of each field of a protobuf message: length-delimited fields as their bytes, varints as an
 * 8-byte little-endian buffer. Throws on a truncated message.
 */
export function readFields(message: Buffer): Map<number, Buffer> {
  const fields = new Map<number, Buffer>();
  let at = 0;
  const readVarint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (at >= message.length) throw new Error("truncated protobuf message");
      const byte = message[at++]!;
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new Error("varint too long");
  };
  while (at < message.length) {
    const tag = readVarint();
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (wire === 0) {
      const value = Buffer.alloc(8);
      value.writeBigUInt64LE(BigInt.asUintN(64, readVarint()));
      fields.set(field, value);
    } else if (wire === 2) {
      const length = Number(readVarint());
      if (at + length > message.length) throw new Error("truncated protobuf message");
      fields.set(field, message.subarray(at, at + length));
      at += length;
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
  return fields;
}
