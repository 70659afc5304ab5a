/**
 * The monitoring of one organisation (issue #27), as the pinned images run it: container paths and ports, the metric
 * names the alert rules read (each from the exporter or server version the stack pins or the lab runs), and the
 * alerts with their default pending time. Sources: docs/upstream/monitoring.md.
 */

/**
 * The monitoring's containers: each one's service name (`matrix-<stack>-<name>`, the `org.matrix-fleet.service`
 * label) is also its alias on the stack network, where the others reach it.
 */
export const MONITORING_SERVICES = {
  prometheus: "prometheus",
  alertmanager: "alertmanager",
  nodeExporter: "node-exporter",
  postgresExporter: "postgres-exporter",
  callProbe: "call-probe",
  alertBot: "alert-bot",
} as const;

/** Where the pinned images keep their config and data (prom/prometheus:v2.42.0 and prom/alertmanager:v0.25.0 Dockerfiles). */
export const PROMETHEUS_PATHS = {
  config: "/etc/prometheus/prometheus.yml",
  rules: "/etc/prometheus/rules/matrix-fleet.yml",
  /** `VOLUME /prometheus`, owned by nobody in the image: a fresh volume takes that owner (Docker's copy-up). */
  data: "/prometheus",
} as const;

export const ALERTMANAGER_PATHS = {
  config: "/etc/alertmanager/alertmanager.yml",
  data: "/alertmanager",
} as const;

/** The Node programs of the stack's own monitoring (agents/), bundled into one file each and uploaded. */
export const AGENT_PATHS = {
  probe: "/opt/matrix-fleet/call-probe.js",
  probeConfig: "/etc/matrix-fleet/call-probe.json",
  alertBot: "/opt/matrix-fleet/alert-bot.js",
  /** node-exporter's textfile collector directory: other components (backups) drop `*.prom` files here. */
  textfile: "/textfile",
} as const;

/**
 * Ports inside the containers on the stack network; none is published except Prometheus and Alertmanager on the
 * Docker host's loopback (`ports.prometheus`, `ports.alertmanager`), for an SSH tunnel.
 */
export const MONITORING_CONTAINER_PORTS = {
  prometheus: 9090,
  alertmanager: 9093,
  /** node_exporter's default `--web.listen-address=:9100` (collector/… v1.5.0). */
  nodeExporter: 9100,
  /** postgres_exporter's default `--web.listen-address=:9187` (cmd/postgres_exporter/main.go v0.11.1). */
  postgresExporter: 9187,
  /** Synapse's `type: metrics` listener (docs/metrics-howto.md): inside the Synapse container only. */
  synapseMetrics: 9000,
  callProbe: 9735,
  alertBot: 9736,
} as const;

/** Synapse serves its metrics under this path (docs/metrics-howto.md). */
export const SYNAPSE_METRICS_PATH = "/_synapse/metrics";

/** The service label each scrape job gives its targets, and the job names the rules match. */
export const SCRAPE_JOBS = [
  "prometheus",
  "alertmanager",
  "synapse",
  "postgres",
  "node",
  "livekit",
  "coturn",
  "call-probe",
  "alert-bot",
] as const;
export type ScrapeJob = (typeof SCRAPE_JOBS)[number];

/**
 * Metric names the rules read, each from the version it was read in (docs/upstream/monitoring.md):
 * Synapse 1.157.1 (synapse/metrics/__init__.py, synapse/federation/sender/__init__.py), postgres_exporter 0.11.1
 * (cmd/postgres_exporter/postgres_exporter.go, pg_setting.go), node_exporter 1.5.0 (collector/filesystem_*.go),
 * LiveKit v1.13.5 (pkg/telemetry/prometheus/packets.go), and matrix-fleet's own (agents/).
 */
