/**
 * lab/doubles/: contract doubles of services that cannot be built or run here, written from their documented
 * behaviour (docs/upstream/) with Node's standard library only, so that the Docker lab can bundle one into a single
 * JavaScript file and run it with Debian's Node 18 inside the service's lab image. This folder imports nothing of
 * the project; the unit suite (test/) and the lab import it.
 *
 * This file: lk-jwt-service v0.5.0 (element-hq/lk-jwt-service, tag v0.5.0, `main.go`) and, by default, 0.6.0 (the
 * default branch at a375b13, no tag readable: delegated leave events in lk-jwt-delegation.ts, a 401 instead of a 500
 * on /sfu/get when the OpenID lookup fails; `config.version` picks), configured by the same
 * environment variables, with the same endpoints, status codes and error bodies, OpenID validation against the
 * homeserver's federation userinfo endpoint (lk-jwt-openid.ts), room creation through `LIVEKIT_URL`'s Twirp
 * RoomService and its tokens (lk-jwt-livekit.ts), and the same `LIVEKIT_FULL_ACCESS_HOMESERVERS` semantics.
 * docs/upstream/lk-jwt-service.md ("v0.5.0 request handling") holds each fact and says what is not modelled.
 * `startLkJwtDouble` runs it in-process; lk-jwt-service-main.ts is the standalone entry.
 */
import { Resolver } from "node:dns/promises";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { LkJwtConfig } from "./lk-jwt-config";
import { Delegations, parseCsApiOverrides } from "./lk-jwt-delegation";
import {
  Service,
  UNAUTHORIZED,
  badRequest,
  corsJson,
  delegate,
  delegateEndpoint,
  goJson,
  isFullAccess,
  readBody,
  webhookEndpoint,
} from "./lk-jwt-http";
import { createRoom, goHash, signAccessToken } from "./lk-jwt-livekit";
import { ConnectTo } from "./lk-jwt-outbound";
import { SrvLookup, SrvRecord, lookupUserInfo } from "./lk-jwt-openid";
export type { LkJwtConfig } from "./lk-jwt-config";
export { LkJwtStartupError, configFromEnv } from "./lk-jwt-config";
import {
  LegacySfuRequest,
  MatrixError,
  NOT_JSON,
  SfuRequest,
  decodeCurrentRequest,
  decodeEitherRequest,
} from "./lk-jwt-requests";

/** What a test (never the lab) changes: where names lead, which CA to trust, the clock, the log. */
export interface DoubleOptions {
  readonly connectTo?: ConnectTo;
  readonly srv?: SrvLookup;
  readonly ca?: string;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
  /** Upper bound of each outbound request (upstream: 30 s for OpenID, none for room creation). */
  readonly timeoutMs?: number;
}

