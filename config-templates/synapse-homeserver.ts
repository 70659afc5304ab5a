import { deepMerge } from "../config/merge";
import { OrgConfig } from "../config/model";
import { SecretValues } from "../facts/secrets";
import { DATABASE } from "../facts/postgres";
import {
  CREATOR_POWER_ROOM_VERSIONS,
  ELEMENT_CALL_RATE_LIMITS,
  SYNAPSE_DEFAULT_EVENT_POWER_LEVELS,
  synapseDefaultRoomVersion,
  SYNAPSE_PATHS,
  SYNAPSE_ROOM_PRESETS,
  URL_PREVIEW_DENIED_RANGES,
} from "../facts/synapse";
import { CALL_MEMBER_EVENT_TYPE } from "../facts/element-call";
import { homeserverBaseUrl, livekitServiceUrl, signingKeyPath } from "../model/topology";
import { delayedEventLimit } from "../model/release";
import { imageVersion } from "../facts/versions";
import { toYaml } from "./formats";
import { turnUris } from "../model/turn-uris";
import { MONITORING_CONTAINER_PORTS } from "../facts/monitoring";

/**
 * Synapse `homeserver.yaml` as a document (checked by preflight) and as text.
 * Keys follow Synapse's config documentation (docs/usage/configuration/config_documentation.md) for the pinned
 * version; MatrixRTC keys follow element-call docs/self_hosting.md.
 */
export function synapseHomeserverDocument(org: OrgConfig, secrets: SecretValues): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    server_name: org.serverName,
    public_baseurl: `${homeserverBaseUrl(org)}/`,
    // The reverse proxy serves both well-known files statically (with CORS), so Synapse does not.
    serve_server_wellknown: false,
    pid_file: `${SYNAPSE_PATHS.dataDir}/homeserver.pid`,
    report_stats: false,
    listeners: [
      {
        port: org.ports.synapse,
        tls: false,
        type: "http",
        // Behind the proxy: take the client's address from X-Forwarded-For (which NPM's custom locations set to
        // the peer), or every user shares the proxy's address and its per-IP rate-limit buckets.
        x_forwarded: true,
        bind_addresses: ["0.0.0.0"],
        // `federation` also serves `openid`, which lk-jwt-service needs to validate MatrixRTC users.
        resources: [{ names: ["client", "federation"], compress: false }],
      },
      // The stack's Prometheus scrapes a listener of its own (docs/metrics-howto.md: `type: metrics`), on a port
      // the container does not publish: metrics never go through the proxy.
      ...(org.components.monitoring
        ? [{ port: MONITORING_CONTAINER_PORTS.synapseMetrics, type: "metrics", bind_addresses: ["0.0.0.0"] }]
        : []),
    ],
    database: {
      name: "psycopg2",
      args: {
        // An adopted database keeps the role and name it was created with.
        user: org.adoption.database.user,
        password: secrets.postgres_password,
        dbname: org.adoption.database.name,
        host: DATABASE.host,
        port: DATABASE.port,
        cp_min: 5,
        cp_max: 10,
      },
    },
    log_config: SYNAPSE_PATHS.logConfig,
    media_store_path: org.adoption.mediaStorePath,
    signing_key_path: signingKeyPath(org),
    // Private federation: fetch peers' keys from the peers themselves. The default notary (matrix.org) is not on
    // any whitelist, so asking it would only fail.
    trusted_key_servers: [],
    suppress_key_server_warning: true,
    macaroon_secret_key: secrets.macaroon_secret_key,
    form_secret: secrets.form_secret,
    registration_shared_secret: secrets.registration_shared_secret,
    enable_registration: org.synapse.enableRegistration,
    // Synapse treats an empty list as "federate with nobody" and an absent key as "federate with everybody";
    // the list is always written, so no organisation is ever open by accident.
    federation_domain_whitelist: [...org.federationPeers],
    allow_public_rooms_over_federation: false,
    max_upload_size: org.synapse.maxUploadSize,
    url_preview_enabled: org.synapse.urlPreviews,
    enable_metrics: org.synapse.enableMetrics,
    // Cached remote media is purged after this long without access, so the disk (and nothing in the backups:
    // remote media is never backed up) stays bounded; local media, possibly the only copy anywhere, is kept
    // (config_documentation.md §media_retention, v1.157.1).
    media_retention: { remote_media_lifetime: org.synapse.remoteMediaLifetime },
  };
  if (org.synapse.urlPreviews) doc.url_preview_ip_range_blacklist = [...URL_PREVIEW_DENIED_RANGES];
  if (org.synapse.adminContact !== undefined) doc.admin_contact = org.synapse.adminContact;

  if (org.components.coturn) {
    doc.turn_uris = turnUris(org);
    doc.turn_shared_secret = secrets.turn_shared_secret;
    doc.turn_user_lifetime = org.synapse.turnUserLifetime;
    doc.turn_allow_guests = org.synapse.turnAllowGuests;
  }

  if (org.components.matrixRtc) Object.assign(doc, matrixRtcSettings(org));

  return withMembersJoiningCalls(
    org,
    deepMerge(deepMerge(doc, org.overrides.synapse), org.overrides.unjudged.synapse),
  );
}

