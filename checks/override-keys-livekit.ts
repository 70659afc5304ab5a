import { isPlainObject } from "../config/merge";
import { StackPlan } from "../config-templates/plan";
import { LIVEKIT_KNOWN_KEYS } from "../facts/livekit";
import { isSecretPlaceholder } from "../facts/secrets";
import {
  Judge,
  JudgedKey,
  Registry,
  ServiceRegistry,
  ValueType,
  Verdict,
  refused,
  secretJudge,
  saying,
} from "./override-registry";

/**
 * The LiveKit keys an override may set (livekit.yaml), with their Go types: livekit-server v1.13.5
 * pkg/config/config.go (Config, RTCConfig, RoomConfig, TURNConfig, TURNServer) and mediatransportutil's
 * rtcconfig.RTCConfig (docs/upstream/livekit.md, "Override keys matrix-fleet judges"). LiveKit decodes the file
 * with yaml.v3 into those fields and refuses a value of another YAML type: a port written "3478" (a string) stops
 * it, so integers here are numbers only.
 */

const SOURCE =
  "livekit/livekit v1.13.5 pkg/config/config.go; livekit/mediatransportutil pkg/rtcconfig/config.go";
const BOOLEAN: ValueType = { kind: "boolean" };
const TEXT: ValueType = { kind: "string" };
const TEXTS: ValueType = { kind: "list", item: TEXT };
const UINT: ValueType = { kind: "integer", min: 0 };
const PORT: ValueType = { kind: "integer", min: 1, max: 65535 };
const LEVEL: ValueType = { kind: "string", values: ["debug", "info", "warn", "error"] };

const key = (type: ValueType, more: Omit<Partial<JudgedKey>, "type"> = {}): JudgedKey => ({
  type,
  source: SOURCE,
  ...more,
});
const trueRefused = (message: string, fix = "drop the override"): Judge =>
  saying("refused when true", (value) => (value === true ? [{ message, fix }] : []));

/** LiveKit runs on the host network: its signalling listens on every address or on the Docker host's own. */
const judgeBindAddresses: Judge = (value, { plan }) => {
  const own = plan.org.network.lanIp ?? plan.org.network.publicIp;
  const list = Array.isArray(value) ? value.map(String) : [];
  return list
    .filter((address) => !["", "0.0.0.0", "::", own].includes(address))
    .map((address): Verdict => ({
      message: `bind_addresses ${address} is not the Docker host's address ${own}: the proxy forwards /livekit/sfu/ to ${plan.org.proxy.forwardHost}:${plan.org.ports.livekitHttp}, where LiveKit would not listen${/^(127\.|::1$)/.test(address) ? " (loopback is reached from the host alone, and the proxy runs in its own container or host)" : ""}`,
      fix: `drop the override (LiveKit then listens on every address), or write ${own}`,
    }));
};
saying("empty, 0.0.0.0, :: or the Docker host's address only", judgeBindAddresses);

/** Docker's own interfaces: candidates there are bridge addresses no client reaches (field failure 9). */
const DOCKER_INTERFACE = /^(docker\d*|br-[0-9a-f]+|veth.*|docker_gwbridge|cni\d*|flannel.*|cali.*)$/;

const judgeInterfaces: Judge = (value) => {
  const list = Array.isArray(value) ? value.map(String) : [];
  const bridges = list.filter((name) => DOCKER_INTERFACE.test(name));
  if (bridges.length === 0) return [];
  return [
    {
      message: `rtc.interfaces.includes names ${bridges.join(", ")}: Docker's bridge interfaces, whose addresses (172.17.0.0/16 and the other default pools) no client can reach; LiveKit would offer only those candidates and calls wait for media`,
      fix: "drop the override: matrix-fleet filters candidates by address (rtc.ips.includes, the Docker host's own)",
    },
  ];
};
saying("no Docker bridge interface (docker0, br-*, veth*)", judgeInterfaces);

