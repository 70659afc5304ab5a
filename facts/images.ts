/**
 * facts/: what matrix-fleet knows about the software it deploys, the same for every organisation: the pinned images
 * (this file), where each image keeps its config and state and listens (one file per service: synapse.ts,
 * postgres.ts, coturn.ts, livekit.ts, lk-jwt.ts, element-web.ts, jitsi.ts, ketesa.ts), the secrets and who consumes
 * them (secrets.ts), the state stores (state-stores.ts) and Nginx Proxy Manager's proxy-host schema. Each fact
 * names the upstream source it was read from (docs/upstream/). The bottom layer: it imports nothing of the project.
 */
/** The images a stack runs, by role. */
export type ImageName =
  | "synapse"
  | "postgres"
  | "elementWeb"
  | "coturn"
  | "livekit"
  | "lkJwt"
  | "jitsiWeb"
  | "jitsiProsody"
  | "jitsiJicofo"
  | "jitsiJvb"
  | "ketesa"
  | "backup";

export type Images = Readonly<Record<ImageName, string>>;

/**
 * Pinned images, at the versions listed in shared/reference/matrix-rtc-facts.md. A tag is bumped on purpose,
 * after reading the release notes; the lab runs the same Synapse and LiveKit versions (lab/setup.sh) so that what
 * the tests prove is what gets deployed. Element Web 1.12.26 still bundles an Element Call that reads rtc_foci.
 */
export const DEFAULT_IMAGES: Images = {
  synapse: "matrixdotorg/synapse:v1.157.1",
  postgres: "postgres:16.10-alpine",
  elementWeb: "vectorim/element-web:v1.12.26",
  coturn: "coturn/coturn:4.17",
  livekit: "livekit/livekit-server:v1.13.5",
  lkJwt: "ghcr.io/element-hq/lk-jwt-service:0.5.0",
  jitsiWeb: "ghcr.io/jitsi/web:stable-11146-2",
  jitsiProsody: "ghcr.io/jitsi/prosody:stable-11146-2",
  jitsiJicofo: "ghcr.io/jitsi/jicofo:stable-11146-2",
  jitsiJvb: "ghcr.io/jitsi/jvb:stable-11146-2",
  ketesa: "ghcr.io/etkecc/ketesa:v1.4.0",
  // restic's official image at the version Debian 12 ships (docs/upstream/restic.md); the scheduler and the
  // scripts are matrix-fleet's own (config-templates/backup/), run by the image's busybox sh.
  backup: "restic/restic:0.14.0",
};

export const IMAGE_NAMES = Object.keys(DEFAULT_IMAGES) as ImageName[];

/**
 * Words in a tag that name the base image or a build variant, not the software's version: `postgres:alpine3.19`
 * moves with every PostgreSQL release, `postgres:16.10-alpine` does not.
 */
const VARIANT_WORDS =
  /(alpine|bookworm|bullseye|buster|trixie|jammy|noble|focal|ubuntu|debian|slim|windowsservercore|nanoserver|ltsc)[\d.]*/gi;

/** The tag of an image reference (after the last `:` of its last path segment), if it has one. */
export function imageTag(image: string): string | undefined {
  const lastSegment =
    image
      .replace(/@sha256:[0-9a-f]{64}$/, "")
      .split("/")
      .pop() ?? "";
  const colon = lastSegment.lastIndexOf(":");
  return colon < 0 ? undefined : lastSegment.slice(colon + 1);
}

/**
 * Pinned: a digest (`@sha256:`), or a tag that names a version of the software: a number once the base image's
 * and variant's words are taken out. `latest`, `stable`, `main`, `edge`, `alpine`, `lts`, `bookworm` name none, and
 * a registry moves them without a config change.
 */
export function isPinned(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const tag = imageTag(image);
  return tag !== undefined && /\d/.test(tag.replace(VARIANT_WORDS, ""));
}
