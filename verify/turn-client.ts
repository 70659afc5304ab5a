/**
 * A small, bounded TURN client (RFC 8489 STUN + RFC 8656 TURN): Allocate with long-term credentials and
 * CreatePermission, over UDP, TCP or TLS. Enough to prove that a credential Synapse hands out allocates a relay
 * on coturn, that a wrong secret gets 401 and that a denied peer gets 403. Every request has a timeout.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import * as dgram from "node:dgram";
import * as net from "node:net";
import * as tls from "node:tls";
import {
  ATTR,
  INDICATION,
  MAGIC_COOKIE,
  METHOD,
  StunResponse,
  decode,
  encode,
  encodeXorAddress,
  methodAndClass,
  xorAddress,
} from "./stun-message";

export { ATTR as STUN_ATTRIBUTES };

export type TurnTransport = "udp" | "tcp" | "tls";

export interface TurnServer {
  readonly host: string;
  readonly port: number;
  readonly transport: TurnTransport;
  /** For TLS: the name to verify the certificate against, and extra CAs. */
  readonly servername?: string;
  readonly ca?: string;
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

  /** Data a peer sent to our relay (Data indications, RFC 8656 §11.4), with the peer's address as coturn gives it. */
  onData: ((peer: { address: string; port: number }, data: Buffer) => void) | undefined;

  private dispatch(message: Buffer): void {
    if (message.length < 20 || message.readUInt32BE(4) !== MAGIC_COOKIE) return;
    const { method, klass } = methodAndClass(message);
    if (method === METHOD.data && klass === INDICATION) {
      const { attributes } = decode(message);
      const peer = attributes.get(ATTR.xorPeerAddress);
      const data = attributes.get(ATTR.data);
      if (peer !== undefined && data !== undefined) this.onData?.(xorAddress(peer), data);
      return;
    }
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

  /** Sends `data` through the relay to `peer` (a Send indication, RFC 8656 §11.3): it needs a permission first. */
  sendTo(peer: { address: string; port: number }, data: Buffer): void {
    if (this.credentials === undefined) throw new Error("allocate first");
    this.send(
      encode(METHOD.send, INDICATION, randomBytes(12), [
        [ATTR.xorPeerAddress, encodeXorAddress(peer.address, peer.port)],
        [ATTR.data, data],
      ]),
    );
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
