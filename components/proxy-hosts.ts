import * as pulumi from "@pulumi/pulumi";
import { CertificateChoice } from "../config/model";
import { NpmProxyHost } from "../config-templates/npm-proxy-hosts";
import { NpmCertificateResource, NpmProxyHostResource } from "./npm-resources";
import { secretsIn } from "./stack-documents";

export interface ProxyHostsArgs {
  /** The rendered proxy hosts (config-templates/npm-proxy-hosts.ts): they hold no secret, so they are known in a preview. */
  readonly hosts: readonly NpmProxyHost[];
  /** Nginx Proxy Manager admin API base URL (`proxy.npmUrl`). */
  readonly npmUrl: string;
  /** `proxy.certificate`: one managed Let's Encrypt certificate per host (`new`), or an existing NPM certificate. */
  readonly certificate: CertificateChoice;
  /** `proxy.letsencryptEmail`: the ACME e-mail the certificates must be requested with. */
  readonly letsencryptEmail: string;
  /** `proxy.adoptHosts`: domains whose existing NPM host this stack may take over (none: it takes over none). */
  readonly adoptHosts?: readonly string[];
}

/**
 * The stack's proxy hosts on Nginx Proxy Manager: one `NpmProxyHost` per rendered host and, with
 * `proxy.certificate: new`, one `NpmCertificate` per host for its names, whose id the host carries. A rendered
 * `certificate_id: "new"` is never sent to NPM (NPM would request a certificate on every create and update).
 * The NPM credentials are not passed here: the providers read them from the stack config when they run.
 */
export class ProxyHosts extends pulumi.ComponentResource {
  readonly definitions: pulumi.Output<NpmProxyHost[]>;
  readonly domains: pulumi.Output<string[]>;
  readonly hosts: NpmProxyHostResource[];
  readonly certificates: NpmCertificateResource[];

  constructor(name: string, args: ProxyHostsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-fleet:proxy:ProxyHosts", name, {}, opts);
    // Proxy hosts carry no secret: known in a preview (NPM's schema is checked then), and readable by operators
    // in `pulumi stack output`.
    if (secretsIn(args.hosts).length > 0)
      throw new Error("a proxy host definition carries a secret placeholder");
    this.definitions = pulumi.output([...args.hosts]);
    this.domains = pulumi.output(args.hosts.flatMap((h) => h.domain_names));
    this.certificates = [];
    this.hosts = args.hosts.map((host) => {
      const domain = host.domain_names[0]!;
      let certificateId: pulumi.Input<number | "new"> = host.certificate_id;
      if (args.certificate.kind === "new") {
        const certificate = new NpmCertificateResource(
          `${name}-certificate-${domain}`,
          { npmUrl: args.npmUrl, domain_names: host.domain_names, acmeEmail: args.letsencryptEmail },
          { parent: this },
        );
        this.certificates.push(certificate);
        certificateId = certificate.npmId;
      }
      // Taking over a host made outside the stack is the operator's decision, visible in the preview's diff.
      const adopt = host.domain_names.some((d) => args.adoptHosts?.includes(d));
      if (adopt)
        void pulumi.log.info(
          `takes over the existing NPM proxy host for ${host.domain_names.join(", ")} if there is one (proxy.adoptHosts): pulumi up rewrites it, pulumi destroy deletes it`,
          this,
        );
      return new NpmProxyHostResource(
        `${name}-${domain}`,
        {
          npmUrl: args.npmUrl,
          host: { ...host, certificate_id: certificateId },
          ...(adopt ? { adopt: true } : {}),
        },
        { parent: this },
      );
    });
    this.registerOutputs({ definitions: this.definitions, domains: this.domains });
  }
}
