/**
 * A small client for Nginx Proxy Manager's REST API (v2.15.1): a bearer token from `POST /api/tokens`, then the
 * proxy-host endpoints. Every request has a timeout; 5xx answers, timeouts and connection errors are retried
 * with exponential backoff, a bounded number of times; anything else fails at once with a message that names
 * the host and, for NPM's validation errors, the field.
 */
import { NpmProxyHost } from "../documents/npm-proxy-hosts";

export interface NpmCredentials {
  /** Admin API base URL, e.g. `http://192.0.2.20:81`. */
  readonly url: string;
  readonly identity: string;
  readonly secret: string;
}

export interface NpmClientOptions {
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly backoffMs?: number;
}

/** A proxy host as NPM returns it: the body we send plus NPM's own fields. */
export type RemoteProxyHost = NpmProxyHost & { readonly id: number } & Record<string, unknown>;

export class NpmError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = "NpmError";
  }
}

class Retryable extends Error {}

export class NpmClient {
  private token: string | undefined;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;

  constructor(
    private readonly credentials: NpmCredentials,
    options: NpmClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.retries = options.retries ?? 3;
    this.backoffMs = options.backoffMs ?? 500;
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    what: string,
    auth: boolean,
  ): Promise<{ status: number; json: unknown }> {
    let lastProblem = "";
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0)
        await new Promise((resolve) => setTimeout(resolve, this.backoffMs * 2 ** (attempt - 1)));
      try {
        const response = await fetch(`${this.credentials.url}${path}`, {
          method,
          headers: {
            ...(body === undefined ? {} : { "Content-Type": "application/json" }),
            ...(auth && this.token ? { Authorization: `Bearer ${this.token}` } : {}),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        const text = await response.text();
        const json = text === "" ? undefined : safeJson(text);
        if (response.status >= 500)
          throw new Retryable(`HTTP ${response.status} ${errorMessage(json) ?? text.slice(0, 200)}`);
        return { status: response.status, json };
      } catch (error) {
        if (error instanceof Retryable) lastProblem = error.message;
        else if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
          lastProblem = `no answer within ${this.timeoutMs} ms`;
        else if (error instanceof TypeError)
          lastProblem = `cannot connect (${(error.cause as Error | undefined)?.message ?? error.message})`;
        else throw error;
      }
    }
    throw new NpmError(
      `${what}: Nginx Proxy Manager at ${this.credentials.url} failed ${this.retries + 1} times: ${lastProblem}`,
      undefined,
    );
  }

  private async login(): Promise<void> {
    const { status, json } = await this.send(
      "POST",
      "/api/tokens",
      { identity: this.credentials.identity, secret: this.credentials.secret },
      "login",
      false,
    );
    const token = (json as { token?: unknown } | undefined)?.token;
    if (status !== 200 || typeof token !== "string") {
      throw new NpmError(
        `login: Nginx Proxy Manager at ${this.credentials.url} refused the credentials (HTTP ${status}: ${errorMessage(json) ?? "no token"}); set the NPM admin e-mail and password: pulumi config set --secret npmIdentity / npmSecret`,
        status,
      );
    }
    this.token = token;
  }

  /** An authenticated request; a 401 logs in again once (tokens expire). */
  private async request(
    method: string,
    path: string,
    body: unknown,
    what: string,
  ): Promise<{ status: number; json: unknown }> {
    if (this.token === undefined) await this.login();
    let answer = await this.send(method, path, body, what, true);
    if (answer.status === 401) {
      await this.login();
      answer = await this.send(method, path, body, what, true);
    }
    return answer;
  }

  private fail(what: string, status: number, json: unknown): never {
    const message = errorMessage(json) ?? "no error message";
    const hint = status === 400 ? " (NPM rejected a field of the proxy host; the message names it)" : "";
    throw new NpmError(
      `${what}: Nginx Proxy Manager at ${this.credentials.url} answered HTTP ${status}: ${message}${hint}`,
      status,
    );
  }

  /**
   * NPM answers 200 even when nginx rejects the generated config: it records `meta.nginx_online: false` and the
   * nginx output in `meta.nginx_err` (backend/internal/nginx.js). Treat that as the failure it is.
   */
  private checkNginx(what: string, host: RemoteProxyHost): RemoteProxyHost {
    const meta = host.meta as { nginx_online?: unknown; nginx_err?: unknown } | undefined;
    if (meta?.nginx_online === false) {
      throw new NpmError(
        `${what}: Nginx Proxy Manager at ${this.credentials.url} stored the host but nginx rejected its config: ${String(meta.nginx_err ?? "no output")}`,
        undefined,
      );
    }
    return host;
  }

  async listProxyHosts(): Promise<RemoteProxyHost[]> {
    const { status, json } = await this.request(
      "GET",
      "/api/nginx/proxy-hosts",
      undefined,
      "list proxy hosts",
    );
    if (status !== 200 || !Array.isArray(json)) this.fail("list proxy hosts", status, json);
    return json as RemoteProxyHost[];
  }

  async getProxyHost(id: number): Promise<RemoteProxyHost | undefined> {
    const { status, json } = await this.request(
      "GET",
      `/api/nginx/proxy-hosts/${id}`,
      undefined,
      `read proxy host ${id}`,
    );
    if (status === 404) return undefined;
    if (status !== 200) this.fail(`read proxy host ${id}`, status, json);
    return json as RemoteProxyHost;
  }

  async createProxyHost(host: NpmProxyHost): Promise<RemoteProxyHost> {
    const what = `create proxy host ${host.domain_names.join(", ")}`;
    const { status, json } = await this.request("POST", "/api/nginx/proxy-hosts", host, what);
    if (status !== 201 && status !== 200) this.fail(what, status, json);
    return this.checkNginx(what, json as RemoteProxyHost);
  }

  async updateProxyHost(id: number, host: NpmProxyHost): Promise<RemoteProxyHost> {
    const what = `update proxy host ${id} (${host.domain_names.join(", ")})`;
    const { status, json } = await this.request("PUT", `/api/nginx/proxy-hosts/${id}`, host, what);
    if (status !== 200) this.fail(what, status, json);
    return this.checkNginx(what, json as RemoteProxyHost);
  }

  /** Deletes a proxy host; one that is already gone counts as deleted. */
  async deleteProxyHost(id: number): Promise<void> {
    const { status, json } = await this.request(
      "DELETE",
      `/api/nginx/proxy-hosts/${id}`,
      undefined,
      `delete proxy host ${id}`,
    );
    if (status !== 200 && status !== 404) this.fail(`delete proxy host ${id}`, status, json);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** NPM's error body: `{ "error": { "code": 400, "message": "..." } }`. */
function errorMessage(json: unknown): string | undefined {
  const message = (json as { error?: { message?: unknown } } | undefined)?.error?.message;
  return typeof message === "string" ? message : undefined;
}
