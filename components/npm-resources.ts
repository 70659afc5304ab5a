/**
 * The NPM resources as the program declares them: `pulumi-nodejs:dynamic/matrix-fleet:<Type>` custom resources,
 * the types `pulumi.dynamic.Resource` would register, whose `__provider` input is the provider text of
 * provider-text.ts instead of a serialised closure (docs/upstream/pulumi-dynamic-providers.md §1).
 */
import * as pulumi from "@pulumi/pulumi";
import type { NpmProxyHost } from "../config-templates/npm-proxy-hosts";
import { providerText } from "./provider-text";

/** The body as the program passes it: the certificate id may be another resource's output. */
export type NpmProxyHostBodyInput = { readonly [K in keyof NpmProxyHost]: pulumi.Input<NpmProxyHost[K]> };

export interface NpmProxyHostArgs {
  readonly npmUrl: pulumi.Input<string>;
  readonly host: NpmProxyHostBodyInput | pulumi.Input<NpmProxyHost>;
  /** The operator lists the host in proxy.adoptHosts: an existing host with these names is taken over. */
  readonly adopt?: true;
}

export interface NpmCertificateArgs {
  readonly npmUrl: pulumi.Input<string>;
  readonly domain_names: pulumi.Input<pulumi.Input<string>[]>;
  readonly acmeEmail: pulumi.Input<string>;
}

/** One proxy host on Nginx Proxy Manager (provider: components/npm-proxy-host.ts). */
export class NpmProxyHostResource extends pulumi.CustomResource {
  declare readonly npmId: pulumi.Output<number>;
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: NpmProxyHostArgs, opts?: pulumi.CustomResourceOptions) {
    const __provider = providerText("components/npm-proxy-host", "NpmProxyHostProvider");
    const props = { ...args, npmId: undefined, adopted: undefined, __provider };
    super("pulumi-nodejs:dynamic/matrix-fleet:NpmProxyHost", name, props, opts);
  }
}

/** One Let's Encrypt certificate on Nginx Proxy Manager (provider: components/npm-certificate.ts). */
export class NpmCertificateResource extends pulumi.CustomResource {
  declare readonly npmId: pulumi.Output<number>;
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: NpmCertificateArgs, opts?: pulumi.CustomResourceOptions) {
    const __provider = providerText("components/npm-certificate", "NpmCertificateProvider");
    const props = { ...args, npmId: undefined, adopted: undefined, __provider };
    super("pulumi-nodejs:dynamic/matrix-fleet:NpmCertificate", name, props, opts);
  }
}