export const METRICS = {
  up: "up",
  synapsePersistedPosition: "synapse_event_persisted_position",
  synapseProcessingPositions: "synapse_event_processing_positions",
  synapsePendingPdus: "synapse_federation_transaction_queue_pending_pdus",
  postgresUp: "pg_up",
  postgresConnections: "pg_stat_activity_count",
  postgresMaxConnections: "pg_settings_max_connections",
  filesystemAvail: "node_filesystem_avail_bytes",
  filesystemSize: "node_filesystem_size_bytes",
  livekitPacketLoss: "livekit_packet_loss_total",
  livekitPackets: "livekit_packet_total",
  probeCheckSuccess: "matrix_fleet_probe_check_success",
  probeCheckDuration: "matrix_fleet_probe_check_duration_seconds",
  probeCheckFailure: "matrix_fleet_probe_check_failure_info",
  probeLastRun: "matrix_fleet_probe_last_run_timestamp_seconds",
  probeRunDuration: "matrix_fleet_probe_run_duration_seconds",
  probeRuns: "matrix_fleet_probe_runs_total",
  certificateNotAfter: "matrix_fleet_tls_certificate_not_after_timestamp_seconds",
  alertBotQueue: "matrix_fleet_alert_bot_queue_length",
  alertBotSent: "matrix_fleet_alert_bot_messages_sent_total",
  alertBotFailures: "matrix_fleet_alert_bot_delivery_failures_total",
  /**
   * The backups' last success (Unix time), as the backup container's status file says (verify/backup-status.ts):
   * the call probe reads that file from the backup's work volume, mounted read-only, and exports it.
   */
  backupLastSuccess: "matrix_fleet_backup_last_success_timestamp_seconds",
} as const;

/**
 * node-exporter's `--collector.filesystem.mount-points-exclude`, stated rather than left to the image: upstream
 * v1.5.0's default (collector/filesystem_linux.go) plus the files Docker mounts into the exporter's own container
 * (it reads its mounts from its own /proc/1/mounts). Debian 12's build widens the default to /run, /mnt and /media
 * (`--help`), which would hide disks mounted there.
 */
export const NODE_EXPORTER_MOUNT_POINTS_EXCLUDE =
  "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+|etc/(hostname|hosts|resolv\\.conf)|textfile)($|/)";

/** Filesystems that are memory or images, never the Docker host's disk (the disk rule leaves them out). */
export const NOT_A_DISK_FSTYPES = ["tmpfs", "ramfs", "squashfs", "overlay", "nsfs", "fuse.lxcfs"] as const;

/** Every alert the stack's Prometheus evaluates, and how long its condition must hold before it fires (`for`). */
export const DEFAULT_ALERT_FOR = {
  ServiceDown: "2m",
  PostgresDown: "1m",
  CallProbeCheckFailing: "6m",
  CallProbeNotRunning: "5m",
  TlsCertificateExpiring: "1h",
  DiskAlmostFull: "10m",
  PostgresConnectionsNearLimit: "10m",
  SynapseFederationSenderBehind: "10m",
  SynapseFederationQueueGrowing: "15m",
  LivekitPacketLoss: "10m",
  BackupTooOld: "10m",
  AlertDeliveryFailing: "10m",
} as const;
export type AlertName = keyof typeof DEFAULT_ALERT_FOR;
export const ALERT_NAMES = Object.keys(DEFAULT_ALERT_FOR) as AlertName[];

/** Thresholds the issue names; written into the rules and the runbook. */
export const ALERT_THRESHOLDS = {
  diskUsedPercent: 85,
  certificateDays: 14,
  postgresConnectionsPercent: 80,
  /** Events persisted but not yet handled by the federation sender. */
  federationSenderLagEvents: 100,
  federationPendingPdus: 50,
  livekitLossRatio: 0.05,
  /** Packets per second below which a loss ratio says nothing (one quiet participant). */
  livekitMinPacketRate: 50,
} as const;

/** The Matrix account names the monitoring uses on the organisation's own homeserver (no admin rights). */
export const MONITORING_ACCOUNTS = {
  probe: "matrix-fleet-probe",
  alertBot: "matrix-fleet-alerts",
} as const;

/** The PostgreSQL role postgres-exporter logs in as: member of `pg_monitor` (PostgreSQL 10+), nothing else. */
export const POSTGRES_MONITOR_ROLE = "matrix_fleet_monitor";
