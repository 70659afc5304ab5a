import type * as pulumi from "@pulumi/pulumi";
import type { NpmProxyHost } from "../config-templates/npm-proxy-hosts";
import { validateProxyHostBody } from "../facts/npm-api-schema";
import { NpmClient, NpmError, NpmUnanswered } from "./npm-client";
import {
  RemoteHost,
  brokenNginxCulprits,
  createProxyHost,
  deleteProxyHost,
  domainKey,
  getProxyHost,
  hostsServing,
  updateProxyHost,
} from "./npm-api";
import { managedView, nginxProblem, normalised, restorable } from "./npm-host-view";
import {
  NpmProviderOptions,
  NpmSettings,
  UNKNOWN,
  clientFor,
  isUnknownAt,
  npmSettings,
  sameValue,
  stateIsStale,
} from "./npm-provider-support";

/** The inputs of one proxy host: where NPM is and the body. No credentials: those come from the stack config. */
export interface NpmProxyHostInputs {
  readonly npmUrl: string;
  readonly host: NpmProxyHost;
  /** `proxy.adoptHosts` lists the host: one NPM already has with exactly these names is taken over. */
  readonly adopt?: true;
}

export interface NpmProxyHostState extends NpmProxyHostInputs {
  /** NPM's id of the host; also the resource id. */
  readonly npmId: number;
  /** True when the host existed before this resource took it over. */
  readonly adopted: boolean;
}

/**
 * Pulumi dynamic provider for one Nginx Proxy Manager proxy host. Creating takes over a proxy host with exactly
 * the same names (NPM refuses a name twice) only when the stack lists it in `proxy.adoptHosts`; otherwise it stops,
 * naming the host, so that an operator's own host is never rewritten or, later, destroyed without being asked. A
 * changed set of names replaces the resource, deleting first for the same reason. No write is repeated blindly: after one without a clear answer, what NPM stored decides. After
 * every write the host is read back, and one nginx does not serve is undone and reported with nginx's output.
 */
export class NpmProxyHostProvider implements pulumi.dynamic.ResourceProvider {
  private settings: NpmSettings | undefined;
  private clients: Map<string, NpmClient> | undefined;

  constructor(private readonly options: NpmProviderOptions = {}) {}

  async configure(request: pulumi.dynamic.ConfigureRequest): Promise<void> {
    this.settings = npmSettings(request.config);
    this.clients = undefined;
  }

  private client(url: string): NpmClient {
    this.clients ??= new Map();
    return clientFor(this.clients, url, this.settings, this.options);
  }

  async check(_olds: unknown, news: NpmProxyHostInputs): Promise<pulumi.dynamic.CheckResult> {
    if ((news.host as unknown) === UNKNOWN) return { inputs: news, failures: [] };
    const first = news.host.domain_names?.[0];
    const domain = typeof first === "string" && first !== UNKNOWN ? first : "(no domain)";
    // In a preview, values computed from other resources are unknown; they are judged when known, at `up`.
    const failures = validateProxyHostBody(news.host)
      .filter((v) => !isUnknownAt(news.host, v.field))
      .map((v) => ({
        property: `host.${v.field}`,
        reason: `proxy host ${domain}: ${v.field} ${v.reason} (NPM v2.15.1 schema)`,
      }));
    if (news.host.certificate_id === "new")
      failures.push({
        property: "host.certificate_id",
        reason: `proxy host ${domain}: certificate_id "new" makes NPM request a new certificate on every create and update; request it as an NpmCertificate and give its id`,
      });
    return { inputs: news, failures };
  }

  async diff(
    _id: string,
    olds: NpmProxyHostState,
    news: NpmProxyHostInputs,
  ): Promise<pulumi.dynamic.DiffResult> {
    if (typeof news.host !== "object" || news.host === null) return { changes: true };
    const replaces = [
      ...(olds.npmUrl === news.npmUrl ? [] : ["npmUrl"]),
      ...(domainKey(olds.host.domain_names) === domainKey(news.host.domain_names)
        ? []
        : ["host.domain_names"]),
    ];
    const changes =
      replaces.length > 0 ||
      !sameValue(normalised(olds.host), normalised(news.host)) ||
      stateIsStale(olds, news);
    return { changes, replaces, deleteBeforeReplace: true };
  }

