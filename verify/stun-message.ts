import { createHmac } from "node:crypto";

/** STUN messages (RFC 8489) with the TURN attributes (RFC 8656) the TURN client uses: encoding and decoding. */

export const MAGIC_COOKIE = 0x2112a442;
export const METHOD = {
  binding: 0x001,
  allocate: 0x003,
  refresh: 0x004,
  send: 0x006,
  data: 0x007,
  createPermission: 0x008,
} as const;
/** The indication class (RFC 8489 §5): Send and Data indications carry relayed data. */
export const INDICATION = 1;
export const ATTR = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  lifetime: 0x000d,
  xorPeerAddress: 0x0012,
  data: 0x0013,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
  xorMappedAddress: 0x0020,
} as const;

export interface StunResponse {
  readonly klass: "success" | "error";
  readonly errorCode: number | undefined;
  readonly errorReason: string | undefined;
  readonly attributes: Map<number, Buffer>;
}

export function encode(
  method: number,
  klass: number,
  transactionId: Buffer,
  attributes: Array<[number, Buffer]>,
  key?: Buffer,
): Buffer {
  const type =
    (method & 0x000f) |
    ((method & 0x0070) << 1) |
    ((method & 0x0f80) << 2) |
    ((klass & 1) << 4) |
    ((klass & 2) << 7);
  const body = attributes.map(([attrType, value]) => {
    const header = Buffer.alloc(4);
    header.writeUInt16BE(attrType, 0);
    header.writeUInt16BE(value.length, 2);
    const padding = Buffer.alloc((4 - (value.length % 4)) % 4);
    return Buffer.concat([header, value, padding]);
  });
  let payload = Buffer.concat(body);
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(header, 8);
  if (key !== undefined) {
    // MESSAGE-INTEGRITY covers the message with its length already counting the integrity attribute.
    header.writeUInt16BE(payload.length + 24, 2);
    const hmac = createHmac("sha1", key)
      .update(Buffer.concat([header, payload]))
      .digest();
    const integrity = Buffer.alloc(4);
    integrity.writeUInt16BE(ATTR.messageIntegrity, 0);
    integrity.writeUInt16BE(20, 2);
    payload = Buffer.concat([payload, integrity, hmac]);
  }
  header.writeUInt16BE(payload.length, 2);
  return Buffer.concat([header, payload]);
}

export function decode(message: Buffer): StunResponse {
  const type = message.readUInt16BE(0);
  const klass = ((type >> 4) & 1) | ((type >> 7) & 2);
  const attributes = new Map<number, Buffer>();
  let offset = 20;
  const end = 20 + message.readUInt16BE(2);
  while (offset + 4 <= end) {
    const attrType = message.readUInt16BE(offset);
    const length = message.readUInt16BE(offset + 2);
    attributes.set(attrType, message.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length + ((4 - (length % 4)) % 4);
  }
  const error = attributes.get(ATTR.errorCode);
  return {
    klass: klass === 2 ? "success" : "error",
    errorCode: error === undefined ? undefined : (error[2]! & 0x7) * 100 + error[3]!,
    errorReason: error === undefined ? undefined : error.subarray(4).toString("utf8"),
    attributes,
  };
}

export function xorAddress(value: Buffer): { address: string; port: number } {
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  const raw = value.readUInt32BE(4) ^ MAGIC_COOKIE;
  return { address: [raw >>> 24, (raw >>> 16) & 255, (raw >>> 8) & 255, raw & 255].join("."), port };
}

export function encodeXorAddress(address: string, port: number): Buffer {
  const value = Buffer.alloc(8);
  value.writeUInt8(0x01, 1);
  value.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  const raw = address.split(".").reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
  value.writeUInt32BE((raw ^ MAGIC_COOKIE) >>> 0, 4);
  return value;
}

/** A message's method and class bits, undone from its type field (RFC 8489 §5). */
export function methodAndClass(message: Buffer): { method: number; klass: number } {
  const type = message.readUInt16BE(0);
  return {
    method: (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2),
    klass: ((type >> 4) & 1) | ((type >> 7) & 2),
  };
}
