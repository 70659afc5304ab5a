import { isPlainObject } from "../config/merge";
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
  secretJudge,
  saying,
} from "./override-registry";

/**
 * The coturn options an override may set (turnserver.conf), with their types as coturn reads them: option names
 * and argument kinds from `long_options[]` in src/apps/relay/mainrelay.c at tag 4.17.1 (required_argument: a
 * value; optional_argument on a switch: on/off), values as `set_option` parses them (docs/upstream/coturn.md,
 * "Override keys matrix-fleet judges"). In the stack file a switch is `true` (written bare) or `false` (left out).
 */

const SOURCE = "coturn/coturn 4.17.1 src/apps/relay/mainrelay.c long_options[], set_option()";
const FLAG: ValueType = { kind: "flag" };
const TEXT: ValueType = { kind: "string" };
const COUNT: ValueType = { kind: "integer", min: 0, digits: true };
const PORT: ValueType = { kind: "integer", min: 1, max: 65535, digits: true };
const ADDRESSES: ValueType = { kind: "list", item: TEXT };

const key = (type: ValueType, more: Omit<Partial<JudgedKey>, "type"> = {}): JudgedKey => ({
  type,
  source: SOURCE,
  ...more,
});
const hardening = { check: "checkCoturnHardening" };

const fixDrop = "drop the override";
/** A switch that must stay as matrix-fleet writes it (on when `on`), with what breaks otherwise. */
const keep = (on: boolean, consequence: string): Judge =>
  saying(on ? "must stay on" : "refused when on", (value) =>
    (value === true) === on
      ? []
      : [{ message: consequence, fix: `${fixDrop}; it stays ${on ? "on" : "off"}` }],
  );

/** The TURN URIs Synapse hands out and LiveKit's entries, by transport: what a listener switch must not take away. */
function handedOut(plan: StackPlan, transport: "udp" | "tcp"): string[] {
  const uris = Array.isArray(plan.synapse.homeserver.turn_uris)
    ? plan.synapse.homeserver.turn_uris.map(String)
    : [];
  const rtc = isPlainObject(plan.livekit?.rtc) ? plan.livekit.rtc : {};
  const entries = Array.isArray(rtc.turn_servers) ? rtc.turn_servers.filter(isPlainObject) : [];
  return [
    ...uris.filter((uri) => uri.startsWith("turn:") && uri.includes(`transport=${transport}`)),
    ...entries
      .filter((e) => e.protocol === transport)
      .map((e) => `LiveKit's ${transport} entry ${String(e.host)}:${String(e.port)}`),
  ];
}

const noListener = (transport: "udp" | "tcp"): Judge =>
  saying(`refused while clients are handed TURN over ${transport.toUpperCase()}`, (value, { plan }) => {
    const uses = handedOut(plan, transport);
    if (value !== true || uses.length === 0) return [];
    return [
      {
        message: `no-${transport} stops coturn's ${transport.toUpperCase()} listener, while clients are handed ${uses.join(", ")}: those allocations reach nothing`,
        fix: fixDrop,
      },
    ];
  });

/** `no-tls` follows turn.tls: off when turns: URIs are handed out, on when no certificate is mounted. */
const judgeNoTls: Judge = (value, { plan }) => {
  if (plan.org.turn.tls && value === true)
    return [
      {
        message: `no-tls stops coturn's TLS listener, while turn.tls hands out turns: URIs on ${plan.org.ports.turnTls}: every TURN-over-TLS client (strict firewalls) gets no relay`,
        fix: "drop the override, or turn turn.tls off",
      },
    ];
  if (!plan.org.turn.tls && value !== true)
    return [
      {
        message:
          "coturn would open a TLS listener, but turn.tls is off: no certificate is mounted and no turns: URI is handed out",
        fix: "drop the override; set turn.tls (with turn.certFile and turn.keyFile) to offer TURN over TLS",
        key: "turn.tls",
      },
    ];
  return [];
};
saying("follows turn.tls: on without TLS, off with it", judgeNoTls);

/** coturn runs on the host network: it may bind every address, or the Docker host's own, nothing else. */
const judgeBindAddresses: Judge = (value, { plan, path }) => {
  const own = plan.org.network.lanIp ?? plan.org.network.publicIp;
  const list = Array.isArray(value) ? value.map(String) : [];
  return list
    .filter((address) => !["0.0.0.0", "::", own].includes(address))
    .map((address): Verdict => ({
      message: /^(127\.|::1$|localhost$)/.test(address)
        ? `${path[0]} ${address} is loopback: coturn (on the host network) would ${path[0] === "relay-ip" ? "relay media from an address no peer reaches" : "listen where no client outside the Docker host reaches it"}`
        : `${path[0]} ${address} is not the Docker host's address ${own} (network.lanIp, else network.publicIp): the router forwards coturn's ports there only, and coturn cannot bind an address the host does not have`,
      fix: `drop the override (coturn then uses every address), or write ${own}`,
    }));
};
saying("0.0.0.0, :: or the Docker host's address only (host network)", judgeBindAddresses);

