/** Where the LiveKit container reads its config. */
export const LIVEKIT_PATHS = { config: "/etc/livekit.yaml" } as const;

/**
 * The keys of one `rtc.turn_servers` entry: `TURNServer` in livekit-server@v1.13.5 pkg/config/config.go. With
 * `secret` set LiveKit mints TURN REST credentials per participant (`iceServersForParticipant`,
 * pkg/service/roommanager.go); `username`/`credential` are static ones, used only without a secret.
 */
export const LIVEKIT_TURN_SERVER_KEYS = [
  "host",
  "port",
  "protocol",
  "username",
  "credential",
  "secret",
  "secret_file",
  "ttl",
] as const;

/**
 * The protocols `iceServersForParticipant` knows: `tls` gives turns:...?transport=tcp, `udp` turn:...?transport=udp,
 * and every other value (a typo included) silently turn:...?transport=tcp.
 */
export const LIVEKIT_TURN_PROTOCOLS = ["udp", "tcp", "tls"] as const;

/**
 * Lifetime of the TURN credentials LiveKit mints, in seconds: LiveKit's own default (0 means 14400 in
 * iceServersForParticipant), written out so the file says it. coturn refuses a credential whose expiry has passed.
 */
export const LIVEKIT_TURN_CREDENTIAL_TTL_SECONDS = 14400;

/**
 * The YAML keys LiveKit server v1.13.5 (the pinned image) accepts: its parser is strict, so an unknown key stops
 * the server, and preflight rejects anything outside this list. Read from the Go module sources:
 * - livekit-server@v1.13.5 pkg/config/config.go: Config, RTCConfig, RoomConfig, TURNConfig, LoggingConfig;
 * - mediatransportutil@v0.0.0-20260608063931-a3417d38cda0 pkg/rtcconfig/config.go: RTCConfig (inlined in rtc);
 * - protocol@v1.50.5-0.20260728075222-28e604c046c6 logger/config.go (inlined in logging) and webhook.
 * `undefined` marks sections matrix-fleet neither writes nor checks key by key.
 * The lab loads every rendered livekit.yaml with the real binary, which is the final word.
 */
export const LIVEKIT_KNOWN_KEYS: Readonly<Record<string, readonly string[] | undefined>> = {
  port: [],
  bind_addresses: [],
  prometheus_port: [],
  // PrometheusConfig (pkg/config/config.go): the stack writes it for its monitoring.
  prometheus: ["port", "username", "password"],
  debug_handler: undefined,
  rtc: [
    // mediatransportutil rtcconfig.RTCConfig
    "udp_port",
    "tcp_port",
    "port_range_start",
    "port_range_end",
    "use_stun_port_as_ice",
    "node_ip",
    "stun_servers",
    "use_external_ip",
    "skip_external_ip_validation",
    "advertise_internal_ip",
    "use_ice_lite",
    "interfaces",
    "ips",
    "enable_loopback_candidate",
    "use_mdns",
    "external_ip_only",
    "batch_io",
    "sctp_min_cwnd",
    "sctp_fast_rtx_wnd",
    "sctp_cwnd_ca_step",
    "host_acceptance_min_wait",
    "srflx_acceptance_min_wait",
    "prflx_acceptance_min_wait",
    "relay_acceptance_min_wait",
    "force_tcp",
    // livekit-server RTCConfig
    "turn_servers",
    "strict_acks",
    "packet_buffer_size",
    "packet_buffer_size_video",
    "packet_buffer_size_audio",
    "pli_throttle",
    "congestion_control",
    "allow_tcp_fallback",
    "tcp_fallback_rtt_threshold",
    "allow_udp_unstable_fallback",
    "reconnect_on_publication_error",
    "reconnect_on_subscription_error",
    "reconnect_on_data_channel_error",
    "data_channel_max_buffered_amount",
    "datachannel_slow_threshold",
    "datachannel_lossy_target_latency",
    "datachannel_data_track_target_latency",
    "forward_stats",
    "enable_rtp_stream_restart_detection",
  ],
  redis: undefined,
  audio: undefined,
  video: undefined,
  room: [
    "auto_create",
    "enabled_codecs",
    "max_participants",
    "empty_timeout",
    "departure_timeout",
    "enable_remote_unmute",
    "playout_delay",
    "sync_streams",
    "create_room_timeout",
    "create_room_attempts",
    "update_batch_target_size",
    "max_metadata_size",
    "max_room_name_length",
    "max_participant_identity_length",
    "room_configurations",
  ],
  turn: [
    "enabled",
    "domain",
    "cert_file",
    "key_file",
    "tls_port",
    "udp_port",
    "relay_range_start",
    "relay_range_end",
    "external_tls",
    "bind_addresses",
    "ttl_seconds",
    "allow_restricted_peer_cidrs",
    "deny_peer_cidrs",
  ],
  ingress: undefined,
  sip: undefined,
  webhook: [
    "urls",
    "api_key",
    "url_notifier",
    "resource_url_notifier",
    "filter_params",
    "include_events",
    "exclude_events",
  ],
  node_selector: undefined,
  key_file: [],
  keys: undefined,
  region: [],
  signal_relay: undefined,
  psrpc: undefined,
  log_level: [],
  logging: [
    "pion_level",
    "json",
    "level",
    "sample",
    "component_levels",
    "sample_initial",
    "sample_interval",
    "item_sample_seconds",
    "item_sample_initial",
    "item_sample_interval",
  ],
  limit: undefined,
  agents: undefined,
  development: [],
  metric: undefined,
  trace: undefined,
  node_stats: undefined,
  enable_data_tracks: [],
  enable_participant_data_blob: [],
  api: undefined,
};
