/**
 * A small client for Nginx Proxy Manager's REST API (v2.15.1), with its status codes as they really are
 * (docs/upstream/nginx-proxy-manager.md §6.4): a bearer token from `POST /api/tokens` (wrong credentials: 400), a
 * fresh login when NPM answers 400 "Token has expired" or 500 to a read (a token NPM cannot verify), and a 404
 * whose message is a path ("Not Found - /nginx/proxy-hosts") read as what it is in v2.15.1: a missing permission,
 * never as a missing object. Reads and deletes are repeated with backoff on 5xx, timeouts and connection errors,
 * a bounded number of times. Writes (POST, PUT) are sent once: an unanswered write is reported as `NpmUnanswered`,
 * and the caller looks at what NPM stored before doing anything else.
 */
export interface NpmCredentials {
  /** Admin API base URL, e.g. `http://192.0.2.20:81`. */
  readonly url: string;
  readonly identity: string;
  readonly secret: string;
}

export interface NpmClientOptions {
  /** Reads, deletes, logins and proxy-host writes (NPM runs `nginx -t` twice and reloads for a write): 60 s. */
  readonly timeoutMs?: number;
  /** `POST /api/nginx/certificates`: NPM answers when certbot is done, within its 15-minute route timeout: 16 min. */
  readonly certificateTimeoutMs?: number;
  readonly retries?: number;
  readonly backoffMs?: number;
}

export interface NpmAnswer {
  readonly status: number;
  readonly json: unknown;
}

/** The config keys the credentials come from, named in every message about them. */
export const CREDENTIAL_KEYS =
  "npmIdentity / npmSecret (pulumi config set --secret npmIdentity <NPM user e-mail>; pulumi config set --secret npmSecret <password>)";

export class NpmError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = "NpmError";
  }
}

/** A write that got no answer saying what NPM did (timeout, broken connection, 5xx): NPM may have stored it. */
export class NpmUnanswered extends NpmError {
  constructor(
    readonly what: string,
    readonly problem: string,
    /** NPM's answer when there was one (a 5xx): its body may still say what failed. */
    readonly answer?: NpmAnswer,
  ) {
    super(`${what}: no clear answer (${problem})`, undefined);
    this.name = "NpmUnanswered";
  }
}

/** NPM's error body: `{ "error": { "code": 400, "message": "..." } }`. */
export function errorMessage(json: unknown): string | undefined {
  const message = (json as { error?: { message?: unknown } } | undefined)?.error?.message;
  return typeof message === "string" ? message : undefined;
}

/** v2.15.1 answers a missing token or permission with a 404 naming the request path (not an id). */
export function isPermissionNotFound(answer: NpmAnswer): boolean {
  return answer.status === 404 && /^Not Found - \//.test(errorMessage(answer.json) ?? "");
}

const isExpiredToken = (answer: NpmAnswer) =>
  answer.status === 400 && errorMessage(answer.json) === "Token has expired";

export class NpmClient {
  private token: string | undefined;
  readonly url: string;
  private readonly timeoutMs: number;
  readonly certificateTimeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;

  constructor(
    private readonly credentials: NpmCredentials,
    options: NpmClientOptions = {},
  ) {
    this.url = credentials.url;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.certificateTimeoutMs = options.certificateTimeoutMs ?? 16 * 60_000;
    this.retries = options.retries ?? 3;
    this.backoffMs = options.backoffMs ?? 500;
  }

