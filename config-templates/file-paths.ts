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
  proxyHosts: "proxy-hosts.json",
  prometheus: "monitoring/prometheus.yml",
  alertRules: "monitoring/alert-rules.yml",
  alertmanager: "monitoring/alertmanager.yml",
  callProbe: "monitoring/call-probe.json",
  callProbeEnv: "monitoring/call-probe.env",
  postgresExporter: "monitoring/postgres-exporter.env",
  alertBot: "monitoring/alert-bot.env",
  routerChecklist: "router-checklist.md",
  summary: "summary.md",
} as const;

export type FileId = keyof typeof FILES;
