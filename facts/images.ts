/**
 * facts/: what matrix-fleet knows about the software it deploys, the same for every organisation: the release set
 * (this file: the pinned image of every service, each with the upstream fact that makes it work with the others),
 * which version brought or dropped what (versions.ts, compatibility.ts), where each image keeps its config and
 * state and listens (one file per service: synapse.ts, postgres.ts, coturn.ts, livekit.ts, lk-jwt.ts,
 * element-web.ts, jitsi.ts, ketesa.ts, monitoring.ts), the secrets and who consumes them (secrets.ts), the state stores
 * (state-stores.ts) and Nginx Proxy Manager's proxy-host schema. Each fact names the upstream source it was read
 * from (docs/upstream/). The bottom layer: it imports nothing of the project.
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
  | "nodejs"
  | "backup";

export type Images = Readonly<Record<ImageName, string>>;

/** One image of the release set and why it belongs with the others. */
export interface ReleaseEntry {
  readonly image: string;
  /** The upstream fact that makes this version work with the rest of the set. */
  readonly why: string;
  /** Where that fact was read (repository and path, or the registry). */
  readonly source: string;
}

/**
 * The release set: every pinned image in one place, moved together and proven together (the Docker lab deploys the
 * previous set, upgrades it to this one and runs every scenario on it). A tag is bumped on purpose, after reading
 * the release notes; the lab builds the same Synapse and LiveKit versions (lab/setup.sh reads them from here) so that
 * what the tests prove is what gets deployed. checks/release-compat.ts refuses a stack that overrides one image to
 * a version known not to work with the others. docs/upgrades.md shows this table to operators.
 */
