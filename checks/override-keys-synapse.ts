import { StackPlan } from "../config-templates/plan";
import { ServiceRegistry, Registry, refused } from "./override-registry";
import {
  judgeAutoJoinRooms,
  judgeIpRangeWhitelist,
  judgeListeners,
  judgePreviewBlacklist,
  judgeRtcTransports,
  judgeTrustedKeyServers,
} from "./override-judges-synapse";
import {
  BOOLEAN,
  CIDR,
  DATABASE,
  DURATION,
  LISTENER,
  LISTENER_DOC,
  POWER_LEVELS,
  RATE,
  SECRET_KEY,
  STRING,
  STRINGS,
  key,
  mine,
  trueRefused,
} from "./override-keys-synapse-parts";
import { SYNAPSE_ROOM_PRESETS } from "../facts/synapse";

/**
 * The Synapse keys an override may set (homeserver.yaml), with their types as Synapse v1.157.1 reads them. Types
 * are those of docs/usage/configuration/config_documentation.md at tag v1.157.1 (the `*(type)*` of each heading;
 * docs/upstream/synapse.md, "Override keys matrix-fleet judges"). Keys matrix-fleet writes itself are owned: an
 * override may repeat them, never change them (the stack key that sets each is named). Any other key of Synapse's is
 * refused until it is judged here, or marked unjudged by the operator.
 */