/** LiveKit's metrics port, on the host network, must not take a port another service binds. */
const judgePrometheusPort: Judge = (value, { plan }) => {
  const clash = plan.ports.find(
    (p) =>
      p.protocol === "tcp" && typeof value === "number" && p.range.start <= value && value <= p.range.end,
  );
  return clash === undefined
    ? []
    : [
        {
          message: `prometheus_port ${String(value)} is ${clash.what}'s port (${clash.setBy}): on the host network one of them cannot bind`,
          fix: "choose a port no service of the stack binds",
        },
      ];
};
saying("no port another service of the stack binds", judgePrometheusPort);

/** An entry that carries a secret or credential of its own writes it in clear into the stack file. */
const judgeTurnServerSecrets: Judge = (value, { plan }) => {
  const entries = Array.isArray(value) ? value.filter(isPlainObject) : [];
  const inClear = entries.flatMap((entry, index) =>
    ["secret", "credential"]
      .filter((field) => typeof entry[field] === "string" && !isSecretPlaceholder(entry[field] as string))
      .map((field) => `[${index}].${field}`),
  );
  return inClear.length === 0
    ? []
    : [
        {
          message: `rtc.turn_servers${inClear.join(", ")} write a TURN secret in clear into Pulumi.${plan.org.stack}.yaml, a reviewed file`,
          fix: "drop the override: matrix-fleet writes each entry with coturn's generated secret",
        },
      ];
};
saying("no TURN secret or credential in clear", judgeTurnServerSecrets);

const TURN_SERVER: ValueType = {
  kind: "section",
  keys: {
    host: key(TEXT),
    port: key(PORT),
    protocol: key(TEXT),
    username: key(TEXT),
    credential: key(TEXT),
    secret: key(TEXT),
    secret_file: key(TEXT),
    ttl: key(UINT),
  },
};

const RTC: Registry = {
  tcp_port: key(PORT, { checkedBy: { check: "checkOverriddenPorts" } }),
  port_range_start: key(PORT, { checkedBy: { check: "checkOverriddenPorts" } }),
  port_range_end: key(PORT, { checkedBy: { check: "checkOverriddenPorts" } }),
  udp_port: key(
    { kind: "either", types: [PORT, TEXT] },
    {
      judge: refused(
        "rtc.udp_port is a single-port UDP mux: no key of the port plan sets it, the router checklist does not forward it, and LiveKit uses it only when port_range_start and port_range_end are unset, so media moves off the range the router forwards",
        "drop the override; ports.livekitUdp sets LiveKit's media range",
      ),
    },
  ),
  use_external_ip: key(BOOLEAN, { checkedBy: { check: "checkLivekit" } }),
  node_ip: key(TEXT, { checkedBy: { check: "checkLivekit" } }),
  ips: key({
    kind: "section",
    keys: {
      includes: key(TEXTS, { checkedBy: { check: "checkLivekitCandidates" } }),
      excludes: key(TEXTS),
    },
  }),
  interfaces: key({
    kind: "section",
    keys: { includes: key(TEXTS, { judge: judgeInterfaces }), excludes: key(TEXTS) },
  }),
  turn_servers: key(
    { kind: "list", item: TURN_SERVER },
    { checkedBy: { check: "checkLivekitTurnServers, checkLivekitTurnPath" }, judge: judgeTurnServerSecrets },
  ),
  stun_servers: key(TEXTS),
  use_ice_lite: key(BOOLEAN),
  use_mdns: key(BOOLEAN),
  enable_loopback_candidate: key(BOOLEAN),
  allow_tcp_fallback: key(BOOLEAN),
  force_tcp: key(BOOLEAN),
  packet_buffer_size: key(UINT),
};

