/**
 * A fake homeserver for unit tests, over HTTPS on loopback: the server name's `/.well-known/matrix/server` and the
 * federation API's `/_matrix/federation/v1/openid/userinfo`, answered by the `Host` a request names, as a proxy in
 * front of Synapse would. It records every request with the TLS server name it came with.
 */
import * as https from "node:https";
import { AddressInfo } from "node:net";
import { TLSSocket } from "node:tls";
import { TestPki } from "./test-pki";

export interface FakeHomeserver {
  readonly port: number;
  /** OpenID access token → Matrix user ID. */
  readonly tokens: Map<string, string>;
  /** `/.well-known/matrix/server` bodies by host (without port). */
  readonly wellKnown: Map<string, unknown>;
  readonly requests: Array<{ host: string; path: string; servername: string }>;
  close(): Promise<void>;
}

export async function startFakeHomeserver(pki: TestPki): Promise<FakeHomeserver> {
  const tokens = new Map<string, string>();
  const wellKnown = new Map<string, unknown>();
  const requests: FakeHomeserver["requests"] = [];
  const server = https.createServer({ cert: pki.cert, key: pki.key }, (req, res) => {
    const url = new URL(req.url ?? "/", "https://fake");
    const host = req.headers.host ?? "";
    const servername = (req.socket as TLSSocket).servername || "";
    requests.push({ host, path: url.pathname, servername });
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
    if (url.pathname === "/.well-known/matrix/server") {
      const body = wellKnown.get(host.replace(/:443$/, ""));
      json(body === undefined ? 404 : 200, body ?? { errcode: "M_NOT_FOUND" });
      return;
    }
    if (url.pathname === "/_matrix/federation/v1/openid/userinfo") {
      const sub = tokens.get(url.searchParams.get("access_token") ?? "");
      json(
        sub === undefined ? 401 : 200,
        sub !== undefined
          ? { sub }
          : { errcode: "M_UNKNOWN_TOKEN", error: "Access Token unknown or expired" },
      );
      return;
    }
    json(404, { errcode: "M_UNRECOGNIZED" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    tokens,
    wellKnown,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
