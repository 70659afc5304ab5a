/**
 * lk-jwt-service v0.5.0's start-up configuration (`parseConfig` and `readKeySecret` in `main.go` at tag v0.5.0;
 * docs/upstream/lk-jwt-service.md, "v0.5.0 request handling" §5), read from the same environment variables.
 */
import * as fs from "node:fs";

export interface LkJwtConfig {
  readonly key: string;
  readonly secret: string;
  readonly livekitUrl: string;
  readonly skipVerifyTls: boolean;
  /** `strings.Fields(strings.ReplaceAll(value, ",", " "))`. */
  readonly fullAccessHomeservers: readonly string[];
  /** Go's listen address, e.g. `:8080` or `127.0.0.1:0`. */
  readonly bind: string;
  /**
   * The upstream version the double plays (LAB_LK_JWT_DOUBLE_VERSION, baked into the lab image; default 0.6.0):
   * 0.6.0 delegates delayed leave events and answers 401 on /sfu/get for a failed OpenID lookup, 0.5.0 does neither.
   */
  readonly version: "0.5.0" | "0.6.0";
  /** 0.6.0: LIVEKIT_CS_API_URL_OVERRIDES, comma-separated `server_name=url`. */
  readonly csApiOverrides: string;
}

/** A configuration lk-jwt-service refuses at start-up (`log.Fatal`: the process exits 1 with this message). */
export class LkJwtStartupError extends Error {}

type Env = Readonly<Record<string, string | undefined>>;

/** `readKeySecret`: LIVEKIT_KEY_FILE wins; else the plain variables, each overridden by its _FROM_FILE file. */
function readKeySecret(env: Env): { key: string; secret: string } {
  const read = (path: string): string => {
    try {
      return fs.readFileSync(path, "utf8");
    } catch (error) {
      throw new LkJwtStartupError(`open ${path}: ${(error as NodeJS.ErrnoException).code ?? "unreadable"}`);
    }
  };
  let key = env.LIVEKIT_KEY ?? "";
  let secret = env.LIVEKIT_SECRET ?? "";
  if (env.LIVEKIT_KEY_FILE) {
    const parts = read(env.LIVEKIT_KEY_FILE).split(":");
    if (parts.length !== 2) throw new LkJwtStartupError("invalid key secret file format!");
    [key, secret] = parts as [string, string];
  } else {
    if (env.LIVEKIT_KEY_FROM_FILE) key = read(env.LIVEKIT_KEY_FROM_FILE);
    if (env.LIVEKIT_SECRET_FROM_FILE) secret = read(env.LIVEKIT_SECRET_FROM_FILE);
  }
  // strings.Trim(x, " \r\n"): spaces, CR and LF at both ends, not tabs.
  const trim = (value: string) => value.replace(/^[ \r\n]+|[ \r\n]+$/g, "");
  return { key: trim(key), secret: trim(secret) };
}

/** `parseConfig` of v0.5.0, in its order; throws `LkJwtStartupError` with upstream's message. */
export function configFromEnv(env: Env): LkJwtConfig {
  const skipVerifyTls = env.LIVEKIT_INSECURE_SKIP_VERIFY_TLS === "YES_I_KNOW_WHAT_I_AM_DOING";
  const { key, secret } = readKeySecret(env);
  const livekitUrl = env.LIVEKIT_URL ?? "";
  if (key === "" || secret === "" || livekitUrl === "")
    throw new LkJwtStartupError(
      "LIVEKIT_KEY[_FILE], LIVEKIT_SECRET[_FILE] and LIVEKIT_URL environment variables must be set",
    );
  const fullAccess = env.LIVEKIT_FULL_ACCESS_HOMESERVERS ?? "";
  if (fullAccess.length === 0)
    throw new LkJwtStartupError(
      "LIVEKIT_FULL_ACCESS_HOMESERVERS environment variable must be set to the homeserver(s) you intend to serve — see README for guidance",
    );
  const bindVar = env.LIVEKIT_JWT_BIND ?? "";
  const portVar = env.LIVEKIT_JWT_PORT ?? "";
  if (bindVar !== "" && portVar !== "")
    throw new LkJwtStartupError(
      "LIVEKIT_JWT_BIND and LIVEKIT_JWT_PORT environment variables MUST NOT be set together",
    );
  return {
    key,
    secret,
    livekitUrl,
    skipVerifyTls,
    // Go's strings.Fields: Unicode white space (unicode.IsSpace), after every comma became a space.
    fullAccessHomeservers: fullAccess
      .split(/[,\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/)
      .filter((entry) => entry !== ""),
    bind: bindVar !== "" ? bindVar : `:${portVar !== "" ? portVar : "8080"}`,
    version: env.LAB_LK_JWT_DOUBLE_VERSION === "0.5.0" ? "0.5.0" : "0.6.0",
    csApiOverrides: env.LIVEKIT_CS_API_URL_OVERRIDES ?? "",
  };
}
