/**
 * Synapse as the pinned image runs it: where it keeps its config and state inside the container, and the user it
 * runs as. Renderers, the config parser (adopted paths must stay inside the mounted state) and the component all
 * read them from here, so a config file always points at the place the component mounts it.
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

/** Synapse's image runs Synapse as this user (docker/start.py: UID/GID default 991). */
export const SYNAPSE_UID = 991;

/** Where a new stack keeps its signing key; an adopted stack names its own (`adopt.synapse.signingKeyPath`). */
export function defaultSigningKeyPath(serverName: string): string {
  return `${SYNAPSE_PATHS.signingKeyDir}/${serverName}.signing.key`;
}

/** True when `path` is `dir` or inside it (both absolute, normalised). */
export function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}
