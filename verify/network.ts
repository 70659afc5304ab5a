import { lookup } from "node:dns/promises";
import { UpgradeAnswer, fetchBounded, getJson, tcpConnects, webSocketUpgrade } from "./http";
import { Guest, JoinTarget, TokenEndpoint, guestTokenAndJoin, tokenAndJoin } from "./matrix-rtc-join";
import { ServedCertificate, servedCertificate } from "./tls-certificate";
import { TurnServer, TurnSession } from "./turn-client";

/** What a TURN Allocate came back with: the relayed address, or the server's error. */
export interface AllocationResult {
  readonly relay?: { readonly address: string; readonly port: number };
  readonly errorCode?: number;
  readonly errorReason?: string;
}

export interface JsonAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
}

/**
 * Everything the checks do on the network, in one place: the real implementation below, or a fake in the unit
 * tests (test/verify.test.ts), so that what each check concludes from an answer is tested without a server.
 * Every operation is bounded by `timeoutMs` and throws an Error saying what failed.
 */
export interface VerifyNetwork {
  getJson(url: string, timeoutMs: number, init?: RequestInit): Promise<JsonAnswer>;
  status(url: string, timeoutMs: number): Promise<number>;
  resolve4(host: string): Promise<string>;
  tcpConnects(host: string, port: number, timeoutMs: number): Promise<void>;
  /** A token-less WebSocket upgrade request to an https:// URL (http.ts). */
  webSocketUpgrade(url: string, timeoutMs: number): Promise<UpgradeAnswer>;
  /** Opens a TURN session to `server`, allocates a UDP relay with the credentials and releases it again. */
  allocate(
    server: TurnServer,
    username: string,
    password: string,
    timeoutMs: number,
  ): Promise<AllocationResult>;
  /** The certificate a TLS listener presents (coturn's TLS port), read without judging it. */
  servedCertificate(
    host: string,
    port: number,
    servername: string,
    timeoutMs: number,
  ): Promise<ServedCertificate>;
  /** A MatrixRTC client's token request and LiveKit join (matrix-rtc-join.ts, tested on its own). */
  tokenAndJoin(endpoint: TokenEndpoint, target: JoinTarget): Promise<string>;
  /** A peer's user asking our lk-jwt-service for a token in our user's call, and joining with it. */
  guestTokenAndJoin(target: JoinTarget, guest: Guest): Promise<string>;
}

export const REAL_NETWORK: VerifyNetwork = {
  getJson,
  status: async (url, timeoutMs) => (await fetchBounded(url, timeoutMs)).status,
  resolve4: async (host) => (await lookup(host, { family: 4 })).address,
  tcpConnects,
  webSocketUpgrade,
  servedCertificate,
  tokenAndJoin,
  guestTokenAndJoin,
  allocate: async (server, username, password, timeoutMs) => {
    const session = await TurnSession.open(server, timeoutMs);
    try {
      return await session.allocate(username, password);
    } finally {
      await session.close();
    }
  },
};
