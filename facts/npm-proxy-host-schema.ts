/**
 * The body of `POST /api/nginx/proxy-hosts` as Nginx Proxy Manager v2.15.1 validates it
 * (backend/schema/paths/nginx/proxy-hosts/post.json, components/proxy-host-object.json, common.json), restated
 * as checks: required fields, no unknown fields (additionalProperties: false), types and ranges. matrix-fleet
 * refuses a body NPM would refuse, before any API call.
 */
const DOMAIN = /^[^&| @!#%^();:/\\}{=+?<>,~`'"]+$/;

const HOST_FIELDS: Readonly<Record<string, (value: unknown) => string | undefined>> = {
  domain_names: (v) =>
    !Array.isArray(v) || v.length < 1 || v.length > 100
      ? "must be a list of 1 to 100 domain names"
      : new Set(v).size !== v.length
        ? "must not repeat a domain"
        : v.find((d) => typeof d !== "string" || !DOMAIN.test(d)) !== undefined
          ? "contains an invalid domain name"
          : undefined,
  forward_scheme: (v) => (v === "http" || v === "https" ? undefined : 'must be "http" or "https"'),
  forward_host: (v) =>
    typeof v === "string" && v.length >= 1 && v.length <= 255 ? undefined : "must be 1-255 characters",
  forward_port: (v) =>
    Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535
      ? undefined
      : "must be a port 1-65535",
  certificate_id: (v) =>
    (Number.isInteger(v) && (v as number) >= 0) || v === "new"
      ? undefined
      : 'must be a certificate id or "new"',
  ssl_forced: boolean,
  hsts_enabled: boolean,
  hsts_subdomains: boolean,
  trust_forwarded_proto: boolean,
  http2_support: boolean,
  block_exploits: boolean,
  caching_enabled: boolean,
  allow_websocket_upgrade: boolean,
  access_list_id: (v) =>
    Number.isInteger(v) && (v as number) >= 0 ? undefined : "must be an access list id (0 for none)",
  advanced_config: string,
  enabled: boolean,
  meta: (v) => (typeof v === "object" && v !== null && !Array.isArray(v) ? undefined : "must be an object"),
  locations: (v) => (Array.isArray(v) ? undefined : "must be a list"),
};
const REQUIRED = ["domain_names", "forward_scheme", "forward_host", "forward_port"];

const LOCATION_FIELDS: Readonly<Record<string, (value: unknown) => string | undefined>> = {
  id: (v) => (v === null || Number.isInteger(v) ? undefined : "must be an integer or null"),
  path: (v) => (typeof v === "string" && v.length >= 1 ? undefined : "must be a non-empty path"),
  forward_scheme: HOST_FIELDS.forward_scheme!,
  forward_host: HOST_FIELDS.forward_host!,
  forward_port: HOST_FIELDS.forward_port!,
  forward_path: string,
  advanced_config: string,
};
const LOCATION_REQUIRED = ["forward_scheme", "forward_host", "forward_port", "path"];

function boolean(v: unknown): string | undefined {
  return typeof v === "boolean" ? undefined : "must be true or false";
}
function string(v: unknown): string | undefined {
  return typeof v === "string" ? undefined : "must be a string";
}

export interface SchemaViolation {
  /** JSON path of the field, e.g. `locations[1].forward_port`. */
  readonly field: string;
  readonly reason: string;
}

export function validateProxyHostBody(body: unknown): SchemaViolation[] {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return [{ field: "", reason: "must be an object" }];
  const violations: SchemaViolation[] = [];
  const record = body as Record<string, unknown>;
  for (const field of REQUIRED) if (!(field in record)) violations.push({ field, reason: "is required" });
  for (const [field, value] of Object.entries(record)) {
    const check = HOST_FIELDS[field];
    const reason =
      check === undefined ? "is not a field NPM accepts (additionalProperties: false)" : check(value);
    if (reason !== undefined) violations.push({ field, reason });
  }
  if (Array.isArray(record.locations)) {
    record.locations.forEach((location: unknown, index) => {
      const prefix = `locations[${index}]`;
      if (typeof location !== "object" || location === null) {
        violations.push({ field: prefix, reason: "must be an object" });
        return;
      }
      const entries = location as Record<string, unknown>;
      for (const field of LOCATION_REQUIRED)
        if (!(field in entries)) violations.push({ field: `${prefix}.${field}`, reason: "is required" });
      for (const [field, value] of Object.entries(entries)) {
        const check = LOCATION_FIELDS[field];
        const reason =
          check === undefined ? "is not a field NPM accepts (additionalProperties: false)" : check(value);
        if (reason !== undefined) violations.push({ field: `${prefix}.${field}`, reason });
      }
    });
  }
  return violations;
}
