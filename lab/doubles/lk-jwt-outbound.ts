/**
 * lk-jwt-service's outbound HTTPS/HTTP requests: one bounded request through Node's standard library, with the
 * address mapping and trust a test gives (a production run uses the system resolver, so /etc/hosts, and the
 * system's CA store).
 */
import * as http from "node:http";
import * as https from "node:https";
import { isIP } from "node:net";
import * as tls from "node:tls";

/**
 * Where a connection to `host:port` really goes; undefined means the name does not resolve. Production: the name
 * itself (the system resolver, /etc/hosts first). Tests map names to loopback ports and use no DNS at all.
 */
export type ConnectTo = (host: string, port: number) => { host: string; port: number } | undefined;

export interface Outbound {
  readonly connectTo: ConnectTo;
  /** Extra trusted CA certificates (PEM), e.g. a test CA. */
  readonly ca?: string;
  /** `LIVEKIT_INSECURE_SKIP_VERIFY_TLS=YES_I_KNOW_WHAT_I_AM_DOING`. */
  readonly skipVerifyTls: boolean;
  /** Upper bound of one request. */
  readonly timeoutMs: number;
}

export interface OutboundRequest {
  readonly url: URL;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** TLS server name and certificate name, when it differs from the URL's host (a delegated server name). */
  readonly servername?: string;
  /** At most this many bytes of the body are kept. */
  readonly maxBytes?: number;
}

export interface OutboundResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = { "http:": 80, "https:": 443 };

/** One request; rejects with a message naming the URL on DNS, connection, TLS and timeout failures. */
export function request(outbound: Outbound, req: OutboundRequest): Promise<OutboundResponse> {
  const { url } = req;
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = url.port === "" ? (DEFAULT_PORTS[url.protocol] ?? 443) : Number(url.port);
  const target = outbound.connectTo(hostname, port);
  if (target === undefined) return Promise.reject(new Error(`${url.href}: lookup ${hostname}: no such host`));
  const servername = req.servername ?? hostname;
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = client.request(
      {
        host: target.host,
        port: target.port,
        method: req.method ?? "GET",
        path: `${url.pathname}${url.search}`,
        headers: { Host: url.host, ...req.headers },
        ...(url.protocol === "https:"
          ? {
              servername: isIP(servername) ? undefined : servername,
              // Node's `ca` replaces the built-in roots: keep them beside the extra one.
              ca: outbound.ca === undefined ? undefined : [...tls.rootCertificates, outbound.ca],
              rejectUnauthorized: !outbound.skipVerifyTls,
            }
          : {}),
        agent: false,
        timeout: outbound.timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size <= (req.maxBytes ?? 1 << 20)) chunks.push(chunk);
        });
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
        response.on("error", reject);
      },
    );
    outgoing.on("timeout", () => outgoing.destroy(new Error(`no answer within ${outbound.timeoutMs} ms`)));
    outgoing.on("error", (error: NodeJS.ErrnoException) =>
      reject(new Error(`${url.href}: ${error.code ?? error.message}`, { cause: error })),
    );
    outgoing.end(req.body);
  });
}
