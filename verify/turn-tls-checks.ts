import { VerifyContext, fail } from "./context";

/** How much of its lifetime a served certificate may have left before its renewal counts as missed. */
const RENEWAL_MISSED_FRACTION = 1 / 4;
const DAY_MS = 86_400_000;

/**
 * The certificate coturn serves on its TLS port (field failure 21): coturn reads a renewed certificate only on
 * SIGUSR2 or a restart, so an old one keeps being served until it expires and TURN over TLS dies. certbot renews
 * 90-day certificates with 30 days (a third) left; a served certificate with under a quarter of its lifetime left
 * means the renewal did not reach coturn. Judged on the certificate's own lifetime, so short-lived ones (a lab's)
 * are judged alike.
 */
export async function turnCertificateCheck(ctx: VerifyContext, now = new Date()): Promise<void> {
  const { org, net, timeoutMs } = ctx;
  if (!org.components.coturn || !org.turn.tls) return;
  const host = org.hosts.turn;
  await ctx.check(`coturn's TLS certificate on ${org.ports.turnTls}`, async () => {
    const address = await net.resolve4(host);
    const cert = await net
      .servedCertificate(address, org.ports.turnTls, host, timeoutMs)
      .catch((error: NodeJS.ErrnoException) => fail(...noCertificate(ctx, address, error)));
    ctx.certificates.push({ host, port: org.ports.turnTls, notAfter: cert.validTo });
    const hook = `copy the renewed files for ${host} to turn.certFile/turn.keyFile and send coturn SIGUSR2 (the deploy hook in summary.md), or docker restart matrix-${org.stack}-coturn`;
    const until = cert.validTo.toISOString().slice(0, 10);
    if (!cert.dnsNames.includes(host))
      fail(
        `coturn presents a certificate for ${cert.dnsNames.join(", ") || "no DNS name"}, not ${host}: TURN over TLS clients refuse it`,
        `point turn.certFile/turn.keyFile at a certificate for ${host}`,
      );
    const leftMs = cert.validTo.getTime() - now.getTime();
    if (leftMs <= 0) fail(`coturn still serves a certificate that expired on ${until}`, hook);
    const lifetimeMs = cert.validTo.getTime() - cert.validFrom.getTime();
    const days = Math.floor(leftMs / DAY_MS);
    if (leftMs < lifetimeMs * RENEWAL_MISSED_FRACTION)
      fail(
        `coturn serves a certificate that expires on ${until} (in ${days} days, under a quarter of its lifetime): a renewal would have happened by now and has not reached coturn`,
        hook,
      );
    return `for ${host}, valid until ${until} (${days} days left)`;
  });
}

/**
 * Why no certificate came back, as far as it can be told from outside (field failure 20). coturn keeps running on
 * plain TCP and UDP when it cannot read its certificate or key (docs/upstream/coturn.md): then its listener answers
 * and nothing listens on the TLS port. A listener that takes the connection but fails the handshake holds a
 * certificate and key OpenSSL refused. No answer at all is the router's or a firewall's.
 */
function noCertificate(
  ctx: VerifyContext,
  address: string,
  error: NodeJS.ErrnoException,
): [message: string, fix: string] {
  const { org } = ctx;
  const where = `${address}:${org.ports.turnTls}`;
  const logs = `docker logs matrix-${org.stack}-coturn 2>&1 | grep -E 'cannot (find|start)|TLS: ERROR'`;
  const plainAnswers = ctx.results.some((r) => r.name === "TURN allocation over TCP" && r.outcome === "pass");
  if (error.code === "ECONNREFUSED")
    return plainAnswers
      ? [
          `nothing listens on ${where} while coturn answers TURN over TCP on ${org.ports.turn}: coturn started without its TLS listener, which it does when it cannot read its key or certificate (uid 65534 reads them)`,
          `make turn.keyFile and turn.certFile readable by uid 65534 on the Docker host (the deploy hook in summary.md installs the key 0640 with group 65534), then docker restart matrix-${org.stack}-coturn (SIGUSR2 cannot open a listener that never started); ${logs}`,
        ]
      : [
          `no TLS listener on ${where} (connection refused)`,
          `with turn.tls, coturn listens on ${org.ports.turnTls} once it can read its certificate and key: check that coturn runs and ${logs}`,
        ];
  if (/timed out/.test(error.message))
    return [
      `no answer from ${where}: ${error.message}`,
      `forward tcp/${org.ports.turnTls} to the Docker host (router-checklist.md)`,
    ];
  return [
    `coturn's TLS listener on ${where} takes the connection but fails the handshake (${error.code ?? error.message}): it holds a certificate and key OpenSSL refused (not a pair, or not PEM)`,
    `point turn.certFile and turn.keyFile at the full chain and private key of one certificate for ${org.hosts.turn}, then docker restart matrix-${org.stack}-coturn; ${logs}`,
  ];
}
