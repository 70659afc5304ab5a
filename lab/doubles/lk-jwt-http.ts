/**
 * The lk-jwt-service double's shared parts: the running service, its error bodies and Go's way of writing JSON
 * (lk-jwt-service.ts), and 0.6.0's delegation endpoints `/delegate_delayed_leave` and `/sfu_webhook`
 * (lk-jwt-delegation.ts holds the jobs). Node's standard library only.
 */
import * as http from "node:http";
import { LkJwtConfig } from "./lk-jwt-config";
import { Delegations } from "./lk-jwt-delegation";
import { goHash } from "./lk-jwt-livekit";
import { lookupUserInfo, SrvLookup } from "./lk-jwt-openid";
import { Outbound } from "./lk-jwt-outbound";
import { MatrixError, NOT_JSON, decodeDelegateRequest } from "./lk-jwt-requests";

export interface Service {
  readonly config: LkJwtConfig;
  readonly outbound: Outbound;
  readonly srv: SrvLookup;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** 0.6.0 only. */
  readonly delegations: Delegations | undefined;
}

export const UNAUTHORIZED: MatrixError = {
  status: 401,
  errcode: "M_UNAUTHORIZED",
  error: "The request could not be authorised.",
};

/** `isFullAccessUser`: `*` as the only entry means everyone; else an exact match of the token's server name. */
export function isFullAccess(list: readonly string[], serverName: string): boolean {
  return (list.length === 1 && list[0] === "*") || list.includes(serverName);
}

export const badRequest = (error: string): MatrixError => ({ status: 400, errcode: "M_BAD_JSON", error });

export function delegate(
  service: Service,
  serverName: string,
  request: { delay_id: string; delay_timeout: number },
  room: string,
  identity: string,
): void {
  service.delegations!.add({
    serverName,
    delayId: request.delay_id,
    delayTimeoutMs: request.delay_timeout,
    room,
    identity,
  });
}

/** Go's `json.Encoder`: HTML-safe escapes and a trailing newline. */
export function goJson(value: object): string {
  return `${JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}\n`;
}

export function readBody(req: http.IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on("end", () => resolve(size <= limit ? Buffer.concat(chunks).toString("utf8") : undefined));
    req.on("error", () => resolve(undefined));
  });
}

export function corsJson(res: http.ServerResponse): void {
  res.setHeader("Content-Type", "application/json");
  res.setHeader("Access-Control-Allow-Origin", "*");
  res.setHeader("Access-Control-Allow-Methods", "POST");
  res.setHeader(
    "Access-Control-Allow-Headers",
    "Accept, Content-Type, Content-Length, Accept-Encoding, X-CSRF-Token",
  );
}

/** 0.6.0 `handleDelegateDelayedLeave`: the member is on the SFU already; no token, no room creation. */
export async function delegateEndpoint(
  service: Service,
  req: http.IncomingMessage,
  res: http.ServerResponse,
) {
  corsJson(res);
  if (req.method === "OPTIONS") return void res.writeHead(200).end();
  if (req.method !== "POST") return void res.writeHead(405).end();
  const body = await readBody(req, 1 << 20);
  const decoded = body === undefined ? NOT_JSON : decodeDelegateRequest(body);
  let answer: MatrixError | undefined = "status" in decoded ? decoded : undefined;
  if (!("status" in decoded)) {
    const token = decoded.openid_token;
    let sub = "";
    try {
      sub = await lookupUserInfo(service.outbound, service.srv, token.matrix_server_name, token.access_token);
    } catch (error) {
      service.log(`Failed to look up user info: ${(error as Error).message}`);
    }
    if (sub === "" || sub !== decoded.member.claimed_user_id) answer = UNAUTHORIZED;
    else if (!isFullAccess(service.config.fullAccessHomeservers, token.matrix_server_name))
      answer = {
        status: 403,
        errcode: "M_FORBIDDEN",
        error: "Delegation of delayed events is only supported for full access users",
      };
    else if ((await service.delegations!.resolveCsApi(token.matrix_server_name)) === undefined)
      answer = badRequest("Unable to resolve client-server API");
    else {
      const identity = goHash([sub, decoded.member.claimed_device_id, decoded.member.id]);
      delegate(
        service,
        token.matrix_server_name,
        decoded,
        goHash([decoded.room_id, decoded.slot_id]),
        identity,
      );
    }
  }
  if (answer !== undefined)
    res.writeHead(answer.status).end(goJson({ errcode: answer.errcode, error: answer.error }));
  else res.writeHead(200).end(goJson({}));
}

/** 0.6.0 `handleSfuWebhook`: always 200 (upstream writes nothing), a bad signature only logged. */
export async function webhookEndpoint(service: Service, req: http.IncomingMessage, res: http.ServerResponse) {
  const body = (await readBody(req, 1 << 20)) ?? "";
  let verified = false;
  try {
    verified = service.delegations!.webhook(req.headers.authorization, body);
  } catch (error) {
    service.log(`SFU webhook error: ${(error as Error).message}`);
  }
  if (!verified) service.log("SFU webhook error: could not verify the event");
  res.writeHead(200).end();
}
