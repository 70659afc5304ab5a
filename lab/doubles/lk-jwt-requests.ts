/**
 * The request bodies of lk-jwt-service v0.5.0 and 0.6.0 (requests.go at a375b13: delay_id, delay_timeout and
 * delay_cs_api_url on both token bodies, and /delegate_delayed_leave's body) decoded as its Go code decodes them (`encoding/json` with
 * `DisallowUnknownFields`, the first JSON value only) and validated in its order, with its error bodies
 * (docs/upstream/lk-jwt-service.md, "v0.5.0 request handling" §2). Node's standard library only.
 */

/** A Matrix error reply: status, `errcode`, `error`. */
export interface MatrixError {
  readonly status: number;
  readonly errcode: string;
  readonly error: string;
}

export interface OpenIdToken {
  readonly access_token: string;
  readonly token_type: string;
  readonly matrix_server_name: string;
  readonly expires_in: number;
}

/** `POST /get_token` (and the new shape on `/sfu/get`). */
export interface SfuRequest {
  readonly kind: "current";
  readonly room_id: string;
  readonly slot_id: string;
  readonly openid_token: OpenIdToken;
  readonly member: {
    readonly id: string;
    readonly claimed_user_id: string;
    readonly claimed_device_id: string;
  };
  /** 0.6.0: a delayed leave event to delegate (both or neither). */
  readonly delay_id: string;
  readonly delay_timeout: number;
}

/** The legacy `/sfu/get` body. */
export interface LegacySfuRequest {
  readonly kind: "legacy";
  readonly room: string;
  readonly openid_token: OpenIdToken;
  readonly device_id: string;
  /** 0.6.0 only (0.5.0's struct has no such fields, so a body carrying them is not a legacy body there). */
  readonly delay_id: string;
  readonly delay_timeout: number;
}

/** `POST /delegate_delayed_leave` (0.6.0): the current body with every delay field required. */
export interface DelegateRequest extends Omit<SfuRequest, "kind"> {
  readonly kind: "delegate";
}

type FieldType = "string" | "int" | Schema;
interface Schema {
  readonly [field: string]: FieldType;
}

const OPENID: Schema = {
  access_token: "string",
  token_type: "string",
  matrix_server_name: "string",
  expires_in: "int",
};
const MEMBER: Schema = { id: "string", claimed_user_id: "string", claimed_device_id: "string" };
const CURRENT: Schema = {
  room_id: "string",
  slot_id: "string",
  openid_token: OPENID,
  member: MEMBER,
  // Accepted (so a body carrying them is not "unknown fields") and ignored at v0.5.0; used from 0.6.0 on.
  delay_id: "string",
  delay_timeout: "int",
  delay_cs_api_url: "string",
};
const LEGACY: Schema = { room: "string", openid_token: OPENID, device_id: "string" };
const DELAY: Schema = { delay_id: "string", delay_timeout: "int", delay_cs_api_url: "string" };
const LEGACY_0_6: Schema = { ...LEGACY, ...DELAY };

export const NOT_JSON: MatrixError = { status: 400, errcode: "M_NOT_JSON", error: "Error reading request" };
const MALFORMED: MatrixError = {
  status: 400,
  errcode: "M_BAD_JSON",
  error:
    "The request body was malformed, missing required fields, or contained invalid values (e.g. missing `room_id`, `slot_id`, or `openid_token`).",
};

const badJson = (error: string): MatrixError => ({ status: 400, errcode: "M_BAD_JSON", error });

/** `POST /get_token`: decode (any failure is M_NOT_JSON), then `SFURequest.Validate`. */
export function decodeCurrentRequest(body: string, delegates = false): SfuRequest | MatrixError {
  const decoded = decodeGo(body, CURRENT);
  if (decoded === undefined) return NOT_JSON;
  return validateCurrent(decoded, delegates);
}

/**
 * `POST /sfu/get` (`mapSFURequest`): the legacy shape first, then the current one; the first that decodes wins and
 * its validation is final.
 */
export function decodeEitherRequest(
  body: string,
  delegates = false,
): SfuRequest | LegacySfuRequest | MatrixError {
  const legacy = decodeGo(body, delegates ? LEGACY_0_6 : LEGACY);
  if (legacy !== undefined) {
    const request: LegacySfuRequest = {
      ...(legacy as Omit<LegacySfuRequest, "kind">),
      kind: "legacy",
      delay_id: typeof legacy.delay_id === "string" ? legacy.delay_id : "",
      delay_timeout: typeof legacy.delay_timeout === "number" ? legacy.delay_timeout : 0,
    };
    if (request.room === "") return badJson("Missing room parameter");
    if (request.openid_token.access_token === "" || request.openid_token.matrix_server_name === "")
      return badJson("Missing OpenID token parameters");
    return delegates ? (validateDelay(request, false) ?? request) : request;
  }
  const current = decodeGo(body, CURRENT);
  return current === undefined ? MALFORMED : validateCurrent(current, delegates);
}

