import * as pulumi from "@pulumi/pulumi";
import { NpmProxyHost } from "../documents/npm-proxy-hosts";
import { NpmClient, NpmError, RemoteProxyHost } from "./npm-client";
import { validateProxyHostBody } from "../facts/npm-proxy-host-schema";

/** What the provider stores per proxy host. Credentials stay secret in the state. */
export interface NpmProxyHostState {
  readonly npmUrl: string;
  readonly identity: string;
  readonly secret: string;
  readonly host: NpmProxyHost;
  /** NPM's id of the host; also the resource id. */
  readonly npmId?: number;
  /** True when the host existed before and this resource took it over. */
  readonly adopted?: boolean;
}

const FIELDS = [
  "domain_names",
  "forward_scheme",
  "forward_host",
  "forward_port",
  "access_list_id",
  "certificate_id",
  "ssl_forced",
  "hsts_enabled",
  "hsts_subdomains",
  "http2_support",
  "block_exploits",
  "caching_enabled",
  "allow_websocket_upgrade",
  "advanced_config",
  "meta",
  "locations",
] as const;

/** The part of a host NPM returns that this resource manages, for drift detection on refresh. */
export function managedView(remote: RemoteProxyHost, desired: NpmProxyHost): NpmProxyHost {
  const view: Record<string, unknown> = {};
  for (const field of FIELDS) view[field] = remote[field];
  // NPM keeps its own meta keys next to ours (nginx_online, ...); compare only the keys we set.
  view.meta = Object.fromEntries(
    Object.keys(desired.meta).map((key) => [
      key,
      (remote.meta as Record<string, unknown> | undefined)?.[key],
    ]),
  );
  // A requested certificate becomes a real id: that is not drift.
  if (
    desired.certificate_id === "new" &&
    typeof remote.certificate_id === "number" &&
    remote.certificate_id > 0
  )
    view.certificate_id = "new";
  view.locations = ((remote.locations ?? []) as unknown as Array<Record<string, unknown>>).map(
    ({ id: _id, ...location }) => location,
  );
  return view as unknown as NpmProxyHost;
}

/** True when the engine's unknown sentinel stands anywhere in `value`. */
export function containsUnknown(value: unknown): boolean {
  if (value === pulumi.runtime.unknownValue) return true;
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
    if (value === pulumi.runtime.unknownValue) return true;
    if (typeof value !== "object" || value === null) return false;
    value = (value as Record<string, unknown>)[step];
  }
  return containsUnknown(value);
}

function knownDomain(host: unknown): string | undefined {
  const first = (host as { domain_names?: unknown } | undefined)?.domain_names;
  const domain = Array.isArray(first) ? first[0] : undefined;
  return typeof domain === "string" && domain !== pulumi.runtime.unknownValue ? domain : undefined;
}

const sameDomains = (a: readonly string[], b: readonly string[]) =>
  [...a].sort().join(",") === [...b].sort().join(",");

/**
 * Pulumi dynamic provider for one Nginx Proxy Manager proxy host, over NPM's REST API. Creating adopts a host
 * that already serves one of the domains (NPM would refuse a duplicate); changing the domains replaces the
 * resource (delete first, for the same reason).
 */
export class NpmProxyHostProvider implements pulumi.dynamic.ResourceProvider {
  private client(state: NpmProxyHostState): NpmClient {
    return new NpmClient({ url: state.npmUrl, identity: state.identity, secret: state.secret });
  }

  async check(_olds: NpmProxyHostState, news: NpmProxyHostState): Promise<pulumi.dynamic.CheckResult> {
    const domain = knownDomain(news.host) ?? "(no domain)";
    // In a preview, values computed from other resources are unknown (the engine's sentinel, in place of the
    // body or of a field). Those are validated when they are known, at `pulumi up`; known values are judged now.
    const failures = validateProxyHostBody(news.host)
      .filter((v) => !isUnknownAt(news.host, v.field))
      .map((v) => ({
        property: `host.${v.field}`,
        reason: `proxy host ${domain}: ${v.field} ${v.reason} (NPM v2.15.1 schema)`,
      }));
    return { inputs: news, failures };
  }

  async diff(
    _id: string,
    olds: NpmProxyHostState,
    news: NpmProxyHostState,
  ): Promise<pulumi.dynamic.DiffResult> {
    const replaces = sameDomains(olds.host.domain_names, news.host.domain_names) ? [] : ["host.domain_names"];
    const changed =
      JSON.stringify(olds.host) !== JSON.stringify(news.host) ||
      olds.npmUrl !== news.npmUrl ||
      olds.identity !== news.identity ||
      olds.secret !== news.secret;
    return { changes: changed, replaces, deleteBeforeReplace: true };
  }

  async create(inputs: NpmProxyHostState): Promise<pulumi.dynamic.CreateResult> {
    const client = this.client(inputs);
    const existing = (await client.listProxyHosts()).find((h) =>
      h.domain_names.some((d) => inputs.host.domain_names.includes(d)),
    );
    if (existing !== undefined) {
      if (!existing.domain_names.every((d) => inputs.host.domain_names.includes(d))) {
        throw new NpmError(
          `proxy host ${existing.id} on ${inputs.npmUrl} serves ${existing.domain_names.join(", ")}, which overlaps ${inputs.host.domain_names.join(", ")} but is not the same set; adopt it by hand (pulumi import) or split its domains in NPM first`,
          undefined,
        );
      }
      const adopted = await client.updateProxyHost(existing.id, inputs.host);
      return { id: String(adopted.id), outs: { ...inputs, npmId: adopted.id, adopted: true } };
    }
    const created = await client.createProxyHost(inputs.host);
    return { id: String(created.id), outs: { ...inputs, npmId: created.id, adopted: false } };
  }

  async read(id: string, props: NpmProxyHostState): Promise<pulumi.dynamic.ReadResult> {
    const remote = await this.client(props).getProxyHost(Number(id));
    if (remote === undefined) return { id: undefined, props: {} };
    return { id, props: { ...props, npmId: remote.id, host: managedView(remote, props.host) } };
  }

  async update(
    id: string,
    _olds: NpmProxyHostState,
    news: NpmProxyHostState,
  ): Promise<pulumi.dynamic.UpdateResult> {
    const updated = await this.client(news).updateProxyHost(Number(id), news.host);
    return { outs: { ...news, npmId: updated.id } };
  }

  async delete(id: string, props: NpmProxyHostState): Promise<void> {
    await this.client(props).deleteProxyHost(Number(id));
  }
}

export interface NpmProxyHostArgs {
  readonly npmUrl: pulumi.Input<string>;
  readonly identity: pulumi.Input<string>;
  readonly secret: pulumi.Input<string>;
  readonly host: pulumi.Input<NpmProxyHost>;
}

/** One provider instance for every host: Pulumi serialises (and may cache) a dynamic provider per instance. */
const PROVIDER = new NpmProxyHostProvider();

/** One proxy host on Nginx Proxy Manager. */
export class NpmProxyHostResource extends pulumi.dynamic.Resource {
  declare readonly npmId: pulumi.Output<number>;
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: NpmProxyHostArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      PROVIDER,
      name,
      {
        ...args,
        identity: pulumi.secret(args.identity),
        secret: pulumi.secret(args.secret),
        npmId: undefined,
        adopted: undefined,
      },
      { ...opts, additionalSecretOutputs: ["identity", "secret"] },
      "matrix-fleet",
      "NpmProxyHost",
    );
  }
}
