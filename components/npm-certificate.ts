import type * as pulumi from "@pulumi/pulumi";
import { CERTIFICATE_POST, schemaViolations } from "../facts/npm-api-schema";
import { certbotAdvice, certbotOutput, certbotQuote } from "./npm-certbot";
import { NpmClient, NpmError, NpmUnanswered } from "./npm-client";
import {
  RemoteCertificate,
  USERS_OF_CERTIFICATE,
  createCertificate,
  deleteCertificate,
  domainKey,
  getCertificate,
  isIssued,
  listCertificates,
  parseNpmTime,
} from "./npm-api";
import {
  NpmProviderOptions,
  NpmSettings,
  UNKNOWN,
  clientFor,
  containsUnknown,
  npmSettings,
  stateIsStale,
} from "./npm-provider-support";

/** One Let's Encrypt certificate (HTTP-01) for a set of names, on one NPM. */
export interface NpmCertificateInputs {
  readonly npmUrl: string;
  readonly domain_names: string[];
  /**
   * The ACME account e-mail the operator expects (`proxy.letsencryptEmail`). NPM v2.15 registers the certificate
   * with the e-mail of the NPM user that requests it, and cannot be told another: a request is refused here when
   * the two differ.
   */
  readonly acmeEmail: string;
}

export interface NpmCertificateState extends NpmCertificateInputs {
  readonly npmId: number;
  /** True when NPM had an issued certificate for exactly these names and this resource took it over. */
  readonly adopted: boolean;
}

/** Let's Encrypt certificates of NPM for exactly these names (compared as NPM compares names). */
const sameNames = (certificates: RemoteCertificate[], names: readonly string[]) =>
  certificates.filter((c) => c.provider === "letsencrypt" && domainKey(c.domain_names) === domainKey(names));

/** Issued and not about to expire (an expired one is one NPM's hourly renewal could not renew). */
const isUsable = (c: RemoteCertificate) =>
  isIssued(c) && parseNpmTime(c.expires_on) > Date.now() + 86_400_000;

const usersOf = (c: RemoteCertificate) =>
  (c.proxy_hosts?.length ?? 0) +
  (c.redirection_hosts?.length ?? 0) +
  (c.dead_hosts?.length ?? 0) +
  (c.streams?.length ?? 0);

/**
 * Pulumi dynamic provider for one NPM certificate (docs/upstream/nginx-proxy-manager.md §6.1). Created once,
 * never re-requested by a host update, replaced (create first, so hosts move to the new one before the old is
 * deleted) only when its names change. NPM issues synchronously, keeps no uniqueness, and fails parallel certbot
 * runs, so requests are made one at a time, an issued certificate for the same names is taken over instead of
 * requesting another, and an unanswered request is never repeated: NPM's list says whether it is still running,
 * done, or failed (NPM deletes a failed one). Deleting skips a certificate something still uses: NPM would keep
 * pointing nginx at the revoked files.
 */
export class NpmCertificateProvider implements pulumi.dynamic.ResourceProvider {
  private settings: NpmSettings | undefined;
  private clients: Map<string, NpmClient> | undefined;
  /** Requests of this provider process, one after the other (undefined until the first). */
  private queue: Promise<unknown> | undefined;

  constructor(private readonly options: NpmProviderOptions = {}) {}

  async configure(request: pulumi.dynamic.ConfigureRequest): Promise<void> {
    this.settings = npmSettings(request.config);
    this.clients = undefined;
  }

  private client(url: string): NpmClient {
    this.clients ??= new Map();
    return clientFor(this.clients, url, this.settings, this.options);
  }

  async check(_olds: unknown, news: NpmCertificateInputs): Promise<pulumi.dynamic.CheckResult> {
    if (containsUnknown(news.domain_names)) return { inputs: news, failures: [] };
    const body = { provider: "letsencrypt", domain_names: news.domain_names };
    const failures = schemaViolations(CERTIFICATE_POST, body).map((v) => ({
      property: v.field,
      reason: `certificate for ${String(news.domain_names)}: ${v.field} ${v.reason} (NPM v2.15.1 schema)`,
    }));
    if (news.domain_names.length === 0)
      failures.push({
        property: "domain_names",
        reason: "a Let's Encrypt certificate needs at least one name",
      });
    return { inputs: news, failures };
  }

  async diff(
    _id: string,
    olds: NpmCertificateState,
    news: NpmCertificateInputs,
  ): Promise<pulumi.dynamic.DiffResult> {
    if (news.domain_names === (UNKNOWN as unknown)) return { changes: true };
    const replaces = [
      ...(olds.npmUrl === news.npmUrl ? [] : ["npmUrl"]),
      ...(domainKey(olds.domain_names) === domainKey(news.domain_names) ? [] : ["domain_names"]),
    ];
    const changes = replaces.length > 0 || olds.acmeEmail !== news.acmeEmail || stateIsStale(olds, news);
    return { changes, replaces, deleteBeforeReplace: false };
  }

  async create(inputs: NpmCertificateInputs): Promise<pulumi.dynamic.CreateResult> {
    const run = (this.queue ?? Promise.resolve()).then(() => this.obtain(inputs));
    this.queue = run.catch(() => undefined);
    const { certificate, adopted } = await run;
    return {
      id: String(certificate.id),
      outs: { ...inputs, npmId: certificate.id, adopted } satisfies NpmCertificateState,
    };
  }