export const COTURN_KEYS: Registry = {
  "listening-port": key(PORT, { checkedBy: { check: "checkOverriddenPorts", typeToo: true } }),
  "tls-listening-port": key(PORT, { checkedBy: { check: "checkOverriddenPorts", typeToo: true } }),
  "min-port": key(PORT, { checkedBy: { check: "checkOverriddenPorts", typeToo: true } }),
  "max-port": key(PORT, { checkedBy: { check: "checkOverriddenPorts", typeToo: true } }),
  "external-ip": key(ADDRESSES, { checkedBy: hardening }),
  "listening-ip": key(ADDRESSES, { judge: judgeBindAddresses }),
  "relay-ip": key(ADDRESSES, { judge: judgeBindAddresses }),
  realm: key(TEXT),
  "server-name": key(TEXT),
  "use-auth-secret": key(FLAG, { checkedBy: hardening }),
  "static-auth-secret": key(TEXT, { checkedBy: { check: "checkTurn" }, judge: secretJudge }),
  "lt-cred-mech": key(FLAG, { checkedBy: { check: "checkTurn" } }),
  "no-auth": key(FLAG, {
    judge: keep(
      false,
      "no-auth makes coturn relay for anyone without a credential: an open relay on the internet that anyone can use to hide their traffic behind this server's address",
    ),
  }),
  user: key(ADDRESSES, {
    judge: refused(
      "user writes a static TURN user and password in clear into a reviewed file, and needs lt-cred-mech, which coturn cannot mix with the TURN REST credentials Synapse and LiveKit hand out",
      fixDrop,
    ),
  }),
  "cli-password": key(TEXT, { judge: secretJudge }),
  fingerprint: key(FLAG),
  cert: key(TEXT, {
    judge: owned(
      "turn.certFile (mounted at /etc/coturn/tls)",
      "coturn reads its certificate from the file matrix-fleet mounts; any other path does not exist in the container, and coturn runs without its TLS listener",
    ),
  }),
  pkey: key(TEXT, {
    judge: owned(
      "turn.keyFile (mounted at /etc/coturn/tls)",
      "coturn reads its key from the file matrix-fleet mounts; any other path does not exist in the container, and coturn runs without its TLS listener",
    ),
  }),
  "no-tls": key(FLAG, { judge: judgeNoTls }),
  "no-dtls": key(FLAG),
  "no-udp": key(FLAG, { judge: noListener("udp") }),
  "no-tcp": key(FLAG, { judge: noListener("tcp") }),
  "no-udp-relay": key(FLAG, {
    judge: keep(false, "no-udp-relay stops UDP relaying: call media is UDP, so coturn would relay no call"),
  }),
  "no-tcp-relay": key(FLAG, { checkedBy: hardening }),
  "no-multicast-peers": key(FLAG, { checkedBy: hardening }),
  "allow-loopback-peers": key(FLAG, {
    judge: keep(
      false,
      "allow-loopback-peers lets a TURN credential relay to 127.0.0.0/8 and ::1: the Docker host's own services (coturn runs on the host network)",
    ),
  }),
  "denied-peer-ip": key(ADDRESSES, { checkedBy: hardening }),
  "allowed-peer-ip": key(ADDRESSES, { checkedBy: hardening }),
  "user-quota": key(COUNT, { checkedBy: { check: "checkTurnCapacity", typeToo: true } }),
  "total-quota": key(COUNT, { checkedBy: { check: "checkTurnCapacity", typeToo: true } }),
  "max-bps": key(COUNT),
  "bps-capacity": key(COUNT),
  "stale-nonce": key({ kind: "either", types: [FLAG, COUNT] }),
  "max-allocate-lifetime": key(COUNT),
  "channel-lifetime": key(COUNT),
  "permission-lifetime": key(COUNT),
  "no-software-attribute": key(FLAG),
  "log-file": key(TEXT),
  // The exporter the stack's Prometheus scrapes (monitoring.coturnExporter, ports.coturnMetrics).
  prometheus: key(FLAG, { checkedBy: { check: "checkMonitoring" } }),
  "prometheus-port": key(PORT, { checkedBy: { check: "checkMonitoring", typeToo: true } }),
  "simple-log": key(FLAG),
  "new-log-timestamp": key(FLAG),
  "no-stdout-log": key(FLAG),
  verbose: key(FLAG),
  Verbose: key(FLAG),
  mobility: key(FLAG),
  "no-cli": key(FLAG),
  pidfile: key(TEXT),
};

/** turnserver.conf as option -> value: a switch `true`, a repeatable option the list of its values, others the last. */
function coturnDocument(plan: StackPlan): Record<string, unknown> | undefined {
  if (plan.coturn === undefined) return undefined;
  const document: Record<string, unknown> = {};
  for (const [option, value] of plan.coturn) {
    const type = COTURN_KEYS[option]?.type;
    if (value === undefined) document[option] = true;
    else if (type?.kind === "list") document[option] = [...((document[option] as unknown[]) ?? []), value];
    else document[option] = value;
  }
  return document;
}

export const COTURN_REGISTRY: ServiceRegistry = {
  service: "coturn",
  file: "turnserver.conf",
  keys: COTURN_KEYS,
  typeConsequence:
    "coturn reads turnserver.conf as text: a number it cannot parse counts as 0, and a switch with a value other than on/off, yes/no, 1/0, true/false stops it",
  document: coturnDocument,
};