/**
 * After the overrides, so that the tombstone level follows the room version they may choose; an override of the
 * levels themselves is left alone (preflight judges it).
 */
function withMembersJoiningCalls(org: OrgConfig, merged: Record<string, unknown>): Record<string, unknown> {
  const key = "default_power_level_content_override";
  if (org.components.matrixRtc && !(key in org.overrides.synapse) && !(key in org.overrides.unjudged.synapse))
    merged[key] = membersJoinCalls(
      merged.default_room_version ?? synapseDefaultRoomVersion(imageVersion(org.images.synapse)),
    );
  return merged;
}

/**
 * New rooms in which members may join calls (field failure 29): for each preset, Synapse's own `events` levels
 * (facts/synapse.ts: the override replaces the map, it does not add to it) with the call membership at 0, the
 * level of `users_default`. Element Web sets the same in rooms it creates with group calls on; rooms made by other
 * clients, bots or the admin API get it only from here. An `events` map a client sends at creation still wins.
 */
function membersJoinCalls(roomVersion: unknown): Record<string, unknown> {
  const creatorPower = CREATOR_POWER_ROOM_VERSIONS.includes(String(roomVersion));
  const events = {
    ...SYNAPSE_DEFAULT_EVENT_POWER_LEVELS,
    ...(creatorPower ? { "m.room.tombstone": 150 } : {}),
    [CALL_MEMBER_EVENT_TYPE]: 0,
  };
  return Object.fromEntries(SYNAPSE_ROOM_PRESETS.map((preset) => [preset, { events }]));
}

/** What MatrixRTC (Element Call) needs of Synapse (element-call docs/self_hosting.md; docs/upstream/synapse.md §8). */
function matrixRtcSettings(org: OrgConfig): Record<string, unknown> {
  const { rc_message } = ELEMENT_CALL_RATE_LIMITS;
  const delayed = delayedEventLimit(org);
  return {
    experimental_features: {
      // MSC4143: clients ask Synapse for the RTC transports. Never without a non-empty matrix_rtc.transports.
      msc4143_enabled: true,
      // MSC4222 + delayed events: a call member that drops off is removed instead of haunting the room.
      msc4222_enabled: true,
    },
    matrix_rtc: { transports: [{ type: "livekit", livekit_service_url: livekitServiceUrl(org) }] },
    max_event_delay_duration: org.synapse.maxEventDelayDuration,
    // Element Call's documented minimum for E2EE key sharing, which comes in bursts; and the delayed-event limit for
    // every call member's heartbeat: Element Call's minimum, or with delegated leave the restarts lk-jwt-service
    // makes for all of the organisation's call members from its one address (model/release.ts).
    rc_message: { per_second: rc_message.per_second, burst_count: rc_message.burst_count },
    rc_delayed_event_mgmt: { per_second: delayed.per_second, burst_count: delayed.burst_count },
  };
}

export function renderSynapseHomeserver(document: Readonly<Record<string, unknown>>): string {
  return toYaml(document);
}
