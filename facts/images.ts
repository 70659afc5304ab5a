/**
 * facts/: what matrix-fleet knows about the software it deploys, the same for every organisation: the pinned images
 * (this file), where each image keeps its config and state and listens (one file per service: synapse.ts,
 * postgres.ts, coturn.ts, livekit.ts, lk-jwt.ts, element-web.ts, jitsi.ts, ketesa.ts, monitoring.ts), the secrets and who consumes
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
  | "prometheus"
  | "alertmanager"
  | "nodeExporter"
  | "postgresExporter"
  | "nodejs";

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
  // Monitoring (issue #27): the versions Debian 12 packages, which the lab builds its images from, so that what the
  // lab proves (flags, config keys, metric names) is what gets deployed (docs/upstream/monitoring.md).
  prometheus: "prom/prometheus:v2.42.0",
  alertmanager: "prom/alertmanager:v0.25.0",
  nodeExporter: "prom/node-exporter:v1.5.0",
  postgresExporter: "quay.io/prometheuscommunity/postgres-exporter:v0.11.1",
  // The call probe and the alert bot (agents/), bundled by esbuild and uploaded into the upstream Node image.
  nodejs: "node:22.22.0-alpine3.23",
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
