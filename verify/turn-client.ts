/**
 * A small, bounded TURN client (RFC 8489 STUN + RFC 8656 TURN): Allocate with long-term credentials and
 * CreatePermission, over UDP, TCP or TLS. Enough to prove that a credential Synapse hands out allocates a relay
 * on coturn, that a wrong secret gets 401 and that a denied peer gets 403. Every request has a timeout.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import * as dgram from "node:dgram";
import * as net from "node:net";
import * as tls from "node:tls";

const MAGIC_COOKIE = 0x2112a442;
const METHOD = { binding: 0x001, allocate: 0x003, refresh: 0x004, createPermission: 0x008 } as const;
const ATTR = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  lifetime: 0x000d,
  xorPeerAddress: 0x0012,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
  xorMappedAddress: 0x0020,
} as const;

export type TurnTransport = "udp" | "tcp" | "tls";

export interface TurnServer {
  readonly host: string;
  readonly port: number;
  readonly transport: TurnTransport;
  /** For TLS: the name to verify the certificate against, and extra CAs. */
  readonly servername?: string;
  readonly ca?: string;
}

export interface StunResponse {
  readonly klass: "success" | "error";
  readonly errorCode: number | undefined;
  readonly errorReason: string | undefined;
  readonly attributes: Map<number, Buffer>;
}

/** TURN REST API credentials as Synapse issues them (synapse/rest/client/voip.py). */
export function turnRestCredentials(
  sharedSecret: string,
  userId: string,
  ttlSeconds: number,
  now = Date.now(),
) {
  const username = `${Math.floor(now / 1000) + ttlSeconds}:${userId}`;
  const password = createHmac("sha1", sharedSecret).update(username).digest("base64");
  return { username, password };
}