export const SYNAPSE_KEYS: Registry = {
  server_name: key(STRING, { checkedBy: { check: "checkSynapseBasics" } }),
  public_baseurl: mine(
    STRING,
    "hosts.homeserver",
    "clients, login redirects and media links follow it; only https://<hosts.homeserver>/ is what the proxy serves (an http:// one is refused by clients and breaks single sign-on)",
  ),
  serve_server_wellknown: key(BOOLEAN),
  pid_file: mine(
    STRING,
    "Synapse's data directory",
    "Synapse writes it at start, and outside /data the container cannot",
  ),
  report_stats: key(BOOLEAN, { checkedBy: { check: "checkSynapseBasics" } }),
  listeners: key(
    { kind: "list", item: LISTENER },
    {
      source: LISTENER_DOC,
      checkedBy: {
        check: "checkOverriddenPorts, checkMatrixRtc, checkSynapseRateLimits (port, openid, x_forwarded)",
      },
      judge: judgeListeners,
    },
  ),
  database: key({ kind: "section", keys: DATABASE }),
  databases: key(
    { kind: "map", value: { kind: "section", keys: {} } },
    {
      judge: refused(
        "databases (several named databases) replaces database, which matrix-fleet writes for the stack's PostgreSQL: Synapse refuses the two together, or would keep its data elsewhere",
        "drop the override; the stack runs one PostgreSQL database (database, judged)",
      ),
    },
  ),
  log_config: mine(
    STRING,
    "the log config the component mounts at /config/log.config",
    "no other file exists in the container: Synapse refuses to start",
  ),
  media_store_path: mine(
    STRING,
    "adopt.synapse.mediaStorePath",
    "uploaded media would be written outside the volumes the stack keeps, lost when the container is replaced, and the adoption checks judge adopt's path, not this one",
  ),
  signing_key_path: mine(
    STRING,
    "adopt.synapse.signingKeyPath",
    "a key outside the kept volume is generated anew when the container is replaced: peers see a new server identity and refuse its events",
  ),
  trusted_key_servers: key(
    {
      kind: "list",
      item: {
        kind: "section",
        keys: {
          server_name: key(STRING),
          verify_keys: key({ kind: "map", value: STRING }),
          accept_keys_insecurely: key(BOOLEAN),
        },
      },
    },
    { judge: judgeTrustedKeyServers },
  ),
  // The legacy form of trusted_key_servers, merged into it (synapse/config/key.py l. 168): judged as refused.
  perspectives: key(
    { kind: "map", value: { kind: "map", value: { kind: "section", keys: {} } } },
    {
      judge: refused(
        "perspectives is the legacy form of trusted_key_servers, which Synapse merges into it (synapse/config/key.py): it would add key servers beside matrix-fleet's trusted_key_servers: [] without their judgement",
        "drop the override; write trusted_key_servers, where key servers are judged",
      ),
    },
  ),
  suppress_key_server_warning: key(BOOLEAN),
  macaroon_secret_key: SECRET_KEY,
  form_secret: SECRET_KEY,
  registration_shared_secret: SECRET_KEY,
  macaroon_secret_key_path: SECRET_KEY,
  form_secret_path: SECRET_KEY,
  registration_shared_secret_path: SECRET_KEY,
  turn_shared_secret: SECRET_KEY,
  turn_shared_secret_path: SECRET_KEY,
  enable_registration: mine(
    BOOLEAN,
    "synapse.enableRegistration",
    "registration is judged from synapse.enableRegistration (open registration needs a verification)",
  ),
  federation_domain_whitelist: key(STRINGS, { checkedBy: { check: "checkFederationList", typeToo: true } }),
  allow_public_rooms_over_federation: key(BOOLEAN),
  max_upload_size: mine(
    { kind: "size" },
    "synapse.maxUploadSize",
    "the proxy's body limit is judged against synapse.maxUploadSize, so uploads between the two would fail with a bare 413",
  ),
  url_preview_enabled: mine(
    BOOLEAN,
    "synapse.urlPreviews",
    "with synapse.urlPreviews matrix-fleet writes the deny list Synapse requires",
  ),
  url_preview_ip_range_blacklist: key({ kind: "list", item: CIDR }, { judge: judgePreviewBlacklist }),
  url_preview_accept_language: key(STRINGS),
  enable_metrics: mine(BOOLEAN, "synapse.enableMetrics", "set it in the stack file, where it is read"),
  admin_contact: mine(
    STRING,
    "synapse.adminContact",
    "synapse.adminContact is judged as a contact URI Synapse shows as a link",
  ),
  turn_uris: key(STRINGS, { checkedBy: { check: "checkTurn" } }),
  turn_user_lifetime: mine(
    DURATION,
    "synapse.turnUserLifetime",
    "synapse.turnUserLifetime is judged as Synapse reads it (a number without a unit is milliseconds)",
  ),
  turn_allow_guests: mine(BOOLEAN, "synapse.turnAllowGuests", "set it in the stack file, where it is read"),
  experimental_features: key({
    kind: "section",
    keys: {
      msc4143_enabled: key(BOOLEAN, { checkedBy: { check: "checkMatrixRtc" } }),
      msc4222_enabled: key(BOOLEAN, { checkedBy: { check: "checkMatrixRtc" } }),
      // The release set's rules (checks/release-compat.ts, facts/compatibility.ts): which Synapse reads each.
      msc3575_enabled: key(BOOLEAN, { checkedBy: { check: "checkReleaseCompatibility" } }),
      msc4354_enabled: key(BOOLEAN, { checkedBy: { check: "checkReleaseCompatibility" } }),
      msc3266_enabled: key(BOOLEAN, { checkedBy: { check: "checkReleaseCompatibility" } }),
      msc3861: key(
        { kind: "map", value: STRING },
        { checkedBy: { check: "checkReleaseCompatibility", typeToo: true } },
      ),
    },
  }),
  // Synapse's pacing of its background updates (config_documentation.md `background_updates`).
  background_updates: key({
    kind: "section",
    keys: {
      background_update_duration_ms: key({ kind: "integer", min: 1 }),
      sleep_enabled: key(BOOLEAN),
      sleep_duration_ms: key({ kind: "integer", min: 0 }),
      min_batch_size: key({ kind: "integer", min: 1 }),
      default_batch_size: key({ kind: "integer", min: 1 }),
    },
  }),
  matrix_rtc: key({
    kind: "section",
    keys: {
      transports: key(
        {
          kind: "list",
          item: { kind: "section", keys: { type: key(STRING), livekit_service_url: key(STRING) } },
        },
        { checkedBy: { check: "checkMatrixRtc" }, judge: judgeRtcTransports },
      ),
    },
  }),
  max_event_delay_duration: mine(
    DURATION,
    "synapse.maxEventDelayDuration",
    "synapse.maxEventDelayDuration is judged as Synapse reads it",
    false,
  ),
  default_power_level_content_override: key(
    {
      kind: "section",
      keys: Object.fromEntries(
        SYNAPSE_ROOM_PRESETS.map((preset) => [
          preset,
          key({ kind: "either", types: [POWER_LEVELS, { kind: "null" }] }),
        ]),
      ),
    },
    { checkedBy: { check: "checkMembersJoinCalls" } },
  ),
  rc_message: key(RATE, { checkedBy: { check: "checkSynapseRateLimits" } }),
  rc_delayed_event_mgmt: key(RATE, { checkedBy: { check: "checkSynapseRateLimits" } }),
  // The keys rc_message replaced, still read when it is absent (synapse/config/ratelimiting.py).
  rc_messages_per_second: key({ kind: "number", min: 0 }, { checkedBy: { check: "checkSynapseRateLimits" } }),
  rc_message_burst_count: key({ kind: "number", min: 0 }, { checkedBy: { check: "checkSynapseRateLimits" } }),
  rc_login: key({
    kind: "section",
    keys: { address: key(RATE), account: key(RATE), failed_attempts: key(RATE) },
  }),
  // Joins to one room (1/s, burst 10 by default) and of one user (synapse/config/ratelimiting.py): an all-hands
  // whose members all join the call's room within a minute meets rc_joins_per_room first (docs/capacity.md).
  rc_joins_per_room: key(RATE),
  rc_joins: key({ kind: "section", keys: { local: key(RATE), remote: key(RATE) } }),
  ip_range_whitelist: key({ kind: "list", item: CIDR }, { judge: judgeIpRangeWhitelist }),
  auto_join_rooms: key(STRINGS, { judge: judgeAutoJoinRooms }),
  autocreate_auto_join_rooms: key(BOOLEAN),
  registration_requires_token: key(BOOLEAN),
  enable_registration_without_verification: key(BOOLEAN, {
    judge: trueRefused(
      "enable_registration_without_verification lets anyone on the internet register accounts without a captcha, e-mail or token: spam and abuse accounts on this server",
    ),
  }),
  allow_guest_access: key(BOOLEAN),
  presence: key({
    kind: "section",
    keys: { enabled: key({ kind: "either", types: [BOOLEAN, { kind: "string", values: ["untracked"] }] }) },
  }),
  require_auth_for_profile_requests: key(BOOLEAN),
  limit_profile_requests_to_users_who_share_rooms: key(BOOLEAN),
  include_profile_data_on_invite: key(BOOLEAN),
  allow_public_rooms_without_auth: key(BOOLEAN),
  block_non_admin_invites: key(BOOLEAN),
  enable_search: key(BOOLEAN),
  forget_rooms_on_leave: key(BOOLEAN),
  enable_set_displayname: key(BOOLEAN),
  enable_set_avatar_url: key(BOOLEAN),
  enable_3pid_changes: key(BOOLEAN),
  allow_per_room_profiles: key(BOOLEAN),
  default_room_version: key({
    kind: "string",
    pattern: /^\d+$/,
    shape: 'a room version as a string, e.g. "10"',
  }),
  encryption_enabled_by_default_for_room_type: key({ kind: "string", values: ["all", "invite", "off"] }),
  user_directory: key({
    kind: "section",
    keys: {
      enabled: key(BOOLEAN),
      search_all_users: key(BOOLEAN),
      prefer_local_users: key(BOOLEAN),
      exclude_remote_users: key(BOOLEAN),
    },
  }),
  redaction_retention_period: key({ kind: "either", types: [DURATION, { kind: "null" }] }),
  user_ips_max_age: key({ kind: "either", types: [DURATION, { kind: "null" }] }),
  delete_stale_devices_after: key({ kind: "either", types: [DURATION, { kind: "null" }] }),
  session_lifetime: key(DURATION),
  max_avatar_size: key({ kind: "size" }),
  media_retention: key({
    kind: "section",
    keys: {
      local_media_lifetime: key({ kind: "either", types: [DURATION, { kind: "null" }] }),
      remote_media_lifetime: key({ kind: "either", types: [DURATION, { kind: "null" }] }),
    },
  }),
  limit_remote_rooms: key({
    kind: "section",
    keys: {
      enabled: key(BOOLEAN),
      complexity: key({ kind: "number", min: 0 }),
      complexity_error: key(STRING),
      admins_can_join: key(BOOLEAN),
    },
  }),
};

export const SYNAPSE_REGISTRY: ServiceRegistry = {
  service: "synapse",
  file: "homeserver.yaml",
  keys: SYNAPSE_KEYS,
  typeConsequence:
    'Synapse reads homeserver.yaml without a schema: a value of another type stops it at start, or is taken by Python\'s truthiness (the string "false" counts as true)',
  document: (plan: StackPlan) => plan.synapse.homeserver,
};
