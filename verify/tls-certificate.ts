import * as tls from "node:tls";

/** The certificate a TLS server presents: its validity and the DNS names it is for. */
export interface ServedCertificate {
  readonly validFrom: Date;
  readonly validTo: Date;
  readonly dnsNames: readonly string[];
}

/**
 * Reads the certificate `host:port` presents for `servername`, without judging it (the TURN allocation over TLS does
 * that): what matters here is which certificate the server holds, expired or not.
 */
export function servedCertificate(
  host: string,
  port: number,
  servername: string,
  timeoutMs: number,
): Promise<ServedCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, servername, rejectUnauthorized: false });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`TLS handshake with ${host}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate();
      socket.end();
      if (cert === null || cert.valid_to === undefined) {
        reject(new Error(`${host}:${port} presented no certificate`));
        return;
      }
      const dnsNames = (cert.subjectaltname ?? "")
        .split(",")
        .map((name) => name.trim())
        .filter((name) => name.startsWith("DNS:"))
        .map((name) => name.slice(4).toLowerCase());
      resolve({ validFrom: new Date(cert.valid_from), validTo: new Date(cert.valid_to), dnsNames });
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
