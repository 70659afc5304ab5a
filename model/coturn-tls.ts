import * as path from "node:path";
import { OrgConfig } from "../config/model";
import { COTURN_PATHS } from "../facts/coturn";

/** A host directory bind-mounted read-only into the coturn container. */
export interface CoturnTlsMount {
  readonly hostDir: string;
  readonly containerDir: string;
}

/** coturn's TLS files: what to mount, and the paths turnserver.conf's `cert` and `pkey` name inside the container. */
export interface CoturnTls {
  readonly mounts: readonly CoturnTlsMount[];
  readonly cert: string;
  readonly key: string;
}

/**
 * The directories holding `turn.certFile` and `turn.keyFile` are mounted, not the files: a bind-mounted file is
 * pinned to the file it resolved to when the container started, so a renewal that writes new files would never
 * reach coturn, and SIGUSR2 (coturn's certificate reload) would read the old ones again. A mounted directory shows
 * the new files under the same names.
 */
export function coturnTls(org: OrgConfig): CoturnTls {
  const certDir = path.posix.dirname(org.turn.certFile);
  const keyDir = path.posix.dirname(org.turn.keyFile);
  const inside = (dir: string, file: string) => path.posix.join(dir, path.posix.basename(file));
  if (certDir === keyDir) {
    const containerDir = COTURN_PATHS.tlsDir;
    return {
      mounts: [{ hostDir: certDir, containerDir }],
      cert: inside(containerDir, org.turn.certFile),
      key: inside(containerDir, org.turn.keyFile),
    };
  }
  const certIn = `${COTURN_PATHS.tlsDir}/cert`;
  const keyIn = `${COTURN_PATHS.tlsDir}/key`;
  return {
    mounts: [
      { hostDir: certDir, containerDir: certIn },
      { hostDir: keyDir, containerDir: keyIn },
    ],
    cert: inside(certIn, org.turn.certFile),
    key: inside(keyIn, org.turn.keyFile),
  };
}

/** The sentence coturn's healthcheck prints when its TLS listener fails, which `pulumi up`'s health gate shows. */
export const COTURN_TLS_UNHEALTHY =
  "coturn's TLS listener completes no TLS handshake: it started without TLS because it cannot read turn.certFile or turn.keyFile as uid 65534 (nobody), or they are no matching certificate and key (its log says 'cannot start TLS and DTLS listeners' or 'TLS: ERROR')";

/**
 * coturn's healthcheck (field failure 20): a STUN binding on its listener and, with `turn.tls`, a TLS handshake on its
 * TLS port. coturn keeps running on plain UDP/TCP when it cannot read its key (docs/upstream/coturn.md), so the
 * binding alone stays green without TLS. The handshake is turnutils_uclient's (coturn's own test client, in the
 * image): `-t -S` is TLS over TCP, `-y` spares it a peer; it prints "client session connected with cipher" once the
 * handshake is done (src/apps/uclient/startuclient.c `tls_connect`, 4.6.1 and 4.17.0 alike), then gives up its
 * allocation without credentials; `timeout` bounds it. Read over the image's /bin/sh.
 */
export function coturnHealthcheck(org: OrgConfig): string[] {
  const stun = `turnutils_stunclient -p ${org.ports.turn} 127.0.0.1`;
  if (!org.turn.tls) return ["CMD", ...stun.split(" ")];
  const tls = `timeout 4 turnutils_uclient -t -S -y -p ${org.ports.turnTls} 127.0.0.1 2>&1 | grep -q 'session connected with cipher'`;
  return [
    "CMD-SHELL",
    `${stun} >/dev/null || { echo "coturn's STUN listener on ${org.ports.turn} does not answer"; exit 1; }; ${tls} || { echo "${COTURN_TLS_UNHEALTHY.replace(/"/g, '\\"')}"; exit 1; }`,
  ];
}
