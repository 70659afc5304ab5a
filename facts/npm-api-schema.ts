/**
 * The request bodies Nginx Proxy Manager v2.15.1 accepts, as JSON Schema: the one copy in this repository.
 * Restated (not copied) from the tag's backend/schema/: common.json, components/proxy-host-object.json,
 * components/certificate-object.json, paths/nginx/proxy-hosts/post.json, paths/nginx/proxy-hosts/hostID/put.json,
 * paths/nginx/certificates/post.json (docs/upstream/nginx-proxy-manager.md §1, §6.1). Preflight and the provider's
 * `check` judge bodies with `schemaViolations` below; the contract double compiles the same objects with Ajv set up
 * as NPM sets it up (backend/lib/validator/api.js). Each `description` is the phrase our messages use.
 */
export interface JsonSchema {
  readonly type?: "object" | "array" | "string" | "integer" | "boolean" | ReadonlyArray<"integer" | "null">;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: false;
  readonly minProperties?: number;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems?: boolean;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly anyOf?: readonly JsonSchema[];
}

const DOMAIN_PATTERN = "^[^&| @!#%^();:/\\\\}{=+?<>,~`'\"]+$";
const domainName: JsonSchema = { type: "string", description: "a domain name", pattern: DOMAIN_PATTERN };
const domainNames: JsonSchema = {
  type: "array",
  description: "a list of 1 to 100 distinct domain names",
  minItems: 1,
  maxItems: 100,
  uniqueItems: true,
  items: domainName,
};
const flag: JsonSchema = { type: "boolean", description: "true or false" };
const text: JsonSchema = { type: "string", description: "a string" };
const forwardScheme: JsonSchema = {
  type: "string",
  description: '"http" or "https"',
  enum: ["http", "https"],
};
const forwardHost: JsonSchema = {
  type: "string",
  description: "1-255 characters",
  minLength: 1,
  maxLength: 255,
};
const forwardPort: JsonSchema = {
  type: "integer",
  description: "a port 1-65535",
  minimum: 1,
  maximum: 65535,
};

const location: JsonSchema = {
  type: "object",
  description: "a location",
  additionalProperties: false,
  required: ["forward_scheme", "forward_host", "forward_port", "path"],
  properties: {
    id: { type: ["integer", "null"], description: "an integer or null" },
    path: { type: "string", description: "a non-empty path", minLength: 1 },
    forward_scheme: forwardScheme,
    forward_host: forwardHost,
    forward_port: forwardPort,
    forward_path: text,
    advanced_config: text,
  },
};

/** The 18 properties POST and PUT share (each `$ref`s proxy-host-object.json). */
const PROXY_HOST_PROPERTIES: Readonly<Record<string, JsonSchema>> = {
  domain_names: domainNames,
  forward_scheme: forwardScheme,
  forward_host: forwardHost,
  forward_port: forwardPort,
  certificate_id: {
    description: 'a certificate id or "new"',
    anyOf: [
      { type: "integer", minimum: 0 },
      { type: "string", pattern: "^new$" },
    ],
  },
  ssl_forced: flag,
  hsts_enabled: flag,
  hsts_subdomains: flag,
  trust_forwarded_proto: flag,
  http2_support: flag,
  block_exploits: flag,
  caching_enabled: flag,
  allow_websocket_upgrade: flag,
  access_list_id: { type: "integer", description: "an access list id (0 for none)", minimum: 0 },
  advanced_config: text,
  enabled: flag,
  meta: { type: "object", description: "an object" },
  locations: { type: "array", description: "a list", minItems: 0, items: location },
};

/** `POST /api/nginx/proxy-hosts` (paths/nginx/proxy-hosts/post.json). */
export const PROXY_HOST_POST: JsonSchema = {
  type: "object",
  description: "an object",
  additionalProperties: false,
  required: ["domain_names", "forward_scheme", "forward_host", "forward_port"],
  properties: PROXY_HOST_PROPERTIES,
};

/** `PUT /api/nginx/proxy-hosts/{hostID}` (paths/nginx/proxy-hosts/hostID/put.json): nothing required. */
export const PROXY_HOST_PUT: JsonSchema = {
  type: "object",
  description: "an object with at least one field",
  additionalProperties: false,
  minProperties: 1,
  properties: PROXY_HOST_PROPERTIES,
};

/**
 * `POST /api/nginx/certificates` (paths/nginx/certificates/post.json, components/certificate-object.json): the
 * meta takes no other keys, so neither `letsencrypt_email` nor `letsencrypt_agree` (the ACME e-mail is the NPM
 * user's own).
 */
