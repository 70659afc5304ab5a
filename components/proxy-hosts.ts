import * as pulumi from "@pulumi/pulumi";
import { NpmProxyHost } from "../config-templates/npm-proxy-hosts";
import { ServiceContext } from "./shared";

export interface ProxyHostsArgs {
  readonly context: ServiceContext;
}

/**
 * The stack's Nginx Proxy Manager proxy hosts. For now it publishes their definitions (the same JSON `render`
 * writes to proxy-hosts.json) as outputs for the operator to apply; managing them on NPM through its API is
 * the NPM provider's job.
 */
export class ProxyHosts extends pulumi.ComponentResource {
  readonly definitions: pulumi.Output<NpmProxyHost[]>;
  readonly domains: pulumi.Output<string[]>;

  constructor(name: string, args: ProxyHostsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-fleet:proxy:ProxyHosts", name, {}, opts);
    // Proxy hosts carry no secret; unsecret them so that operators can read them in `pulumi stack output`.
    this.definitions = pulumi.unsecret(args.context.plan.apply((plan) => plan.proxyHosts));
    this.domains = this.definitions.apply((hosts) => hosts.flatMap((h) => h.domain_names));
    this.registerOutputs({ definitions: this.definitions, domains: this.domains });
  }
}
