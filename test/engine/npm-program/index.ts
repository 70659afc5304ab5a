/**
 * The Pulumi program of the NPM life-cycle test (test/engine/npm-lifecycle.test.ts): produktor's rendered proxy
 * hosts (config-templates/npm-proxy-hosts.ts), those named in `fixture.domains`, with a forward port changed where
 * `fixture.forwardPorts` says so and `fixture.adoptHosts` as proxy.adoptHosts, through the project's ProxyHosts component: one NpmCertificate and one
 * NpmProxyHost each, on the NPM at `proxy.npmUrl`. The credentials are stack config the providers read.
 */
import * as pulumi from "@pulumi/pulumi";
import { ProxyHosts } from "../../../components/proxy-hosts";
import { loadOrgConfig } from "../../../config/stack-config";
import { readStackFile } from "../../../config/stack-files";
import { proxyHostDocuments } from "../../../config-templates/npm-proxy-hosts";

interface Fixture {
  readonly domains: string[];
  readonly forwardPorts?: Record<string, number>;
  /** proxy.adoptHosts: hosts made outside the stack that it may take over. */
  readonly adoptHosts?: string[];
}

const config = new pulumi.Config("matrix-fleet");
const { npmUrl } = config.requireObject<{ npmUrl: string }>("proxy");
const fixture = config.requireObject<Fixture>("fixture");
const org = loadOrgConfig("produktor", readStackFile("produktor"));
const hosts = proxyHostDocuments(org)
  .filter((host) => fixture.domains.includes(host.domain_names[0]!))
  .map((host) => ({
    ...host,
    forward_port: fixture.forwardPorts?.[host.domain_names[0]!] ?? host.forward_port,
  }));

const proxyHosts = new ProxyHosts("npm", {
  hosts,
  npmUrl,
  certificate: { kind: "new" },
  letsencryptEmail: org.proxy.letsencryptEmail,
  adoptHosts: fixture.adoptHosts ?? [],
});

export const hostIds = proxyHosts.hosts.map((host) => host.npmId);
export const certificateIds = proxyHosts.certificates.map((certificate) => certificate.npmId);
