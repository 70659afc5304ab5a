/** What the monitoring's keys mean (issue #27; docs/monitoring.md), part of config/key-docs.ts's KEY_DOCS. */
export const MONITORING_KEY_DOCS: Readonly<Record<string, { meaning: string; type?: string }>> = {
  "components.monitoring": {
    meaning: "Prometheus, Alertmanager, node- and postgres-exporter, the call probe and the alert bot",
  },
  "ports.livekitMetrics": {
    meaning:
      "LiveKit's metrics (host network, Basic auth); never forwarded, verify checks it is closed from outside",
  },
  "ports.coturnMetrics": {
    meaning:
      "coturn's Prometheus exporter (host network); never forwarded, verify checks it is closed from outside",
  },
  "ports.prometheus": { meaning: "Prometheus, on the Docker host's loopback only (reach it over SSH)" },
  "ports.alertmanager": { meaning: "Alertmanager, on the Docker host's loopback only (reach it over SSH)" },
  "secretRotation.monitoring": {
    meaning:
      "`livekit_metrics_password`, `postgres_monitor_password`, the call probe's and the alert bot's Matrix passwords",
  },
  monitoringSmtpPassword: {
    type: "secret",
    meaning: "the SMTP password of `monitoring.alerts.email.username`; secret, refused in clear text",
  },
  "monitoring.scrapeInterval": { meaning: "how often Prometheus scrapes every target (Prometheus duration)" },
  "monitoring.evaluationInterval": { meaning: "how often Prometheus evaluates the alert rules" },
  "monitoring.retention": { meaning: "how long Prometheus keeps samples (`--storage.tsdb.retention.time`)" },
  "monitoring.coturnExporter": {
    meaning:
      "scrape coturn's exporter (`prometheus` in turnserver.conf); false for a coturn built without it",
  },
  "monitoring.probe.interval": {
    meaning: "how often the call probe runs verify's checks (one allocation, one token, one join per run)",
  },
  "monitoring.probe.viaLan": {
    meaning: "the probe reaches the public names at their LAN addresses (no hairpin NAT needed)",
  },
  "monitoring.alertFor.*": {
    meaning:
      "how long that alert's condition must hold before it fires (its runbook entry names the default)",
  },
  "monitoring.alerts.matrix": { meaning: "post alerts into a room of the organisation's own homeserver" },
  "monitoring.alerts.matrixRoom": {
    meaning: "the alert room's alias localpart (`#<matrixRoom>:<serverName>`)",
  },
  "monitoring.alerts.invite": { meaning: "Matrix users the alert bot invites into its room" },
  "monitoring.alerts.groupWait": { meaning: "Alertmanager's `group_wait`" },
  "monitoring.alerts.groupInterval": { meaning: "Alertmanager's `group_interval`" },
  "monitoring.alerts.repeatInterval": { meaning: "Alertmanager's `repeat_interval`" },
  "monitoring.alerts.email.to": { meaning: "where alert e-mail goes (with `from` and `smarthost`)" },
  "monitoring.alerts.email.from": { meaning: "the sender of alert e-mail" },
  "monitoring.alerts.email.smarthost": { meaning: "the SMTP server, `host:port`" },
  "monitoring.alerts.email.username": {
    meaning: "SMTP login; its password is the secret config `monitoringSmtpPassword`",
  },
  "monitoring.alerts.email.requireTls": { meaning: "refuse to send without STARTTLS" },
  "monitoring.runbookUrl": {
    meaning: "the runbook page each alert links to (`<runbookUrl>#<alert name in lower case>`)",
  },
};