function encode(
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

function decode(message: Buffer): StunResponse {
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

function xorAddress(value: Buffer): { address: string; port: number } {
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  const raw = value.readUInt32BE(4) ^ MAGIC_COOKIE;
  return { address: [raw >>> 24, (raw >>> 16) & 255, (raw >>> 8) & 255, raw & 255].join("."), port };
}

function encodeXorAddress(address: string, port: number): Buffer {
  const value = Buffer.alloc(8);
  value.writeUInt8(0x01, 1);
  value.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  const raw = address.split(".").reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
  value.writeUInt32BE((raw ^ MAGIC_COOKIE) >>> 0, 4);
  return value;
}

/** One TURN session: a 5-tuple to the server (an allocation lives on it). Close it to release the allocation. */
export class TurnSession {
  private readonly pending = new Map<string, (response: StunResponse) => void>();
  private streamBuffer = Buffer.alloc(0);
  private send: (message: Buffer) => void = () => undefined;
  private closeTransport: () => void = () => undefined;

  private constructor(
    private readonly server: TurnServer,
    private readonly timeoutMs: number,
  ) {}

  static async open(server: TurnServer, timeoutMs = 3000): Promise<TurnSession> {
    const session = new TurnSession(server, timeoutMs);
    await session.connect();
    return session;
  }

  private connect(): Promise<void> {
    const { host, port, transport } = this.server;
    if (transport === "udp") {
      const socket = dgram.createSocket("udp4");
      socket.on("message", (message) => this.dispatch(message));
      this.send = (message) => socket.send(message, port, host);
      this.closeTransport = () => socket.close();
      return new Promise((resolve) => socket.bind(0, () => resolve()));
    }
    return new Promise((resolve, reject) => {
      const socket =
        transport === "tls"
          ? tls.connect({ host, port, servername: this.server.servername ?? host, ca: this.server.ca })
          : net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`TURN ${transport} connect to ${host}:${port} timed out`));
      }, this.timeoutMs);
      socket.once(transport === "tls" ? "secureConnect" : "connect", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.on("data", (chunk: Buffer) => {
        // STUN over a stream: messages back to back, each 20 bytes of header plus its length.
        this.streamBuffer = Buffer.concat([this.streamBuffer, chunk]);
        while (this.streamBuffer.length >= 20) {
          const length = 20 + this.streamBuffer.readUInt16BE(2);
          if (this.streamBuffer.length < length) break;
          this.dispatch(this.streamBuffer.subarray(0, length));
          this.streamBuffer = this.streamBuffer.subarray(length);
        }
      });
      this.send = (message) => socket.write(message);
      this.closeTransport = () => socket.destroy();
    });
  }

  private dispatch(message: Buffer): void {
    if (message.length < 20 || message.readUInt32BE(4) !== MAGIC_COOKIE) return;
    const id = message.subarray(8, 20).toString("hex");
    this.pending.get(id)?.(decode(message));
  }

  private request(method: number, attributes: Array<[number, Buffer]>, key?: Buffer): Promise<StunResponse> {
    const transactionId = randomBytes(12);
    const id = transactionId.toString("hex");
    const message = encode(method, 0, transactionId, attributes, key);
    return new Promise((resolve, reject) => {
      // UDP may lose a datagram: retransmit within the overall timeout, bounded.
      const retransmit =
        this.server.transport === "udp" ? setInterval(() => this.send(message), 500) : undefined;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        clearInterval(retransmit);
        reject(
          new Error(
            `no TURN answer from ${this.server.host}:${this.server.port}/${this.server.transport} in ${this.timeoutMs} ms`,
          ),
        );
      }, this.timeoutMs);
      this.pending.set(id, (response) => {
        this.pending.delete(id);
        clearTimeout(timer);
        clearInterval(retransmit);
        resolve(response);
      });
      this.send(message);
    });
  }

  private credentials: { attributes: Array<[number, Buffer]>; key: Buffer } | undefined;

  /** STUN binding: the server's view of our address. */
  async binding(): Promise<{ address: string; port: number }> {
    const response = await this.request(METHOD.binding, []);
    const mapped = response.attributes.get(ATTR.xorMappedAddress);
    if (response.klass !== "success" || mapped === undefined)
      throw new Error(`binding failed: ${response.errorCode}`);
    return xorAddress(mapped);
  }

  /**
   * Allocate a UDP relay with long-term credentials: the first request is answered 401 with realm and nonce,
   * the second carries MESSAGE-INTEGRITY. Returns the relayed address or the server's error.
   */
  async allocate(
    username: string,
    password: string,
  ): Promise<{ relay?: { address: string; port: number }; errorCode?: number; errorReason?: string }> {
    const transport = Buffer.from([17, 0, 0, 0]); // UDP
    const challenge = await this.request(METHOD.allocate, [[ATTR.requestedTransport, transport]]);
    if (challenge.klass === "success") throw new Error("server allocated without authentication");
    const realm = challenge.attributes.get(ATTR.realm);
    const nonce = challenge.attributes.get(ATTR.nonce);
    if (challenge.errorCode !== 401 || realm === undefined || nonce === undefined) {
      return { errorCode: challenge.errorCode, errorReason: challenge.errorReason };
    }
    const key = createHash("md5")
      .update(`${username}:${realm.toString("utf8")}:${password}`)
      .digest();
    const attributes: Array<[number, Buffer]> = [
      [ATTR.requestedTransport, transport],
      [ATTR.username, Buffer.from(username, "utf8")],
      [ATTR.realm, realm],
      [ATTR.nonce, nonce],
    ];
    const response = await this.request(METHOD.allocate, attributes, key);
    if (response.klass !== "success")
      return { errorCode: response.errorCode, errorReason: response.errorReason };
    this.credentials = { attributes: attributes.slice(1), key };
    const relayed = response.attributes.get(ATTR.xorRelayedAddress);
    return relayed === undefined
      ? { errorCode: 0, errorReason: "no relayed address" }
      : { relay: xorAddress(relayed) };
  }

  /** Asks the allocation for permission to talk to `peer`; coturn's denied-peer-ip answers 403. */
  async createPermission(peer: string): Promise<{ ok: boolean; errorCode?: number; errorReason?: string }> {
    if (this.credentials === undefined) throw new Error("allocate first");
    const response = await this.request(
      METHOD.createPermission,
      [[ATTR.xorPeerAddress, encodeXorAddress(peer, 0)], ...this.credentials.attributes],
      this.credentials.key,
    );
    return response.klass === "success"
      ? { ok: true }
      : { ok: false, errorCode: response.errorCode, errorReason: response.errorReason };
  }

  /**
   * Releases the allocation (Refresh with LIFETIME 0) and closes the transport. Without the Refresh a UDP
   * allocation would hold its relay port on the server until it times out.
   */
  async close(): Promise<void> {
    try {
      if (this.credentials !== undefined) {
        await this.request(
          METHOD.refresh,
          [[ATTR.lifetime, Buffer.alloc(4)], ...this.credentials.attributes],
          this.credentials.key,
        );
        this.credentials = undefined;
      }
    } catch {
      // The server may already be gone; closing the transport is all that is left to do.
    } finally {
      this.closeTransport();
    }
  }
}

export { ATTR as STUN_ATTRIBUTES };