export const LIVEKIT_KEYS: Registry = {
  port: key(PORT, { checkedBy: { check: "checkOverriddenPorts" } }),
  bind_addresses: key(TEXTS, { judge: judgeBindAddresses }),
  prometheus_port: key(PORT, { judge: judgePrometheusPort }),
  // The metrics the stack's Prometheus scrapes (ports.livekitMetrics), behind a generated password.
  prometheus: key({
    kind: "section",
    keys: {
      port: key(PORT, { checkedBy: { check: "checkMonitoring" } }),
      username: key(TEXT),
      password: key(TEXT, { judge: secretJudge }),
    },
  }),
  rtc: key({ kind: "section", keys: RTC }),
  keys: key({ kind: "map", value: TEXT }, { checkedBy: { check: "checkLkJwt" }, judge: secretJudge }),
  key_file: key(TEXT, {
    judge: refused(
      "key_file replaces the key pair matrix-fleet generates and hands lk-jwt-service; the file is not mounted into the container",
      "drop the override",
    ),
  }),
  room: key({
    kind: "section",
    keys: {
      auto_create: key(BOOLEAN, { checkedBy: { check: "checkLivekit" } }),
      max_participants: key(UINT),
      empty_timeout: key(UINT),
      departure_timeout: key(UINT),
      enabled_codecs: key({
        kind: "list",
        item: { kind: "section", keys: { mime: key(TEXT), fmtp: key(TEXT) } },
      }),
    },
  }),
  // LiveKit's webhook to lk-jwt-service 0.6.0 (checks/release-compat.ts judges the URL and the key).
  webhook: key({
    kind: "section",
    keys: {
      api_key: key(TEXT, { checkedBy: { check: "checkReleaseCompatibility" } }),
      urls: key(TEXTS, { checkedBy: { check: "checkReleaseCompatibility" } }),
    },
  }),
  logging: key({
    kind: "section",
    keys: { level: key(LEVEL), pion_level: key(LEVEL), json: key(BOOLEAN), sample: key(BOOLEAN) },
  }),
  log_level: key(LEVEL),
  turn: key({
    kind: "section",
    keys: {
      enabled: key(BOOLEAN, {
        judge: trueRefused(
          "turn.enabled starts LiveKit's own TURN server: its ports are in no key of the port plan, the router checklist does not forward them, on the host network they collide with coturn's, and its credentials are not coturn's",
          "drop the override: LiveKit's clients get the organisation's coturn (rtc.turn_servers)",
        ),
      }),
      domain: key(TEXT),
      tls_port: key(UINT, { checkedBy: { check: "checkLivekitTurnPath" } }),
      udp_port: key(UINT),
      cert_file: key(TEXT),
      key_file: key(TEXT),
      external_tls: key(BOOLEAN),
      relay_range_start: key(UINT),
      relay_range_end: key(UINT),
    },
  }),
  development: key(BOOLEAN, {
    judge: trueRefused(
      "development mode serves Go's pprof handlers and /debug/rooms on LiveKit's signalling port, which the proxy publishes under /livekit/sfu/, and skips the check of the API secret's length (livekit-server v1.13.5 pkg/service/server.go, pkg/config/config.go)",
    ),
  }),
  region: key(TEXT),
};

/** A path LiveKit's strict parser does not know: reported as such by checkLivekit, not as an unjudged key. */
function unknownToLivekit(path: readonly string[]): boolean {
  const [top, sub] = path;
  if (top === undefined || !(top in LIVEKIT_KNOWN_KEYS)) return true;
  const known = LIVEKIT_KNOWN_KEYS[top];
  return sub !== undefined && path.length === 2 && known !== undefined && !known.includes(sub);
}

export const LIVEKIT_REGISTRY: ServiceRegistry = {
  service: "livekit",
  file: "livekit.yaml",
  keys: LIVEKIT_KEYS,
  typeConsequence:
    "LiveKit decodes livekit.yaml with yaml.v3 into typed Go fields and stops at start on a value of another YAML type ('could not parse config')",
  document: (plan: StackPlan) => plan.livekit,
  unknownUpstream: unknownToLivekit,
};