export interface RunningDouble {
  /** `http://<address>:<port>`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const LOOKUP_FAILED: MatrixError = {
  status: 500,
  errcode: "M_LOOKUP_FAILED",
  error: "Failed to look up user info from homeserver",
};
const NO_ROOM: MatrixError = { status: 500, errcode: "M_UNKNOWN", error: "Unable to create room on SFU" };

/** `processSFURequest` / `processLegacySFURequest`: validate the user, mint the token, create the room. */
async function tokenFor(
  service: Service,
  request: SfuRequest | LegacySfuRequest,
): Promise<{ url: string; jwt: string } | MatrixError> {
  const { config, log } = service;
  const legacy = request.kind === "legacy";
  const token = request.openid_token;
  let sub: string;
  try {
    sub = await lookupUserInfo(service.outbound, service.srv, token.matrix_server_name, token.access_token);
  } catch (error) {
    log(`Failed to look up user info: ${(error as Error).message}`);
    return legacy && service.delegations === undefined ? LOOKUP_FAILED : UNAUTHORIZED;
  }
  if (!legacy && request.member.claimed_user_id !== sub) {
    log(`Claimed user ID ${request.member.claimed_user_id} does not match token subject ${sub}`);
    return UNAUTHORIZED;
  }
  const full = isFullAccess(config.fullAccessHomeservers, token.matrix_server_name);
  log(`Got Matrix user info for ${sub} (${full ? "full access" : "restricted access"})`);
  const identity = legacy
    ? `${sub}:${request.device_id}`
    : goHash([sub, request.member.claimed_device_id, request.member.id]);
  const room = legacy ? goHash([request.room, "m.call#ROOM"]) : goHash([request.room_id, request.slot_id]);
  const now = Math.floor(service.now() / 1000);
  const video = { roomJoin: true, room, canPublish: true, canSubscribe: true };
  const jwt = signAccessToken(config.key, config.secret, { identity, video, validForSeconds: 3600 }, now);
  const delegation = request.delay_id !== "" && service.delegations !== undefined;
  if (delegation && !full)
    return badRequest("Delegation of delayed events is only supported for full access users");
  if (delegation && (await service.delegations!.resolveCsApi(token.matrix_server_name)) === undefined)
    return badRequest("Unable to resolve client-server API");
  if (full) {
    try {
      const created = await createRoom(service.outbound, config.livekitUrl, config, room, now);
      log(
        `${created.creationTime >= now ? "Created" : "Using"} LiveKit room sid: ${created.sid} (alias: ${room})`,
      );
    } catch (error) {
      log(`Error creating LiveKit room: unable to create room ${room}: ${(error as Error).message}`);
      return NO_ROOM;
    }
    if (delegation) delegate(service, token.matrix_server_name, request, room, identity);
  }
  return { url: config.livekitUrl, jwt };
}

/** `handle` (/get_token) and `handle_legacy` (/sfu/get): JSON and CORS headers first, whatever the method. */
async function tokenEndpoint(
  service: Service,
  legacyRoute: boolean,
  req: http.IncomingMessage,
  res: http.ServerResponse,
) {
  service.log(`Request from ${req.socket.remoteAddress ?? ""} at "${req.headers.origin ?? ""}"`);
  corsJson(res);
  if (req.method === "OPTIONS") return void res.writeHead(200).end();
  if (req.method !== "POST") return void res.writeHead(405).end();
  const body = await readBody(req, 1 << 20);
  const delegates = service.delegations !== undefined;
  const decoded =
    body === undefined
      ? NOT_JSON
      : legacyRoute
        ? decodeEitherRequest(body, delegates)
        : decodeCurrentRequest(body, delegates);
  const answer = "status" in decoded ? decoded : await tokenFor(service, decoded);
  if ("status" in answer) {
    service.log(`Error processing request: ${answer.error}`);
    res.writeHead(answer.status).end(goJson({ errcode: answer.errcode, error: answer.error }));
  } else res.writeHead(200).end(goJson(answer));
}

function route(service: Service) {
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const path = (req.url ?? "/").split("?")[0];
    const failed = (error: Error) => {
      service.log(`internal error: ${error.message}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    };
    if (service.delegations !== undefined && path === "/delegate_delayed_leave")
      delegateEndpoint(service, req, res).catch(failed);
    else if (service.delegations !== undefined && path === "/sfu_webhook")
      webhookEndpoint(service, req, res).catch(failed);
    else if (path === "/get_token" || path === "/sfu/get") {
      tokenEndpoint(service, path === "/sfu/get", req, res).catch((error: Error) => {
        service.log(`internal error: ${error.message}`);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    } else if (path === "/healthz") {
      service.log(`Health check from ${req.socket.remoteAddress ?? ""}`);
      res.writeHead(req.method === "GET" || req.method === "HEAD" ? 200 : 405).end();
    } else {
      // Go's ServeMux for any other path, a trailing slash included.
      res.setHeader("Content-Type", "text/plain; charset=utf-8");
      res.setHeader("X-Content-Type-Options", "nosniff");
      res.writeHead(404).end("404 page not found\n");
    }
  };
}

/** SRV records through the system resolver, bounded; none on any failure. */
function systemSrv(timeoutMs: number): SrvLookup {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  return (name) =>
    resolver.resolveSrv(name).then(
      (r): SrvRecord[] => r,
      (): SrvRecord[] => [],
    );
}

/** Starts the double on `config.bind` and resolves once it listens. */
export async function startLkJwtDouble(
  config: LkJwtConfig,
  options: DoubleOptions = {},
): Promise<RunningDouble> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const log =
    options.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`));
  const outbound = {
    connectTo: options.connectTo ?? ((host: string, port: number) => ({ host, port })),
    ca: options.ca,
    skipVerifyTls: config.skipVerifyTls,
    timeoutMs,
  };
  const now = options.now ?? Date.now;
  const service: Service = {
    config,
    outbound,
    srv: options.srv ?? systemSrv(Math.min(timeoutMs, 5000)),
    now,
    log,
    delegations:
      config.version === "0.5.0"
        ? undefined
        : new Delegations({
            outbound,
            livekit: { url: config.livekitUrl, key: config.key, secret: config.secret },
            csApiOverrides: parseCsApiOverrides(config.csApiOverrides),
            log,
            now,
          }),
  };
  if (config.skipVerifyTls)
    log("!!! WARNING !!!  LIVEKIT_INSECURE_SKIP_VERIFY_TLS: invalid TLS certificates accepted");
  log(`LIVEKIT_URL: ${config.livekitUrl}, LIVEKIT_JWT_BIND: ${config.bind}`);
  log(`LIVEKIT_FULL_ACCESS_HOMESERVERS: [${config.fullAccessHomeservers.join(" ")}]`);
  const server = http.createServer(route(service));
  const colon = config.bind.lastIndexOf(":");
  const host = config.bind.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  const port = Number(config.bind.slice(colon + 1));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host === "" ? undefined : host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        service.delegations?.close();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