  async create(inputs: NpmProxyHostInputs): Promise<pulumi.dynamic.CreateResult> {
    const client = this.client(inputs.npmUrl);
    const names = inputs.host.domain_names;
    const what = `create proxy host ${names.join(", ")}`;
    const holders = await hostsServing(client, names);
    if (holders.length > 0) return this.adopt(client, holders, inputs, what);
    let created: RemoteHost;
    try {
      created = await createProxyHost(client, inputs.host, what);
    } catch (error) {
      if (!(error instanceof NpmUnanswered)) throw error;
      // NPM inserts the row before it runs nginx (and certbot): continue from what it stored, if anything.
      const stored = (await hostsServing(client, names)).find(
        (h) => h.kind === "proxy-hosts" && domainKey(h.host.domain_names) === domainKey(names),
      );
      if (stored === undefined)
        throw new NpmError(
          `${error.message}; NPM shows no host for ${names.join(", ")}, so none is recorded (if NPM was only slow and stores it after all, the next pulumi up names that host: list ${names[0]} in proxy.adoptHosts to take it over)`,
          undefined,
        );
      // A row stored but not yet (or not) configured is written again: the PUT runs NPM's configure.
      if (
        !sameValue(managedView(stored.host, inputs.host), normalised(inputs.host)) ||
        nginxProblem(stored.host)
      )
        await this.put(client, stored.host.id, inputs.host, what);
      created = stored.host;
    }
    await this.confirm(client, created.id, what, "deleted again", () => deleteProxyHost(client, created.id));
    return { id: String(created.id), outs: { ...inputs, npmId: created.id, adopted: false } };
  }

  /** Takes over the proxy host with exactly these names, if the stack asks; anything else holding one is an error. */
  private async adopt(
    client: NpmClient,
    holders: Awaited<ReturnType<typeof hostsServing>>,
    inputs: NpmProxyHostInputs,
    what: string,
  ): Promise<pulumi.dynamic.CreateResult> {
    const [first] = holders;
    if (
      holders.length !== 1 ||
      first!.kind !== "proxy-hosts" ||
      domainKey(first!.host.domain_names) !== domainKey(inputs.host.domain_names)
    ) {
      const list = holders.map(
        (h) => `${h.kind.replace(/s$/, "")} ${h.host.id} (${h.host.domain_names.join(", ")})`,
      );
      throw new NpmError(
        `${what}: ${list.join(" and ")} on ${client.url} already hold(s) one of these names; NPM refuses a name twice, case-insensitively, across proxy, redirection and 404 hosts. Only a proxy host with exactly the same names is taken over: delete the other, or give it exactly these names in NPM, then run pulumi up again`,
        undefined,
      );
    }
    if (inputs.adopt !== true) {
      const list = holders.map(
        (h) => `${h.kind.replace(/s$/, "")} ${h.host.id} (${h.host.domain_names.join(", ")})`,
      );
      const domain = inputs.host.domain_names[0]!;
      throw new NpmError(
        `${what}: Nginx Proxy Manager at ${client.url} already has ${list.join(" and ")}, which this stack did not create; it takes a host over only when asked, so that an operator's own host is never rewritten (or deleted by a later pulumi destroy) unnoticed. To take it over, add ${domain} to proxy.adoptHosts (pulumi config set --path 'proxy.adoptHosts[0]' ${domain}): the preview then shows adopt: true, pulumi up rewrites the host with this stack's definition, and pulumi destroy deletes it. Otherwise delete or rename the host in NPM`,
        undefined,
      );
    }
    await this.write(client, first!.host, inputs.host, what);
    return { id: String(first!.host.id), outs: { ...inputs, npmId: first!.host.id, adopted: true } };
  }

  /** PUT, and when NPM did not answer clearly, what it stored decides; `NpmError` when it did not store it. */
  private async put(client: NpmClient, id: number, body: NpmProxyHost, what: string): Promise<void> {
    try {
      await updateProxyHost(client, id, body, what);
    } catch (error) {
      if (!(error instanceof NpmUnanswered)) throw error;
      const stored = await getProxyHost(client, id);
      if (stored === undefined || !sameValue(managedView(stored, body), normalised(body)))
        throw new NpmError(`${error.message}; NPM did not store the new definition of host ${id}`, undefined);
    }
  }