/** `POST /delegate_delayed_leave` (0.6.0): `DelegateDelayedLeaveRequest.Validate`. */
export function decodeDelegateRequest(body: string): DelegateRequest | MatrixError {
  const decoded = decodeGo(body, CURRENT);
  if (decoded === undefined) return NOT_JSON;
  const current = validateCurrent(decoded, false);
  if ("status" in current) return current;
  return validateDelay(current, true) ?? { ...current, kind: "delegate" };
}

/** Both delay fields or neither (required: both); 0.6.0's message for either. */
function validateDelay(
  request: { delay_id: string; delay_timeout: number },
  required: boolean,
): MatrixError | undefined {
  const all = request.delay_id !== "" && request.delay_timeout > 0;
  const any = request.delay_id !== "" || request.delay_timeout > 0;
  return all || (!any && !required)
    ? undefined
    : badJson("The request body is missing `delay_id` or `delay_timeout`");
}

function validateCurrent(decoded: Record<string, unknown>, delegates = false): SfuRequest | MatrixError {
  const request: SfuRequest = { kind: "current", ...(decoded as Omit<SfuRequest, "kind">) };
  if (request.room_id === "" || request.slot_id === "")
    return badJson("The request body is missing `room_id` or `slot_id`");
  const { member, openid_token: token } = request;
  if (member.id === "" || member.claimed_user_id === "" || member.claimed_device_id === "")
    return badJson("The request body `member` is missing a `id`, `claimed_user_id` or `claimed_device_id`");
  if (token.access_token === "" || token.matrix_server_name === "")
    return badJson("The request body `openid_token` is missing a `access_token` or `matrix_server_name`");
  return delegates ? (validateDelay(request, false) ?? request) : request;
}

/**
 * Go's `json.Decoder.Decode` into a struct with `DisallowUnknownFields`: the first JSON value of the body; `null`
 * gives the zero struct; keys match fields case-insensitively; an unknown key or a value of the wrong type fails.
 * Undefined when decoding fails. (Not modelled: Go's finer points of key folding and number literals such as
 * `1e3`, which Go refuses for an int and this accepts.)
 */
function decodeGo(body: string, schema: Schema): Record<string, unknown> | undefined {
  const text = firstJsonValue(body);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return fill(value, schema);
}

function fill(value: unknown, schema: Schema): Record<string, unknown> | undefined {
  if (value !== null && (typeof value !== "object" || Array.isArray(value))) return undefined;
  const result: Record<string, unknown> = {};
  for (const [field, type] of Object.entries(schema)) result[field] = zero(type);
  for (const [key, raw] of Object.entries((value ?? {}) as Record<string, unknown>)) {
    const field =
      Object.keys(schema).find((f) => f === key) ??
      Object.keys(schema).find((f) => f.toLowerCase() === key.toLowerCase());
    if (field === undefined) return undefined;
    if (raw === null) continue;
    const type = schema[field]!;
    if (type === "string") {
      if (typeof raw !== "string") return undefined;
      result[field] = raw;
    } else if (type === "int") {
      if (typeof raw !== "number" || !Number.isSafeInteger(raw)) return undefined;
      result[field] = raw;
    } else {
      const nested = fill(raw, type);
      if (nested === undefined) return undefined;
      result[field] = nested;
    }
  }
  return result;
}

function zero(type: FieldType): unknown {
  if (type === "string") return "";
  if (type === "int") return 0;
  return fill(null, type);
}

/** The text of the first JSON value in `body` (what a Go decoder reads; trailing bytes are left unread). */
function firstJsonValue(body: string): string | undefined {
  const start = body.search(/\S/);
  if (start < 0) return undefined;
  const open = body[start];
  if (open !== "{" && open !== "[") {
    const end = body.slice(start).search(/[\s{[]/);
    return end < 0 ? body.slice(start) : body.slice(start, start + end);
  }
  let depth = 0;
  let inString = false;
  for (let i = start; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if ((c === "}" || c === "]") && --depth === 0) return body.slice(start, i + 1);
  }
  return undefined;
}