export const RELEASE_SET: Readonly<Record<ImageName, ReleaseEntry>> = {
  synapse: {
    image: "matrixdotorg/synapse:v1.163.2",
    why: "the newest PyPI release; native sliding sync for Element X (on by default since 1.114.0), MatrixRTC transports (1.140.0), delayed-event management without a token as lk-jwt-service 0.6.0 calls it (1.143.0) and limited per user (1.156.0); SCHEMA_VERSION 94, SCHEMA_COMPAT_VERSION 84 (rollback to 1.100.0 or newer stays possible)",
    source:
      "PyPI matrix-synapse 1.163.2 wheel: synapse/config/experimental.py, synapse/storage/schema/__init__.py; element-hq/synapse tags (docs/upstream/synapse.md §9)",
  },
  postgres: {
    image: "postgres:16.10-alpine",
    why: "Synapse from 1.143.0 on refuses PostgreSQL older than 14; a major change needs dump and restore (docs/upgrades.md), so the major stays until an operator runs that procedure",
    source: "element-hq/synapse synapse/storage/engines/postgres.py (server_version < 140000 since v1.143.0)",
  },
  elementWeb: {
    image: "vectorim/element-web:v1.12.26",
    why: "bundles an Element Call (0.22 and later ship livekit-client 2.20 and newer) that reads rtc_foci and works in compatibility mode with /sfu/get",
    source:
      "npm @element-hq/element-call-embedded 0.22.0 / 0.24.0 dist (livekit-client@2.20.0 / 2.21.0); element-call docs/matrix_rtc_modes.md",
  },
  coturn: {
    image: "coturn/coturn:4.17",
    why: "TURN REST credentials (use-auth-secret) as Synapse and LiveKit mint them",
    source: "coturn/coturn docker/4.17.0-r0 (docs/upstream/images.md)",
  },
  livekit: {
    image: "livekit/livekit-server:v1.13.5",
    why: "answers the publisher offer livekit-client 2.18.1 and newer sends in its join (servers up to 1.9.9 do not); posts participant webhooks signed with webhook.api_key; the newest version buildable here (1.13.6 needs pion forks the Go proxy refuses)",
    source:
      "livekit/client-sdk-js#1887; livekit/livekit v1.13.5 config (webhook: api_key, urls); lab/README-setup.md",
  },
  lkJwt: {
    image: "ghcr.io/element-hq/lk-jwt-service:0.6.0",
    why: "serves /get_token (0.4.0) and /sfu/get, and delegates a member's delayed leave (MSC4140) once LiveKit's webhook reaches /sfu_webhook; calls Synapse's delayed-event management without a token (Synapse 1.143.0 and later)",
    source:
      "element-hq/lk-jwt-service default branch a375b13 (no 0.6.0 tag readable): handler.go, helper.go, README 'LiveKit SFU Wiring (Webhooks)'; ESS / MDAD ship 0.6.0",
  },
  jitsiWeb: {
    image: "ghcr.io/jitsi/web:stable-11146-2",
    why: "the four Jitsi images are one release",
    source: "jitsi/docker-jitsi-meet stable-11146-2",
  },
  jitsiProsody: {
    image: "ghcr.io/jitsi/prosody:stable-11146-2",
    why: "the four Jitsi images are one release",
    source: "jitsi/docker-jitsi-meet stable-11146-2",
  },
  jitsiJicofo: {
    image: "ghcr.io/jitsi/jicofo:stable-11146-2",
    why: "the four Jitsi images are one release",
    source: "jitsi/docker-jitsi-meet stable-11146-2",
  },
  jitsiJvb: {
    image: "ghcr.io/jitsi/jvb:stable-11146-2",
    why: "the four Jitsi images are one release",
    source: "jitsi/docker-jitsi-meet stable-11146-2",
  },
  ketesa: {
    image: "ghcr.io/etkecc/ketesa:v1.4.0",
    why: "talks to Synapse's admin API only",
    source: "etkecc/ketesa v1.4.0",
  },
  // Monitoring (issue #27): the versions Debian 12 packages, which the lab builds its images from, so that what the
  // lab proves (flags, config keys, metric names) is what gets deployed (docs/upstream/monitoring.md).
  prometheus: {
    image: "prom/prometheus:v2.42.0",
    why: "the version Debian 12 packages (the lab's image and promtool); reads the rule files and scrape configs the monitoring renders",
    source: "prometheus/prometheus v2.42.0 (docs/upstream/monitoring.md)",
  },
  alertmanager: {
    image: "prom/alertmanager:v0.25.0",
    why: "the version Debian 12 packages (the lab's image and amtool); receives Prometheus 2.42's alerts",
    source: "prometheus/alertmanager v0.25.0 (docs/upstream/monitoring.md)",
  },
  nodeExporter: {
    image: "prom/node-exporter:v1.5.0",
    why: "the version Debian 12 packages; the filesystem metrics the disk alert reads",
    source: "prometheus/node_exporter v1.5.0 (docs/upstream/monitoring.md)",
  },
  postgresExporter: {
    image: "quay.io/prometheuscommunity/postgres-exporter:v0.11.1",
    why: "the version Debian 12 packages; pg_stat_activity_count and pg_settings_max_connections for the connections alert",
    source: "prometheus-community/postgres_exporter v0.11.1 (docs/upstream/monitoring.md)",
  },
  nodejs: {
    image: "node:22.22.0-alpine3.23",
    why: "runs the call probe and the alert bot (agents/), bundled by esbuild and uploaded into the upstream Node image",
    source: "nodejs/docker-node 22.22.0 alpine3.23",
  },
  backup: {
    image: "restic/restic:0.14.0",
    why: "repository version 2 (compression) needs restic 0.14.0 or newer; the version Debian 12 ships, which the lab builds; the dump runs in the server's own postgres image (same major), the scheduler and scripts are matrix-fleet's own (config-templates/backup/), run by the image's busybox sh",
    source:
      "restic/restic v0.14.0 docker/Dockerfile, doc/030_preparing_a_new_repo.rst (docs/upstream/restic.md)",
  },
};

/**
 * The release set before this one: what an organisation runs until its next `pulumi up`. The Docker lab deploys it
 * and upgrades it to RELEASE_SET on every run (lab/scenarios/upgrade.ts). Only the images that changed are listed.
 */
export const PREVIOUS_RELEASE: Readonly<Partial<Record<ImageName, string>>> = {
  synapse: "matrixdotorg/synapse:v1.157.1",
  lkJwt: "ghcr.io/element-hq/lk-jwt-service:0.5.0",
};

export const DEFAULT_IMAGES: Images = Object.fromEntries(
  Object.entries(RELEASE_SET).map(([name, entry]) => [name, entry.image]),
) as Record<ImageName, string>;

/** The previous release set, whole. */
export const PREVIOUS_IMAGES: Images = { ...DEFAULT_IMAGES, ...PREVIOUS_RELEASE };

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
