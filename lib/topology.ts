import { OrgConfig } from "./model";

/**
 * Names and paths inside a stack's containers. Renderers and components both read them from here, so a config
 * file always points at the place the component mounts it.
 */
export const SYNAPSE_PATHS = {
  configDir: "/config",
  config: "/config/homeserver.yaml",
  logConfig: "/config/log.config",
  /** Volume: Synapse's own state (pid file, signing key). */
  dataDir: "/data",
  signingKeyDir: "/data/keys",
  /** Volume of its own: uploaded media, the bulk of the data. */
  mediaStore: "/media_store",
} as const;

/** Docker object names carry the stack so that two organisations could share a host without collisions. */
export function dockerName(stack: string, service: string): string {
  return `matrix-${stack}-${service}`;
}

/** Synapse's image runs Synapse as this user (docker/start.py: UID/GID default 991). */
export const SYNAPSE_UID = 991;

export const DATABASE = {
  /** Network alias of the PostgreSQL container on the stack network. */
  host: "postgres",
  port: 5432,
  name: "synapse",
  user: "synapse",
} as const;

export const COTURN_PATHS = {
  config: "/etc/coturn/turnserver.conf",
  cert: "/etc/coturn/tls/fullchain.pem",
  key: "/etc/coturn/tls/privkey.pem",
} as const;

export const LIVEKIT_PATHS = { config: "/etc/livekit.yaml" } as const;

/** Where a new stack keeps its signing key; an adopted stack names its own (`adopt.synapse.signingKeyPath`). */
export function defaultSigningKeyPath(serverName: string): string {
  return `${SYNAPSE_PATHS.signingKeyDir}/${serverName}.signing.key`;
}

export function signingKeyPath(org: OrgConfig): string {
  return org.adoption.signingKeyPath;
}

/**
 * The container mount points of Synapse's state and which store each holds. The media store gets its own mount
 * only when the media path is under it; an adopted layout with media inside the data directory needs none.
 */
export function synapseMounts(
  org: OrgConfig,
): Array<{ target: string; store: "synapseData" | "synapseMedia" }> {
  const mounts: Array<{ target: string; store: "synapseData" | "synapseMedia" }> = [
    { target: SYNAPSE_PATHS.dataDir, store: "synapseData" },
  ];
  if (isUnder(org.adoption.mediaStorePath, SYNAPSE_PATHS.mediaStore))
    mounts.push({ target: SYNAPSE_PATHS.mediaStore, store: "synapseMedia" });
  return mounts;
}

/** True when `path` is `dir` or inside it (both absolute, normalised). */
export function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

/** The public URL Element clients use for the homeserver. */
export function homeserverBaseUrl(org: OrgConfig): string {
  return `https://${org.hosts.homeserver}`;
}

/** lk-jwt-service behind the reverse proxy, as MatrixRTC clients are told in `rtc_foci` and MSC4143 transports. */
export function livekitServiceUrl(org: OrgConfig): string {
  return `https://${org.hosts.rtc}/livekit/jwt`;
}

/** LiveKit's public WebSocket URL: lk-jwt-service hands it to clients, so it must be reachable from outside. */
export function livekitPublicUrl(org: OrgConfig): string {
  return `wss://${org.hosts.rtc}/livekit/sfu`;
}
