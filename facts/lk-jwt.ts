/** The port lk-jwt-service listens on inside its container. */
export const LK_JWT_CONTAINER_PORT = 8080;

/**
 * The separators lk-jwt-service v0.5.0 splits `LIVEKIT_FULL_ACCESS_HOMESERVERS` on: Go's `strings.Fields` splits on
 * `unicode.IsSpace` (this class, listed from Go's own table; it differs from JavaScript's `\s`: U+0085 is in it,
 * U+FEFF is not), after every comma became a space (docs/upstream/lk-jwt-service.md, "v0.5.0 request handling" §1).
 */
const GO_SPACE_OR_COMMA = /[,\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** What lk-jwt-service v0.5.0 makes of a `LIVEKIT_FULL_ACCESS_HOMESERVERS` value. */
export type FullAccessSetting =
  /** Unset or empty: `parseConfig` fails and the service does not start. */
  | { readonly kind: "refusesToStart" }
  /** `*` as the only entry: every user's homeserver gets room creation. */
  | { readonly kind: "everyone" }
  /** Exact, case-sensitive server names; empty when the value held separators only (the service starts). */
  | { readonly kind: "list"; readonly servers: readonly string[] };

/** `LIVEKIT_FULL_ACCESS_HOMESERVERS` parsed as lk-jwt-service v0.5.0's `parseConfig` parses it. */
export function parseFullAccessHomeservers(value: string | undefined): FullAccessSetting {
  if (value === undefined || value.length === 0) return { kind: "refusesToStart" };
  const servers = value.split(GO_SPACE_OR_COMMA).filter((entry) => entry !== "");
  // `isFullAccessUser`: `*` means everyone only as the single entry; beside other names it is a literal name.
  if (servers.length === 1 && servers[0] === "*") return { kind: "everyone" };
  return { kind: "list", servers };
}

/** Whether users of `serverName` get room creation (lk-jwt-service compares the token's `matrix_server_name`). */
export function grantsFullAccess(setting: FullAccessSetting, serverName: string): boolean {
  if (setting.kind === "everyone") return true;
  return setting.kind === "list" && setting.servers.includes(serverName);
}
