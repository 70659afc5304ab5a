/**
 * Which version of a service brought or dropped what the others rely on: the facts behind the release set's
 * preflight rules (checks/release-compat.ts). Each was read at its source (docs/upstream/synapse.md §9,
 * docs/upstream/lk-jwt-service.md "0.6.0", docs/upstream/livekit.md); versions are the first release tag that
 * contains the change.
 */

/** A feature and the first version that has it. */
export interface VersionFact {
  readonly since: string;
  readonly fact: string;
  readonly source: string;
}

export const SYNAPSE_FACTS = {
  nativeSlidingSync: {
    since: "1.114.0",
    fact: "native simplified sliding sync (MSC4186), which Element X requires, is on by default (experimental_features.msc3575_enabled defaults to true)",
    source: "element-hq/synapse synapse/config/experimental.py: default False at v1.113.0, True at v1.114.0",
  },
  rtcTransports: {
    since: "1.140.0",
    fact: "matrix_rtc.transports and the MSC4143 transports endpoint exist (element-hq/synapse#18967)",
    source:
      "element-hq/synapse synapse/config/matrixrtc.py and synapse/rest/client/matrixrtc.py, first in v1.140.0",
  },
  delayedEventsWithoutToken: {
    since: "1.143.0",
    fact: "delayed events (MSC4140) are restarted and sent without an access token, the delay_id being the capability (element-hq/synapse#19152)",
    source:
      "element-hq/synapse synapse/rest/client/delayed_events.py, no get_user_by_req on restart/send from v1.143.0",
  },
  stickyEvents: {
    since: "1.148.0",
    fact: "experimental_features.msc4354_enabled (sticky events, Element Call's matrix_2_0 mode) is read",
    source: "element-hq/synapse synapse/config/experimental.py, first in v1.148.0",
  },
  delayedEventsPerUserLimit: {
    since: "1.156.0",
    fact: "a delayed-event restart that carries a token is limited per user, not per client address, so an office behind one address no longer shares one rc_delayed_event_mgmt bucket (element-hq/synapse#19794, element-call#3985)",
    source: "element-hq/synapse commit 2487b31422, first in v1.156.0 (docs/upstream/synapse.md §8.2)",
  },
} as const satisfies Record<string, VersionFact>;

/** The oldest PostgreSQL major a Synapse version starts with (synapse/storage/engines/postgres.py). */
export const SYNAPSE_POSTGRES_FLOORS: ReadonlyArray<{
  synapse: string;
  postgresMajor: number;
  source: string;
}> = [
  {
    synapse: "1.143.0",
    postgresMajor: 14,
    source:
      "element-hq/synapse synapse/storage/engines/postgres.py: server_version < 140000 refused from v1.143.0 (commit 5d545d1626)",
  },
];

/** A homeserver.yaml key a Synapse version no longer reads, or refuses. */
export interface RemovedSynapseKey {
  /** The key's path in homeserver.yaml. */
  readonly path: readonly string[];
  readonly removedIn: string;
  /** What that Synapse does with it. */
  readonly effect: string;
  readonly fix: string;
  readonly source: string;
}

export const SYNAPSE_REMOVED_KEYS: readonly RemovedSynapseKey[] = [
  {
    path: ["experimental_features", "msc3861"],
    removedIn: "1.157.0",
    effect:
      'refuses to start: "experimental_features.msc3861 was removed. Use the matrix_authentication_service configuration instead."',
    fix: "move the settings to the matrix_authentication_service section (Synapse docs/upgrade.md, 'Upgrading to v1.157.0')",
    source: "element-hq/synapse synapse/config/experimental.py: ConfigError from v1.157.0",
  },
  {
    path: ["experimental_features", "msc3266_enabled"],
    removedIn: "1.153.0",
    effect: "ignores it: room summaries (MSC3266) are served on the stable endpoint, always",
    fix: "drop the key",
    source: "element-hq/synapse commit 7fc937bac0 'Stabilize MSC3266', first in v1.153.0",
  },
];

export const LK_JWT_FACTS = {
  getToken: {
    since: "0.4.0",
    fact: "POST /get_token (the MSC4195 token endpoint Element Call's matrix_2_0 mode uses) is served",
    source: "element-hq/lk-jwt-service prepareMux: /sfu/get only at v0.3.0, /get_token from v0.4.0",
  },
  delegatedLeave: {
    since: "0.6.0",
    fact: "a member's delayed leave (MSC4140) is delegated: /delegate_delayed_leave, delay_id on /get_token and /sfu/get, and /sfu_webhook for LiveKit's participant events",
    source:
      "element-hq/lk-jwt-service handler.go prepareMux at a375b13 (after v0.5.0); ESS CHANGELOG 26.8 for 0.6.0",
  },
} as const satisfies Record<string, VersionFact>;

export const LIVEKIT_FACTS = {
  clientOfferInJoin: {
    since: "1.10.0",
    fact: "livekit-client 2.18.1 and newer (Element Call 0.22 ships 2.20.0, 0.24 ships 2.21.0) send the publisher offer in the join request, which livekit-server up to 1.9.9 never answers: calls hang at 'waiting for media'",
    source:
      "livekit/client-sdk-js#1887; element-hq/element-web#33482; npm @element-hq/element-call-embedded dist",
  },
} as const satisfies Record<string, VersionFact>;