  /** Writes `body` over `before`, then confirms nginx serves it, putting `before` back if it does not. */
  private async write(client: NpmClient, before: RemoteHost, body: NpmProxyHost, what: string) {
    await this.put(client, before.id, body, what);
    await this.confirm(client, before.id, what, "put back as it was", () =>
      updateProxyHost(client, before.id, restorable(before), `restore proxy host ${before.id}`),
    );
  }

  /** Reads the host back (NPM's create answer has no nginx verdict); undoes the write when nginx fails it. */
  private async confirm(
    client: NpmClient,
    id: number,
    what: string,
    undone: string,
    undo: () => Promise<unknown>,
  ) {
    const stored = await getProxyHost(client, id);
    let problem = stored === undefined ? "it was gone right after the write" : nginxProblem(stored);
    if (problem === undefined) return;
    if (stored !== undefined && stored.meta?.nginx_online === undefined)
      problem += await this.culprits(client);
    let outcome = `the host was ${undone}`;
    try {
      await undo();
    } catch (error) {
      outcome = `undoing it failed too: ${(error as Error).message}`;
    }
    throw new NpmError(
      `${what}: Nginx Proxy Manager at ${client.url} stored the host but ${problem}; ${outcome}`,
      undefined,
    );
  }

  /** What already broke NPM's nginx, named for the operator; a hint where to look when the API shows nothing. */
  private async culprits(client: NpmClient): Promise<string> {
    let found: string[];
    try {
      found = await brokenNginxCulprits(client);
    } catch (error) {
      return `; looking for the cause failed: ${(error as Error).message}`;
    }
    return found.length > 0
      ? `. NPM's nginx is broken by: ${found.join("; ")}. Give ${found.length === 1 ? "that host" : "those hosts"} another certificate (or none) or delete ${found.length === 1 ? "it" : "them"} in NPM, then run pulumi up again`
      : ". NPM's API shows no host on a deleted certificate: the cause is outside it (a certificate's files missing under /etc/letsencrypt, or a file in /data/nginx/custom); nginx -t inside the NPM container names it";
  }

  /** Refresh, and import (no state: the URL comes from `proxy.npmUrl` in the stack config). */
  async read(id: string, props?: Partial<NpmProxyHostState>): Promise<pulumi.dynamic.ReadResult> {
    const npmUrl = props?.npmUrl ?? this.settings?.npmUrl;
    if (npmUrl === undefined)
      throw new NpmError(
        `read proxy host ${id}: no NPM URL in its state or in the stack config (proxy.npmUrl)`,
        undefined,
      );
    const remote = await getProxyHost(this.client(npmUrl), Number(id));
    if (remote === undefined) {
      if (props?.host === undefined)
        throw new NpmError(`import proxy host ${id}: ${npmUrl} has no proxy host ${id}`, 404);
      return { id: undefined, props: {} };
    }
    const host = managedView(remote, props?.host);
    const outs: NpmProxyHostState = { npmUrl, host, npmId: remote.id, adopted: props?.adopted ?? true };
    return props?.host === undefined ? { id, props: outs, inputs: { npmUrl, host } } : { id, props: outs };
  }

  async update(
    _id: string,
    olds: NpmProxyHostState,
    news: NpmProxyHostInputs,
  ): Promise<pulumi.dynamic.UpdateResult> {
    const outs = { ...news, npmId: olds.npmId, adopted: olds.adopted };
    // Only the state was stale (see stateIsStale): nothing to send.
    if (olds.npmUrl === news.npmUrl && sameValue(normalised(olds.host), normalised(news.host)))
      return { outs };
    const client = this.client(news.npmUrl);
    const what = `update proxy host ${olds.npmId} (${news.host.domain_names.join(", ")})`;
    const before = await getProxyHost(client, olds.npmId);
    if (before === undefined)
      throw new NpmError(
        `${what}: ${news.npmUrl} has no proxy host ${olds.npmId} any more (deleted outside Pulumi); run pulumi refresh, then pulumi up`,
        404,
      );
    await this.write(client, before, news.host, what);
    return { outs };
  }

  async delete(id: string, props: NpmProxyHostState): Promise<void> {
    await deleteProxyHost(this.client(props.npmUrl), Number(id));
  }
}
