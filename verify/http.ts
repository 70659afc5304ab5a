import { randomBytes } from "node:crypto";
import * as https from "node:https";
import * as net from "node:net";

/** Bounded network primitives for the checks: every request and connection gives up after `timeoutMs`. */

/** fetch with a timeout, whose network errors say what failed (fetch itself only says "fetch failed"). */
export async function fetchBounded(
  url: string,
  timeoutMs: number,
  init: RequestInit = {},
): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why =
      (error as Error).name === "TimeoutError"
        ? `no answer within ${timeoutMs} ms`
        : (cause?.code ?? cause?.message ?? (error as Error).message);
    throw new Error(`${url}: ${why}`, { cause: error });
  }
}

export async function getJson(
  url: string,
  timeoutMs: number,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetchBounded(url, timeoutMs, init);
  const text = await response.text();
  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, headers: response.headers, body };
}

export function tcpConnects(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TCP connection to ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** What a server answered a WebSocket upgrade request: its status (101 when it switched) and the start of its body. */
export interface UpgradeAnswer {
  readonly status: number;
  readonly body: string;
  /** The `Server` header, when there is one (nginx names itself on its own error pages). */
  readonly server?: string;
}

/**
 * A WebSocket upgrade request (RFC 6455 §4.1) to an https:// URL, without a token: the status and up to 2 KB of the
 * body that came back, or the 101. Bounded by `timeoutMs`; the socket is closed either way.
 */
export function webSocketUpgrade(url: string, timeoutMs: number): Promise<UpgradeAnswer> {
  return new Promise((resolve, reject) => {
    const request = https.request(url, {
      headers: {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": randomBytes(16).toString("base64"),
      },
      timeout: timeoutMs,
    });
    request.on("upgrade", (response, socket) => {
      socket.destroy();
      resolve({ status: response.statusCode ?? 101, body: "" });
    });
    request.on("response", (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        if (body.length < 2048) body += chunk;
      });
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          body: body.slice(0, 2048),
          server: response.headers.server === undefined ? undefined : String(response.headers.server),
        }),
      );
      response.on("error", reject);
    });
    request.on("timeout", () => request.destroy(new Error(`${url}: no answer within ${timeoutMs} ms`)));
    request.on("error", (error: NodeJS.ErrnoException) =>
      reject(new Error(`${url}: ${error.code ?? error.message}`, { cause: error })),
    );
    request.end();
  });
}
