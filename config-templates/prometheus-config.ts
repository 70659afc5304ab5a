import { durationSeconds } from "../config/monitoring-section";
import { OrgConfig } from "../config/model";
import {
  MONITORING_CONTAINER_PORTS as PORTS,
  MONITORING_SERVICES as names,
  PROMETHEUS_PATHS,
  SYNAPSE_METRICS_PATH,
  ScrapeJob,
} from "../facts/monitoring";
import { SecretValues } from "../facts/secrets";
import { toYaml } from "./formats";

/** LiveKit's Basic auth user for its metrics endpoint (`prometheus.username`, pkg/config/config.go v1.13.5). */
export const LIVEKIT_METRICS_USER = "prometheus";

/**
 * Prometheus' `prometheus.yml` (keys of Prometheus 2.42's config/config.go): one job per service that exposes
 * metrics, each labelled with the job name the alert rules match. Services on the stack network are reached by
 * their aliases; LiveKit and coturn, on the host network, at the Docker host's own address. Nothing here is
 * published: Prometheus answers on the Docker host's loopback only (components/monitoring.ts).
 */
export function prometheusConfigDocument(org: OrgConfig, secrets: SecretValues): Record<string, unknown> {
  const m = org.monitoring;
  const host = org.network.lanIp ?? org.network.publicIp;
  const job = (name: ScrapeJob, target: string, extra: Record<string, unknown> = {}) => ({
    job_name: name,
    ...extra,
    static_configs: [{ targets: [target] }],
  });
  const jobs = [
    job("prometheus", `localhost:${PORTS.prometheus}`),
    job("alertmanager", `${names.alertmanager}:${PORTS.alertmanager}`),
    job("synapse", `synapse:${PORTS.synapseMetrics}`, { metrics_path: SYNAPSE_METRICS_PATH }),
    job("postgres", `${names.postgresExporter}:${PORTS.postgresExporter}`),
    job("node", `${names.nodeExporter}:${PORTS.nodeExporter}`),
  ];
  if (org.components.matrixRtc)
    jobs.push(
      job("livekit", `${host}:${org.ports.livekitMetrics}`, {
        basic_auth: { username: LIVEKIT_METRICS_USER, password: secrets.livekit_metrics_password },
      }),
    );
  if (org.components.coturn && m.coturnExporter)
    jobs.push(job("coturn", `${host}:${org.ports.coturnMetrics}`));
  jobs.push(job("call-probe", `${names.callProbe}:${PORTS.callProbe}`));
  if (m.alerts.matrix) jobs.push(job("alert-bot", `${names.alertBot}:${PORTS.alertBot}`));
  const interval = durationSeconds(m.scrapeInterval) ?? 30;
  return {
    global: {
      scrape_interval: m.scrapeInterval,
      // Prometheus refuses a timeout longer than the interval; 10 s is its own default.
      scrape_timeout: interval < 10 ? m.scrapeInterval : "10s",
      evaluation_interval: m.evaluationInterval,
      // Sent with every alert: the bot and the e-mails name the organisation.
      external_labels: { stack: org.stack },
    },
    rule_files: [PROMETHEUS_PATHS.rules],
    alerting: {
      alertmanagers: [{ static_configs: [{ targets: [`${names.alertmanager}:${PORTS.alertmanager}`] }] }],
    },
    scrape_configs: jobs,
  };
}

export function renderPrometheusConfig(document: Readonly<Record<string, unknown>>): string {
  return toYaml(document);
}
