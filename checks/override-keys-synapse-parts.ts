import { JudgedKey, Judge, Registry, ValueType, owned, saying, secretJudge } from "./override-registry";

/**
 * The parts of the Synapse registry (override-keys-synapse.ts): value types, the helpers that make a judged key, and
 * the sections with keys of their own (a listener, the database), read from config_documentation.md and
 * synapse/config/server.py at tag v1.157.1.
 */

export const DOC = "element-hq/synapse v1.157.1 docs/usage/configuration/config_documentation.md";
export const LISTENER_DOC =
  "element-hq/synapse v1.157.1 synapse/config/server.py parse_listener_def, KNOWN_RESOURCES";

export const BOOLEAN: ValueType = { kind: "boolean" };
export const STRING: ValueType = { kind: "string" };
export const STRINGS: ValueType = { kind: "list", item: STRING };
export const DURATION: ValueType = { kind: "duration" };
export const CIDR: ValueType = {
  kind: "string",
  pattern: /^[0-9a-fA-F:.]+(\/\d{1,3})?$/,
  shape: "an IP address or CIDR range, e.g. 198.18.0.0/15",
};
export const RATE: ValueType = {
  kind: "section",
  keys: {
    per_second: { type: { kind: "number", min: 0 }, source: DOC },
    burst_count: { type: { kind: "number", min: 0 }, source: DOC },
  },
};

export const key = (type: ValueType, more: Omit<Partial<JudgedKey>, "type"> = {}): JudgedKey => ({
  type,
  source: DOC,
  ...more,
});

/** A key matrix-fleet writes from `source`; `removal` false: removing it is judged by the named check instead. */
export const mine = (type: ValueType, source: string, consequence: string, removal = true): JudgedKey =>
  key(type, {
    judge: saying(`written from ${source}: may only repeat it`, (value, context) =>
      value === undefined && !removal ? [] : owned(source, consequence)(value, context),
    ),
  });

export const SECRET_KEY = key(STRING, { judge: secretJudge });

/**
 * A room's power level content, the shape `default_power_level_content_override` takes per preset (the spec's
 * `m.room.power_levels`: levels are integers; `users` and `events` map user IDs and event types to one).
 */
const LEVEL: ValueType = { kind: "integer" };
export const POWER_LEVELS: ValueType = {
  kind: "section",
  keys: Object.fromEntries(
    [
      ["users", { kind: "map", value: LEVEL }],
      ["events", { kind: "map", value: LEVEL }],
      ...[
        "users_default",
        "events_default",
        "state_default",
        "ban",
        "kick",
        "redact",
        "invite",
        "historical",
      ].map((name) => [name, LEVEL]),
      ["notifications", { kind: "map", value: LEVEL }],
    ].map(([name, type]) => [name as string, { type: type as ValueType, source: DOC }]),
  ),
};
export const trueRefused = (message: string): Judge =>
  saying("refused when true", (value) => (value === true ? [{ message, fix: "drop the override" }] : []));

export const LISTENER: ValueType = {
  kind: "section",
  keys: {
    port: { type: { kind: "integer", min: 1, max: 65535 }, source: LISTENER_DOC },
    path: { type: STRING, source: LISTENER_DOC },
    type: { type: { kind: "string", values: ["http", "metrics", "manhole"] }, source: LISTENER_DOC },
    tls: { type: BOOLEAN, source: LISTENER_DOC },
    bind_addresses: { type: STRINGS, source: LISTENER_DOC },
    bind_address: { type: STRING, source: LISTENER_DOC },
    x_forwarded: { type: BOOLEAN, source: LISTENER_DOC },
    request_id_header: { type: STRING, source: LISTENER_DOC },
    tag: { type: STRING, source: LISTENER_DOC },
    resources: {
      type: {
        kind: "list",
        item: {
          kind: "section",
          keys: {
            names: {
              type: {
                kind: "list",
                item: {
                  kind: "string",
                  values: [
                    "client",
                    "consent",
                    "federation",
                    "health",
                    "keys",
                    "media",
                    "metrics",
                    "openid",
                    "replication",
                    "static",
                  ],
                },
              },
              source: LISTENER_DOC,
            },
            compress: { type: BOOLEAN, source: LISTENER_DOC },
          },
        },
      },
      source: LISTENER_DOC,
    },
  },
};

export const DATABASE: Registry = {
  name: mine(
    STRING,
    "the stack's PostgreSQL container",
    "Synapse would open a new, empty database (SQLite inside its container) while every user and room stays in PostgreSQL",
  ),
  txn_limit: key({ kind: "integer", min: 0 }),
  allow_unsafe_locale: key(BOOLEAN, {
    judge: trueRefused(
      "allow_unsafe_locale lets Synapse run on a database whose collation can corrupt its indexes (config_documentation.md: 'may corrupt your database')",
    ),
  }),
  args: key({
    kind: "section",
    keys: {
      user: mine(
        STRING,
        "adopt.database.user (the stack's PostgreSQL role)",
        "Synapse would log in as a role the database container does not have",
      ),
      password: SECRET_KEY,
      dbname: mine(
        STRING,
        "adopt.database.name",
        "Synapse would open another database than the one holding this organisation's data",
      ),
      host: mine(
        STRING,
        "the stack's PostgreSQL container",
        "Synapse would use another database server than the one the stack keeps and backs up",
      ),
      port: mine(
        { kind: "integer", min: 1, max: 65535 },
        "the stack's PostgreSQL container",
        "nothing of the stack listens there",
      ),
      cp_min: key({ kind: "integer", min: 1 }),
      cp_max: key({ kind: "integer", min: 1 }),
    },
  }),
};
