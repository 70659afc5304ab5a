import { Difference } from "./differences";

export function hintFor(table: Readonly<Record<string, string>>, fallback: (path: string) => string) {
  return (path: string, kind: Difference["kind"]): string | undefined => {
    const mapped = Object.entries(table).find(([prefix]) => path === prefix || path.startsWith(`${prefix}.`));
    if (mapped !== undefined) return mapped[1];
    return kind === "added" ? undefined : fallback(path);
  };
}

/** Synapse keys matrix-fleet sets from typed config: keep a running value there, not in overrides. */
export const SYNAPSE_HINTS: Readonly<Record<string, string>> = {
  server_name: "serverName",
  public_baseurl: "hosts.homeserver",
  enable_registration: "synapse.enableRegistration",
  max_upload_size: "synapse.maxUploadSize",
  url_preview_enabled: "synapse.urlPreviews",
  enable_metrics: "synapse.enableMetrics",
  admin_contact: "synapse.adminContact",
  turn_user_lifetime: "synapse.turnUserLifetime",
  turn_allow_guests: "synapse.turnAllowGuests",
  federation_domain_whitelist: "federation.peers",
  turn_uris: "hosts.turn, ports.turn, ports.turnTls, turn.tls",
  signing_key_path: "adopt.synapse.signingKeyPath",
  media_store_path: "adopt.synapse.mediaStorePath",
};
export const COTURN_HINTS: Readonly<Record<string, string>> = {
  "listening-port": "ports.turn",
  "tls-listening-port": "ports.turnTls",
  "min-port": "ports.turnRelay",
  "max-port": "ports.turnRelay",
  "external-ip": "network.publicIp, network.lanIp",
  "user-quota": "turn.userQuota",
  "total-quota": "turn.totalQuota",
};
export const LIVEKIT_HINTS: Readonly<Record<string, string>> = {
  port: "ports.livekitHttp",
  "rtc.tcp_port": "ports.livekitTcp",
  "rtc.port_range_start": "ports.livekitUdp",
  "rtc.port_range_end": "ports.livekitUdp",
  "rtc.node_ip": "network.publicIp",
};
export const LK_JWT_HINTS: Readonly<Record<string, string>> = {
  LIVEKIT_URL: "hosts.rtc (lk-jwt-service must hand clients the public wss:// URL)",
};

/**
 * Differences that are intended, with why: a known production failure the rendered setting fixes (the numbers
 * in shared/reference/matrix-rtc-facts.md name them), or matrix-fleet's own container layout. Such a difference
 * carries no "keep theirs" hint.
 */
const INTENDED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "homeserver.yaml": {
    "database.args.host": "the database container is `postgres` on the stack's network",
    "database.args.port": "written out explicitly",
    "database.args.database": "`dbname` is the same psycopg2 setting",
    "database.args.dbname": "`database` is the same psycopg2 setting",
    log_config: "matrix-fleet uploads its own log config (to stdout, rotated by Docker)",
    pid_file: "matrix-fleet's container layout",
    listeners: "matrix-fleet's container layout: one HTTP listener behind the proxy",
    trusted_key_servers:
      "private federation: keys come from the peers themselves; matrix.org is on no whitelist",
    "matrix_rtc.transports": "MatrixRTC transports for Element X (MSC4143)",
    "experimental_features.msc4143_enabled": "MatrixRTC transports for Element X (MSC4143)",
    federation_domain_whitelist:
      "the fleet's federation peers, always written (an absent list federates with everybody)",
  },
  "livekit.yaml": {
    "rtc.use_external_ip":
      "fixes a known failure: STUN auto-detection can announce a different WAN than coturn's external-ip (the second call never connects)",
    "rtc.node_ip": "fixes a known failure: LiveKit announces the same WAN address as coturn's external-ip",
    "room.auto_create":
      "lk-jwt-service creates rooms for authorised users; auto-create lets any token holder open rooms",
  },
  "lk-jwt-service environment": {
    LIVEKIT_URL:
      "fixes a known failure: lk-jwt-service hands this URL to clients, so it must be the public wss:// path (an internal URL breaks the second call)",
  },
  "turnserver.conf": {
    "denied-peer-ip":
      "coturn must never relay into private, loopback or documentation ranges (peer-ip abuse)",
    "allowed-peer-ip": "the Docker host's own LAN address stays reachable for hairpin relays",
    "external-ip": "fixes a known failure: the same WAN address LiveKit announces",
  },
};

export function withReasons(differences: Difference[]): Difference[] {
  return differences.map((d) => {
    const table = INTENDED[d.file] ?? {};
    const reason = Object.entries(table).find(([p]) => d.path === p || d.path.startsWith(`${p}.`))?.[1];
    return reason === undefined ? d : { ...d, reason, hint: undefined };
  });
}

export function topKey(path: string): string {
  return path.split(".")[0] ?? path;
}
