import { StackPlan } from "../config-templates/plan";
import {
  Judge,
  JudgedKey,
  Registry,
  ServiceRegistry,
  ValueType,
  Verdict,
  owned,
  refused,
  saying,
} from "./override-registry";

/**
 * The Element Web keys an override may set (config.json), with their types from `IConfigOptions`
 * (element-hq/element-web apps/web/src/IConfigOptions.ts; docs/upstream/element-web.md, "config.json keys" and
 * "Override keys matrix-fleet judges"). Element tests most of them by truthiness, so a string "false" would count
 * as true: booleans are JSON booleans here.
 */

const SOURCE = "element-hq/element-web apps/web/src/IConfigOptions.ts (docs/upstream/element-web.md)";
const BOOLEAN: ValueType = { kind: "boolean" };
const TEXT: ValueType = { kind: "string" };
const HTTPS: ValueType = { kind: "string", pattern: /^https:\/\/\S+$/, shape: "an https:// URL" };

const key = (type: ValueType, more: Omit<Partial<JudgedKey>, "type"> = {}): JudgedKey => ({
  type,
  source: SOURCE,
  ...more,
});

/** Element Call's switches and settings only where this stack runs MatrixRTC. */
const CALL_FEATURES = ["feature_group_calls", "feature_element_call_video_rooms"];

const judgeFeatures: Judge = (value, { plan }) => {
  if (plan.org.components.matrixRtc || typeof value !== "object" || value === null) return [];
  const on = CALL_FEATURES.filter((feature) => (value as Record<string, unknown>)[feature] === true);
  return on.length === 0
    ? []
    : [
        {
          message: `features ${on.join(", ")} switch Element Call on, but this stack runs no MatrixRTC (components.matrixRtc is off): the call button opens a call that finds no SFU`,
          fix: "drop the override, or turn components.matrixRtc on (matrix-fleet then switches them on itself)",
        },
      ];
};
saying("Element Call's switches only with MatrixRTC", judgeFeatures);

const needsMatrixRtc: Judge = (value, { plan, path }) =>
  plan.org.components.matrixRtc || value === undefined
    ? []
    : [
        {
          message: `${path.join(".")} configures Element Call, but this stack runs no MatrixRTC (components.matrixRtc is off): calls would find no SFU`,
          fix: "drop the override, or turn components.matrixRtc on",
        },
      ];

/** Jitsi calls go to this stack's Jitsi, or to none: another domain is a third party that sees every conference. */
const judgeJitsiDomain: Judge = (value, { plan }) => {
  const org = plan.org;
  if (value === undefined || (org.components.jitsi && value === org.hosts.jitsi)) return [];
  return [
    {
      message: org.components.jitsi
        ? `jitsi.preferred_domain ${String(value)} is not this stack's Jitsi ${org.hosts.jitsi} (hosts.jitsi): conferences would run on another server`
        : `jitsi.preferred_domain ${String(value)} sends Element's conference calls to a Jitsi outside this stack (components.jitsi is off)`,
      fix: org.components.jitsi
        ? "drop the override; set hosts.jitsi instead"
        : "drop the override, or turn components.jitsi on",
    },
  ];
};
saying("this stack's Jitsi (hosts.jitsi) only", judgeJitsiDomain);
saying("only with MatrixRTC", needsMatrixRtc);

/** The room directory lists servers users can browse: this one and its federation peers, nothing unreachable. */
const judgeDirectoryServers: Judge = (value, { plan }) => {
  const org = plan.org;
  const reachable = [org.serverName, ...org.federationPeers];
  const list = Array.isArray(value) ? value.map(String) : [];
  return list
    .filter((server) => !reachable.includes(server))
    .map((server): Verdict => ({
      message: `room_directory.servers lists ${server}, which this server does not federate with: browsing its directory fails`,
      fix: `list ${reachable.join(", ")} only, or add ${server} to federation.peers`,
    }));
};
saying("this server and its federation peers only", judgeDirectoryServers);

const deprecatedServerOption = refused(
  "Element Web refuses to load when this is set beside default_server_config, which matrix-fleet writes (docs/config.md: mixing the server options fails)",
  "drop the override; default_server_config comes from hosts.homeserver and serverName",
);

export const ELEMENT_WEB_KEYS: Registry = {
  default_server_config: key({
    kind: "section",
    keys: {
      "m.homeserver": key({
        kind: "section",
        keys: {
          base_url: key(HTTPS, {
            judge: owned(
              "hosts.homeserver",
              "Element would send every user of this stack's web client to another homeserver",
            ),
          }),
          server_name: key(TEXT, {
            judge: owned("serverName", "Element shows users another server name than their own"),
          }),
        },
      }),
      "m.identity_server": key({ kind: "section", keys: { base_url: key(HTTPS) } }),
    },
  }),
  default_server_name: key(TEXT, { judge: deprecatedServerOption }),
  default_hs_url: key(TEXT, { judge: deprecatedServerOption }),
  default_is_url: key(TEXT, { judge: deprecatedServerOption }),
  brand: key(TEXT, {
    judge: owned("element.brand", "set it in the stack file, where Element Call's brand follows it"),
  }),
  disable_custom_urls: key(BOOLEAN, {
    judge: owned("element.disableCustomUrls", "set it in the stack file, where it is read"),
  }),
  disable_guests: key(BOOLEAN, {
    judge: owned("element.disableGuests", "set it in the stack file, where it is read"),
  }),
  disable_3pid_login: key(BOOLEAN),
  disable_login_language_selector: key(BOOLEAN),
  show_labs_settings: key(BOOLEAN),
  default_federate: key(BOOLEAN),
  default_theme: key(TEXT),
  default_country_code: key({
    kind: "string",
    pattern: /^[A-Z]{2}$/,
    shape: "an ISO 3166 alpha-2 code in capitals, e.g. DE",
  }),
  room_directory: key({
    kind: "section",
    keys: { servers: key({ kind: "list", item: TEXT }, { judge: judgeDirectoryServers }) },
  }),
  features: key({ kind: "map", value: BOOLEAN }, { judge: judgeFeatures }),
  setting_defaults: key({
    kind: "map",
    value: { kind: "either", types: [BOOLEAN, TEXT, { kind: "number" }] },
  }),
  jitsi: key({ kind: "section", keys: { preferred_domain: key(TEXT, { judge: judgeJitsiDomain }) } }),
  element_call: key({
    kind: "section",
    keys: {
      brand: key(TEXT, { judge: needsMatrixRtc }),
      use_exclusively: key(BOOLEAN, { judge: needsMatrixRtc }),
      guest_spa_url: key(HTTPS, { judge: needsMatrixRtc }),
    },
  }),
  permalink_prefix: key(HTTPS),
  privacy_policy_url: key(HTTPS),
  help_url: key(HTTPS),
};

export const ELEMENT_WEB_REGISTRY: ServiceRegistry = {
  service: "elementWeb",
  file: "config.json",
  keys: ELEMENT_WEB_KEYS,
  typeConsequence:
    'Element Web tests most settings by JavaScript truthiness (the string "false" counts as true) and ignores or breaks on other types',
  document: (plan: StackPlan) => plan.elementWeb,
  // SdkConfig's SnakedObject reads `roomDirectory` for `room_directory` when the snake_case key is absent.
  spelledAs: (key) => {
    const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    return snake === key ? undefined : snake;
  },
};
