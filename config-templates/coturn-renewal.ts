import { posix } from "node:path";
import { COTURN_IMAGE_USER } from "../facts/coturn";
import { dockerName } from "../model/topology";
import { StackPlan } from "./plan";

/**
 * summary.md's section on coturn's TLS certificate: who must be able to read the files, and the renewal path that
 * reaches coturn. coturn reloads its certificate only on SIGUSR2 (no timer, no file watch); a reload that fails keeps
 * the old certificate, and a listener that never started (unreadable key at start) needs a restart
 * (docs/upstream/coturn.md, "How certificates are reloaded").
 */
const dirname = (file: string) => posix.dirname(file);

export function coturnCertificateSection({ org, coturn }: StackPlan): string[] {
  if (coturn === undefined || !org.turn.tls) return [];
  const { uid, gid, name } = COTURN_IMAGE_USER;
  const container = dockerName(org.stack, "coturn");
  return [
    "## coturn's TLS certificate",
    "",
    `coturn (\`${org.hosts.turn}\`, TLS on ${org.ports.turnTls}) reads \`${org.turn.certFile}\` and \`${org.turn.keyFile}\` on the`,
    `Docker host as ${name} (${uid}:${gid}), at start and on every reload; their directories are mounted read-only, so`,
    "renewed files replace the old ones in place. Renewal with certbot, as a deploy hook",
    `(\`/etc/letsencrypt/renewal-hooks/deploy/coturn-${org.stack}.sh\`, run once per renewed certificate):`,
    "",
    "```sh",
    `[ "$RENEWED_LINEAGE" = /etc/letsencrypt/live/${org.hosts.turn} ] || exit 0`,
    ...[...new Set([dirname(org.turn.certFile), dirname(org.turn.keyFile)])].map(
      (dir) => `install -d -m 0755 ${dir}`,
    ),
    `install -m 0644 "$RENEWED_LINEAGE/fullchain.pem" ${org.turn.certFile}`,
    `install -m 0640 -g ${gid} "$RENEWED_LINEAGE/privkey.pem" ${org.turn.keyFile}`,
    `docker kill --signal=SIGUSR2 ${container}   # coturn reloads its certificate; calls go on`,
    "```",
    "",
    `If coturn started without TLS (the key was unreadable: its log says \`cannot start TLS and DTLS listeners\`), fix the`,
    `files and \`docker restart ${container}\`: SIGUSR2 cannot start a listener that never started.`,
    "",
  ];
}
