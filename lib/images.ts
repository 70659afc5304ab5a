import { ImageName, Images } from "./model";

/**
 * Pinned images. A tag is bumped on purpose, after reading the release notes; the lab runs the same Synapse and
 * LiveKit versions (see `lab/versions.ts`) so that what the tests prove is what gets deployed.
 */
export const DEFAULT_IMAGES: Images = {
  synapse: "matrixdotorg/synapse:v1.157.1",
  postgres: "postgres:16.10-alpine",
  elementWeb: "vectorim/element-web:v1.12.3",
  coturn: "coturn/coturn:4.7.0",
  livekit: "livekit/livekit-server:v1.13.5",
  lkJwt: "ghcr.io/element-hq/lk-jwt-service:0.5.0",
  jitsiWeb: "jitsi/web:stable-10431",
  jitsiProsody: "jitsi/prosody:stable-10431",
  jitsiJicofo: "jitsi/jicofo:stable-10431",
  jitsiJvb: "jitsi/jvb:stable-10431",
  ketesa: "ghcr.io/etkecc/ketesa:v1.4.0",
};

export const IMAGE_NAMES = Object.keys(DEFAULT_IMAGES) as ImageName[];

/** `repo:tag` without a moving tag; digests (`@sha256:`) are pinned too. */
export function isPinned(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const lastSegment = image.split("/").pop() ?? "";
  const colon = lastSegment.lastIndexOf(":");
  if (colon < 0) return false;
  const tag = lastSegment.slice(colon + 1);
  return !["latest", "stable", "main", "master", "develop", "unstable", "nightly"].includes(tag);
}
