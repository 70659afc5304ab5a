import { VerifyContext, fail } from "./context";

const DAY_MS = 86_400_000;

/**
 * The certificate each proxy host serves on 443, as a client's TLS handshake meets it: for its own name and not
 * expired. Its end of validity is recorded (the call probe exports it; the TlsCertificateExpiring alert fires 14
 * days before). A certificate NPM failed to renew shows here first.
 */
export async function proxyCertificateChecks(ctx: VerifyContext, now = new Date()): Promise<void> {
  const { org, net, timeoutMs } = ctx;
  for (const host of org.proxiedHosts) {
    await ctx.check(`TLS certificate of ${host}`, async () => {
      const address = await net.resolve4(host);
      const cert = await net.servedCertificate(address, 443, host, timeoutMs);
      ctx.certificates.push({ host, port: 443, notAfter: cert.validTo });
      const until = cert.validTo.toISOString().slice(0, 10);
      const renew = `renew the certificate of ${host} in Nginx Proxy Manager (SSL Certificates: Renew Now), and check its /data/logs/letsencrypt.log`;
      if (
        !cert.dnsNames.includes(host.toLowerCase()) &&
        !cert.dnsNames.some((name) => wildcardMatches(name, host))
      )
        fail(
          `${host}:443 presents a certificate for ${cert.dnsNames.join(", ") || "no DNS name"}: clients refuse it`,
          `give the proxy host ${host} a certificate for its own name (proxy.certificate)`,
        );
      const leftMs = cert.validTo.getTime() - now.getTime();
      if (leftMs <= 0) fail(`${host}:443 serves a certificate that expired on ${until}`, renew);
      return `valid until ${until} (${Math.floor(leftMs / DAY_MS)} days left)`;
    });
  }
}

/** `*.example.org` covers exactly one label below example.org. */
function wildcardMatches(pattern: string, host: string): boolean {
  if (!pattern.startsWith("*.")) return false;
  const rest = host.toLowerCase().split(".").slice(1).join(".");
  return rest === pattern.slice(2);
}
