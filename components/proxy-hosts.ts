import * as pulumi from "@pulumi/pulumi";
import { NpmProxyHost } from "../documents/npm-proxy-hosts";
import { NpmProxyHostResource } from "./npm-proxy-host";
import { secretsIn } from "./stack-documents";
import { ServiceContext } from "./shared";

/** NPM admin credentials (secret config `npmIdentity` / `npmSecret`). */
export interface NpmCredentialInputs {
  readonly identity: pulumi.Input<string>;
  readonly secret: pulumi.Input<string>;
}

export interface ProxyHostsArgs {
  readonly context: ServiceContext;
  /** Nginx Proxy Manager admin API base URL. */
  readonly npmUrl: string;
  readonly credentials: NpmCredentialInputs;
}

/**
 * The stack's proxy hosts on Nginx Proxy Manager: one `NpmProxyHost` resource per host, with the same
 * definitions `render` writes to proxy-hosts.json.
 */
export class ProxyHosts extends pulumi.ComponentResource {
  readonly definitions: pulumi.Output<NpmProxyHost[]>;
  readonly domains: pulumi.Output<string[]>;
  readonly hosts: NpmProxyHostResource[];

  constructor(name: string, args: ProxyHostsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-fleet:proxy:ProxyHosts", name, {}, opts);
    // Proxy hosts carry no secret: known in a preview (NPM's schema is checked then), and readable by operators
    // in `pulumi stack output`.
    const hosts = args.context.documents.template.proxyHosts;
    if (secretsIn(hosts).length > 0) throw new Error("a proxy host definition carries a secret placeholder");
    this.definitions = pulumi.output(hosts);
    this.domains = this.definitions.apply((hosts) => hosts.flatMap((h) => h.domain_names));
    // The set of hosts is known from the config alone, so resources can be declared without waiting for secrets.
    const firstDomains = args.context.proxyHostDomains;
    this.hosts = firstDomains.map(
      (domain, index) =>
        new NpmProxyHostResource(
          `${name}-${domain}`,
          {
            npmUrl: args.npmUrl,
            identity: args.credentials.identity,
            secret: args.credentials.secret,
            host: this.definitions.apply((hosts) => hosts[index]!),
          },
          { parent: this },
        ),
    );
    this.registerOutputs({ definitions: this.definitions, domains: this.domains });
  }
}
