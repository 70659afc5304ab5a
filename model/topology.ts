/**
 * model/: what follows from a valid `OrgConfig` and several layers need: Docker names, public URLs and Synapse's
 * mounts (this file), the ports its port plan binds on the host (host-ports.ts; config-templates/deployed-ports.ts reads
 * what the rendered documents really bind), the TURN URIs Synapse hands out, and the operator outputs. Pure. May
 * import facts/ and config/.
 */
import { OrgConfig } from "../config/model";
import { SYNAPSE_PATHS, isUnder } from "../facts/synapse";

/**
 * Names, public URLs and mounts of one organisation, derived from its config. Renderers and components both read
 * them from here, so a file always names the address or path the component really uses.
 */

/** Docker object names carry the stack so that two organisations could share a host without collisions. */
export function dockerName(stack: string, service: string): string {
  return `matrix-${stack}-${service}`;
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

/** The public URL Element clients use for the homeserver. */
export function homeserverBaseUrl(org: Pick<OrgConfig, "hosts">): string {
  return `https://${org.hosts.homeserver}`;
}

/** lk-jwt-service behind the reverse proxy, as MatrixRTC clients are told in `rtc_foci` and MSC4143 transports. */
export function livekitServiceUrl(org: Pick<OrgConfig, "hosts">): string {
  return `https://${org.hosts.rtc}/livekit/jwt`;
}

/** LiveKit's public WebSocket URL: lk-jwt-service hands it to clients, so it must be reachable from outside. */
export function livekitPublicUrl(org: Pick<OrgConfig, "hosts">): string {
  return `wss://${org.hosts.rtc}/livekit/sfu`;
}