export const CERTIFICATE_POST: JsonSchema = {
  type: "object",
  description: "an object",
  additionalProperties: false,
  required: ["provider"],
  properties: {
    provider: { type: "string", description: '"letsencrypt" or "other"', pattern: "^(letsencrypt|other)$" },
    nice_name: text,
    domain_names: {
      type: "array",
      description: "a list of up to 100 distinct domain names",
      maxItems: 100,
      uniqueItems: true,
      items: domainName,
    },
    meta: {
      type: "object",
      description: "an object with NPM's certificate meta keys",
      additionalProperties: false,
      properties: {
        certificate: { type: "string", minLength: 1 },
        certificate_key: { type: "string", minLength: 1 },
        dns_challenge: flag,
        dns_provider_credentials: text,
        dns_provider: text,
        letsencrypt_certificate: { type: "object" },
        propagation_seconds: { type: "integer", minimum: 0 },
        key_type: { type: "string", enum: ["rsa", "ecdsa"] },
      },
    },
  },
};

export interface SchemaViolation {
  /** JSON path of the field, e.g. `locations[1].forward_port`; `""` for the body itself. */
  readonly field: string;
  readonly reason: string;
}

/** A proxy-host POST body against NPM's schema: every violation, none when NPM would accept it. */
export function validateProxyHostBody(body: unknown): SchemaViolation[] {
  return schemaViolations(PROXY_HOST_POST, body);
}

/**
 * Every violation of `schema` by `value`, for the keywords above, with Ajv's meaning of each (allErrors). Stricter
 * than NPM in one way only: NPM's Ajv coerces types (`"8080"` passes as a port), this does not, because
 * matrix-fleet never sends a string where NPM stores a number.
 */
export function schemaViolations(schema: JsonSchema, value: unknown, field = ""): SchemaViolation[] {
  const fail = [{ field, reason: `must be ${schema.description ?? typeName(schema)}` }];
  if (schema.anyOf !== undefined)
    return schema.anyOf.some((option) => schemaViolations(option, value, field).length === 0) ? [] : fail;
  if (!hasType(schema, value)) return fail;
  if (typeof value === "string") return stringFits(schema, value) ? [] : fail;
  if (typeof value === "number")
    return value < (schema.minimum ?? -Infinity) || value > (schema.maximum ?? Infinity) ? fail : [];
  if (Array.isArray(value)) return arrayViolations(schema, value, field, fail);
  if (typeof value === "object" && value !== null)
    return objectViolations(schema, value as Record<string, unknown>, field, fail);
  return [];
}

function stringFits(schema: JsonSchema, value: string): boolean {
  const length = [...value].length;
  return (
    length >= (schema.minLength ?? 0) &&
    length <= (schema.maxLength ?? Infinity) &&
    (schema.pattern === undefined || new RegExp(schema.pattern, "u").test(value)) &&
    (schema.enum === undefined || schema.enum.includes(value))
  );
}

function arrayViolations(
  schema: JsonSchema,
  value: readonly unknown[],
  field: string,
  fail: SchemaViolation[],
): SchemaViolation[] {
  const distinct = new Set(value.map((item) => JSON.stringify(item))).size === value.length;
  const shapeFails =
    value.length < (schema.minItems ?? 0) ||
    value.length > (schema.maxItems ?? Infinity) ||
    (schema.uniqueItems === true && !distinct);
  const items = schema.items;
  const itemFails =
    items === undefined ? [] : value.flatMap((item, i) => schemaViolations(items, item, `${field}[${i}]`));
  return [...(shapeFails ? fail : []), ...itemFails];
}

function objectViolations(
  schema: JsonSchema,
  value: Record<string, unknown>,
  field: string,
  fail: SchemaViolation[],
): SchemaViolation[] {
  const at = (key: string) => (field === "" ? key : `${field}.${key}`);
  const violations: SchemaViolation[] = [];
  if (Object.keys(value).length < (schema.minProperties ?? 0)) violations.push(...fail);
  for (const key of schema.required ?? [])
    if (!(key in value)) violations.push({ field: at(key), reason: "is required" });
  for (const [key, item] of Object.entries(value)) {
    const property = schema.properties?.[key];
    if (property !== undefined) violations.push(...schemaViolations(property, item, at(key)));
    else if (schema.additionalProperties === false)
      violations.push({ field: at(key), reason: "is not a field NPM accepts (additionalProperties: false)" });
  }
  return violations;
}

function hasType(schema: JsonSchema, value: unknown): boolean {
  const types =
    schema.type === undefined ? [] : typeof schema.type === "string" ? [schema.type] : schema.type;
  if (types.length === 0) return true;
  return types.some((type) => {
    if (type === "integer") return Number.isInteger(value);
    if (type === "null") return value === null;
    if (type === "array") return Array.isArray(value);
    if (type === "object") return typeof value === "object" && value !== null && !Array.isArray(value);
    return typeof value === type;
  });
}

function typeName(schema: JsonSchema): string {
  const names: Record<string, string> = {
    object: "an object",
    array: "a list",
    string: "a string",
    integer: "an integer",
    boolean: "true or false",
  };
  return typeof schema.type === "string" ? (names[schema.type] ?? schema.type) : "valid";
}
