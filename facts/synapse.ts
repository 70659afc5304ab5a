import { Version, atLeast } from "./versions";

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

/**
 * `url_preview_ip_range_blacklist`: Synapse refuses to start with URL previews on and no such list (config/repository.py,
 * v1.157.1: "For security, you must specify an explicit target IP address blacklist"); the list is the one its
 * config documentation recommends, so that a link posted in a room cannot make Synapse fetch internal services.
 */
export const URL_PREVIEW_DENIED_RANGES: readonly string[] = [
  "127.0.0.0/8",
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "192.0.0.0/24",
  "169.254.0.0/16",
  "192.88.99.0/24",
  "198.18.0.0/15",
  "192.0.2.0/24",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4",
  "::1/128",
  "fe80::/10",
  "fc00::/7",
  "2001:db8::/32",
  "ff00::/8",
  "fec0::/10",
];

/** A Synapse rate limit: tokens per second and the bucket's size. */
export interface RateLimit {
  readonly per_second: number;
  readonly burst_count: number;
}

/**
 * Synapse v1.157.1's defaults when a rate limit is not configured (synapse/config/ratelimiting.py: rc_message
 * lines 89-98, rc_delayed_event_mgmt lines 238-242).
 */
export const SYNAPSE_RATE_LIMIT_DEFAULTS = {
  rc_message: { per_second: 0.2, burst_count: 10 },
  rc_delayed_event_mgmt: { per_second: 1, burst_count: 5 },
} as const satisfies Record<string, RateLimit>;

/**
 * The minimums Element Call's self-hosting guide gives (element-call v0.24.0 docs/self_hosting.md lines ~53-63),
 * with its reasons: rc_message covers E2EE key sharing, which is bursty; rc_delayed_event_mgmt covers the MatrixRTC
 * heartbeat (a restart of the delayed leave event every 5 s per member).
 */
export const ELEMENT_CALL_RATE_LIMITS = {
  rc_message: { per_second: 0.5, burst_count: 30, why: "E2EE key sharing, which comes in bursts" },
  rc_delayed_event_mgmt: {
    per_second: 1,
    burst_count: 20,
    why: "the call heartbeat: each member restarts its delayed leave event every 5 s",
  },
} as const satisfies Record<keyof typeof SYNAPSE_RATE_LIMIT_DEFAULTS, RateLimit & { why: string }>;

/**
 * Room power levels (issue #29, field failure 29). Synapse v1.157.1 builds a new room's `m.room.power_levels` in
 * `synapse/handlers/room.py` (`_send_events_for_new_room`): `events` below, `events_default` 0, `state_default` 50,
 * `users_default` 0; then `power_level_content.update(...)` with the preset's own override, then with
 * `default_power_level_content_override[<preset>]` from homeserver.yaml, then with the request's
 * `power_level_content_override`. Each `update` is shallow: an `events` map there replaces this whole map
 * (config_documentation.md says so too), so an override that adds one event type must repeat these.
 */
export const SYNAPSE_ROOM_PRESETS = ["private_chat", "trusted_private_chat", "public_chat"] as const;

/** `events` of a new room's power levels; `m.room.tombstone` is 150 in room versions with MSC4289 creator power. */
export const SYNAPSE_DEFAULT_EVENT_POWER_LEVELS: Readonly<Record<string, number>> = {
  "m.room.name": 50,
  "m.room.power_levels": 100,
  "m.room.history_visibility": 100,
  "m.room.canonical_alias": 50,
  "m.room.avatar": 50,
  "m.room.tombstone": 100,
  "m.room.server_acl": 100,
  "m.room.encryption": 100,
};

/** Room versions with MSC4289 creator power (`KNOWN_ROOM_VERSIONS` of v1.157.1 and v1.163.2). */
export const CREATOR_POWER_ROOM_VERSIONS: readonly string[] = ["12", "org.matrix.hydra.11"];

/**
 * The room version Synapse gives a new room when homeserver.yaml names none (`DEFAULT_ROOM_VERSION`,
 * synapse/config/server.py): "10" in v1.157.1, "12" in v1.163.2 (read in both PyPI wheels). The releases between
 * were not read and count as "10": that errs only towards a tombstone level of 100 in a v12 room (room admins may
 * upgrade it), never towards 150 in a v10 room (which no one but a level above 100 could upgrade).
 */
export function synapseDefaultRoomVersion(synapse: Version | undefined): string {
  return synapse !== undefined && atLeast(synapse, "1.163.2") ? "12" : "10";
}