  /** One HTTP exchange. Throws `NpmUnanswered` when no answer came (timeout, connection). */
  private async once(method: string, path: string, body: unknown, what: string, timeoutMs: number) {
    try {
      const response = await fetch(`${this.url}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
          ...(this.token === undefined ? {} : { Authorization: `Bearer ${this.token}` }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      return { status: response.status, json: parseJson(text), text };
    } catch (error) {
      if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
        throw new NpmUnanswered(what, `no answer within ${timeoutMs} ms`);
      if (error instanceof TypeError)
        throw new NpmUnanswered(
          what,
          `cannot connect: ${(error.cause as Error | undefined)?.message ?? error.message}`,
        );
      throw error;
    }
  }

  /** Repeats an idempotent exchange on 5xx and on no answer, with backoff; a 500 logs in again first. */
  private async repeated(method: string, path: string, body: unknown, what: string): Promise<NpmAnswer> {
    let problem = "";
    let loggedInAgain = false;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, this.backoffMs * 2 ** (attempt - 1)));
      try {
        const answer = await this.once(method, path, body, what, this.timeoutMs);
        if (answer.status < 500) return answer;
        problem = `HTTP ${answer.status} ${errorMessage(answer.json) ?? answer.text.slice(0, 200)}`;
        // NPM answers 500 to a token it cannot verify (not signed by its current key): one fresh login.
        if (path !== "/api/tokens" && answer.status === 500 && !loggedInAgain) {
          loggedInAgain = true;
          await this.login();
        }
      } catch (error) {
        if (!(error instanceof NpmUnanswered)) throw error;
        problem = error.problem;
      }
    }
    throw new NpmError(
      `${what}: Nginx Proxy Manager at ${this.url} failed ${this.retries + 1} times: ${problem}`,
      undefined,
    );
  }

  private async login(): Promise<void> {
    const { identity, secret } = this.credentials;
    if (identity === "" || secret === "")
      throw new NpmError(`login: no NPM credentials in the stack config; set ${CREDENTIAL_KEYS}`, undefined);
    this.token = undefined;
    const { status, json } = await this.repeated("POST", "/api/tokens", { identity, secret }, "login");
    const answer = json as { token?: unknown; requires_2fa?: unknown } | undefined;
    if (status === 200 && answer?.requires_2fa === true)
      throw new NpmError(
        `login: the NPM user npmIdentity names has two-factor authentication on, which an unattended pulumi up cannot answer; give matrix-fleet a user without it`,
        status,
      );
    if (status !== 200 || typeof answer?.token !== "string")
      throw new NpmError(
        `login: Nginx Proxy Manager at ${this.url} refused the credentials (HTTP ${status}: ${errorMessage(json) ?? "no token"}); check ${CREDENTIAL_KEYS}`,
        status,
      );
    this.token = answer.token;
  }

  /** Auth around one exchange: a login first, a fresh one on an expired token, a permission 404 as an error. */
  private async authorised(exchange: () => Promise<NpmAnswer>, what: string): Promise<NpmAnswer> {
    if (this.token === undefined) await this.login();
    let answer = await exchange();
    // NPM checks the token before the handler runs, so repeating after "Token has expired" repeats nothing.
    if (isExpiredToken(answer)) {
      await this.login();
      answer = await exchange();
    }
    if (isPermissionNotFound(answer))
      throw new NpmError(
        `${what}: Nginx Proxy Manager at ${this.url} answered 404 "${errorMessage(answer.json)}", which NPM v2.15 answers when the user has no permission for it (not because the object is gone): give the NPM user of ${CREDENTIAL_KEYS} the Administrator role, or "manage" on proxy hosts and certificates`,
        404,
      );
    return answer;
  }

  /** GET, repeated when it fails for no stated reason. */
  get(path: string, what: string): Promise<NpmAnswer> {
    return this.authorised(() => this.repeated("GET", path, undefined, what), what);
  }

  /** DELETE, repeated likewise: NPM soft-deletes, and a repeated delete answers 404 for the id. */
  delete(path: string, what: string): Promise<NpmAnswer> {
    return this.authorised(() => this.repeated("DELETE", path, undefined, what), what);
  }

  /** POST or PUT, sent once. A 5xx or no answer throws `NpmUnanswered`: NPM may have stored the write. */
  write(method: "POST" | "PUT", path: string, body: unknown, what: string, timeoutMs = this.timeoutMs) {
    return this.authorised(async () => {
      const answer = await this.once(method, path, body, what, timeoutMs);
      if (answer.status >= 500)
        throw new NpmUnanswered(
          what,
          `HTTP ${answer.status} ${errorMessage(answer.json) ?? answer.text.slice(0, 200)}`,
          answer,
        );
      return answer;
    }, what);
  }

  /** An answer that is not the expected success, as an error naming the request and NPM's message. */
  fail(what: string, answer: NpmAnswer, hint = ""): never {
    throw new NpmError(
      `${what}: Nginx Proxy Manager at ${this.url} answered HTTP ${answer.status}: ${errorMessage(answer.json) ?? "no error message"}${hint}`,
      answer.status,
    );
  }
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
