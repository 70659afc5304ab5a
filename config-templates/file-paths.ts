/** Relative paths of every rendered file, one constant each so that components and tests agree on them. */
export const FILES = {
  homeserver: "synapse/homeserver.yaml",
  synapseLogConfig: "synapse/log.config",
  wellKnownServer: "well-known/server",
  wellKnownClient: "well-known/client",
  coturn: "coturn/turnserver.conf",
  livekit: "livekit/livekit.yaml",
  lkJwt: "lk-jwt/env",
  elementWeb: "element-web/config.json",
  ketesa: "ketesa/config.json",
  jitsiWeb: "jitsi/web.env",
  jitsiProsody: "jitsi/prosody.env",
  jitsiJicofo: "jitsi/jicofo.env",
  jitsiJvb: "jitsi/jvb.env",
  backupEnv: "backup/env",
  backupDumpEnv: "backup/dump.env",
  backupKnownHosts: "backup/known_hosts",
  backupCommon: "backup/common.sh",
  backupScheduler: "backup/scheduler.sh",
  backupRun: "backup/backup.sh",
  backupDumpAgent: "backup/dump-agent.sh",
  backupRestore: "backup/restore.sh",
  proxyHosts: "proxy-hosts.json",
  routerChecklist: "router-checklist.md",
  summary: "summary.md",
} as const;

export type FileId = keyof typeof FILES;
