/**
 * What both NPM dynamic providers (proxy hosts, certificates) share. Nothing here, nor in any module the providers
 * import, may need a package at run time: the engine runs them from one self-contained text bundled from these
 * modules and stored in each resource's state (provider-text.ts).
 */
import { NpmClient, NpmClientOptions } from "./npm-client";

/** The engine's marker for a value not known in a preview (`pulumi.runtime.unknownValue`; a test keeps it equal). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The stack config both providers read (project `matrix-fleet`); the engine hands every key to dynamic providers. */
export const CONFIG_KEYS = {
  identity: "matrix-fleet:npmIdentity",
  secret: "matrix-fleet:npmSecret",
  proxy: "matrix-fleet:proxy",
} as const;

/**
 * What a provider takes from the stack config at call time, never from a resource's state: the NPM credentials,
 * and `proxy.npmUrl` for a read without state (an import). The engine gives dynamic providers the whole stack
 * config (secrets decrypted) through `configure` (pulumi pkg/resource/deploy/target.go, `GetPackageConfig`).
 */
export interface NpmSettings {
  readonly identity: string;
  readonly secret: string;
  readonly npmUrl: string | undefined;
}

export function npmSettings(config: { get(key: string): string | undefined }): NpmSettings {
  let npmUrl: string | undefined;
  try {
    const proxy = JSON.parse(config.get(CONFIG_KEYS.proxy) ?? "{}") as { npmUrl?: unknown };
    npmUrl = typeof proxy.npmUrl === "string" ? proxy.npmUrl : undefined;
  } catch {
    npmUrl = undefined;
  }
  return {
    identity: config.get(CONFIG_KEYS.identity) ?? "",
    secret: config.get(CONFIG_KEYS.secret) ?? "",
    npmUrl,
  };
}

/** Options of the providers: the client's, and how long a certificate request left running is waited for. */
export interface NpmProviderOptions extends NpmClientOptions {
  /** Looks at an unfinished certificate request this often (default 10 s) ... */
  readonly pollMs?: number;
  /** ... this many times (default 30: five minutes beyond the request's own 16). */
  readonly polls?: number;
}

/**
 * One logged-in client per NPM URL and provider process, so that resources share a token (`clients` is the
 * provider's own map, made at its first call).
 */
export function clientFor(
  clients: Map<string, NpmClient>,
  url: string,
  settings: NpmSettings | undefined,
  options: NpmProviderOptions,
): NpmClient {
  let client = clients.get(url);
  if (client === undefined) {
    client = new NpmClient(
      { url, identity: settings?.identity ?? "", secret: settings?.secret ?? "" },
      options,
    );
    clients.set(url, client);
  }
  return client;
}

/** True when the unknown marker stands anywhere in `value`. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsUnknown);
  return false;
}

/**
 * True when the value at a schema violation's path (`""`, `forward_port`, `locations[1].path`), or any value on
 * the way to it, is unknown or holds an unknown: the violation may be an artefact of the preview.
 */
export function isUnknownAt(body: unknown, field: string): boolean {
  let value = body;
  const steps = field === "" ? [] : field.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== "");
  for (const step of steps) {
    if (value === UNKNOWN) return true;
    if (typeof value !== "object" || value === null) return false;
    value = (value as Record<string, unknown>)[step];
  }
  return containsUnknown(value);
}

/** Deep equality in which the order of an object's keys does not matter (that of a list does). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameValue(item, b[i]));
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  return [...keys].every((key) => sameValue(left[key], right[key]));
}

/**
 * True when a resource's state was written by another version of its provider: by one that kept the NPM
 * credentials in the state, or by different provider code. Either makes an update that only rewrites the state,
 * so that refresh and destroy, which run the code stored there, run this one.
 */
export function stateIsStale(olds: object, news: object): boolean {
  const old = olds as Record<string, unknown>;
  return (
    "identity" in old || "secret" in old || old.__provider !== (news as Record<string, unknown>).__provider
  );
}
