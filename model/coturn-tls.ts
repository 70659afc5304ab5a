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