  private async obtain(inputs: NpmCertificateInputs) {
    const client = this.client(inputs.npmUrl);
    const names = inputs.domain_names;
    const same = sameNames(await listCertificates(client, "proxy_hosts"), names);
    // Prefer one in use (a host made with "new" uses the newest of its certificates), then the newest.
    const usable = same.filter(isUsable).sort((a, b) => usersOf(b) - usersOf(a) || b.id - a.id)[0];
    if (usable !== undefined) return { certificate: usable, adopted: true };
    const what = `request a Let's Encrypt certificate for ${names.join(", ")}`;
    if (same.some((c) => !isIssued(c)))
      return {
        certificate: await this.awaitRunning(client, names, `${what}: NPM is already requesting one`),
        adopted: false,
      };
    this.checkAcmeEmail(inputs, what);
    try {
      return { certificate: await createCertificate(client, names, what), adopted: false };
    } catch (error) {
      if (!(error instanceof NpmUnanswered)) throw error;
      // certbot failed and said why: NPM deleted the request, so there is nothing to wait for.
      const said = certbotOutput(error.answer?.json);
      if (said !== undefined)
        throw new NpmError(
          `${what}: certbot failed on Nginx Proxy Manager at ${client.url}, which deleted the request; certbot said: "${certbotQuote(said)}". ${certbotAdvice(said)}. Not repeated automatically: failed validations count against Let's Encrypt's limits`,
          error.answer?.status,
        );
      return { certificate: await this.awaitRunning(client, names, error.message), adopted: false };
    }
  }

  /** NPM registers the ACME account with its user's e-mail; refuse to let that differ from the configured one. */
  private checkAcmeEmail(inputs: NpmCertificateInputs, what: string): void {
    const user = (this.settings?.identity ?? "").trim().toLowerCase();
    if (user === "" || user === inputs.acmeEmail.trim().toLowerCase()) return;
    throw new NpmError(
      `${what}: NPM v2.15 registers Let's Encrypt certificates with the e-mail of the NPM user that requests them (the one npmIdentity logs in as), and that is not proxy.letsencryptEmail (${inputs.acmeEmail}); NPM cannot be told another. Set proxy.letsencryptEmail to that user's e-mail, or log in (npmIdentity) as a user whose e-mail is ${inputs.acmeEmail}`,
      undefined,
    );
  }

  /**
   * Waits, a bounded time, for a request NPM is still working on (its row exists while certbot runs and is
   * deleted when certbot fails). Never sends another: a failed validation repeated counts against Let's Encrypt's
   * limits.
   */
  private async awaitRunning(client: NpmClient, names: readonly string[], why: string) {
    const polls = this.options.polls ?? 30;
    for (let poll = 0; poll <= polls; poll++) {
      if (poll > 0) await new Promise((r) => setTimeout(r, this.options.pollMs ?? 10_000));
      const rows = sameNames(await listCertificates(client), names);
      const issued = rows.filter(isUsable).sort((a, b) => b.id - a.id)[0];
      if (issued !== undefined) return issued;
      if (!rows.some((c) => !isIssued(c)))
        throw new NpmError(
          `${why}; NPM kept no certificate for ${names.join(", ")}, so certbot failed (NPM deletes a failed request). Let's Encrypt must reach http://<name>/.well-known/acme-challenge/ through port 80 on NPM for every name; NPM's /data/logs/letsencrypt.log says what failed. Not repeated automatically: failed validations count against Let's Encrypt's limits`,
          undefined,
        );
    }
    throw new NpmError(
      `${why}; NPM is still requesting the certificate for ${names.join(", ")}; run pulumi up again when it is done (the certificate is then taken over, not requested again)`,
      undefined,
    );
  }

  async read(id: string, props?: Partial<NpmCertificateState>): Promise<pulumi.dynamic.ReadResult> {
    const npmUrl = props?.npmUrl ?? this.settings?.npmUrl;
    if (npmUrl === undefined)
      throw new NpmError(
        `read certificate ${id}: no NPM URL in its state or in the stack config (proxy.npmUrl)`,
        undefined,
      );
    const remote = await getCertificate(this.client(npmUrl), Number(id));
    if (remote === undefined) {
      if (props?.domain_names === undefined)
        throw new NpmError(`import certificate ${id}: ${npmUrl} has no certificate ${id}`, 404);
      return { id: undefined, props: {} };
    }
    const inputs: NpmCertificateInputs = {
      npmUrl,
      domain_names: remote.domain_names,
      acmeEmail: props?.acmeEmail ?? "",
    };
    const outs: NpmCertificateState = { ...inputs, npmId: remote.id, adopted: props?.adopted ?? true };
    return props?.domain_names === undefined ? { id, props: outs, inputs } : { id, props: outs };
  }

  /** The names are the same (a change replaces): only the recorded e-mail or a stale state changes. */
  async update(
    _id: string,
    olds: NpmCertificateState,
    news: NpmCertificateInputs,
  ): Promise<pulumi.dynamic.UpdateResult> {
    return { outs: { ...news, npmId: olds.npmId, adopted: olds.adopted } };
  }

  async delete(id: string, props: NpmCertificateState): Promise<void> {
    const client = this.client(props.npmUrl);
    const certificate = await getCertificate(client, Number(id), USERS_OF_CERTIFICATE);
    // Still used by a host Pulumi does not manage: NPM would keep serving that host with the revoked files, and
    // its next `nginx -t` would fail. It stays in NPM; Pulumi lets go of it.
    if (certificate === undefined || usersOf(certificate) > 0) return;
    await deleteCertificate(client, Number(id));
  }
}
