import { isPlainObject } from "../config/merge";
import { Problem, problem } from "../config/problems";
import { StackPlan } from "../config-templates/plan";
import { MONITORING_CONTAINER_PORTS } from "../facts/monitoring";

/**
 * The monitoring (issue #27), judged on the documents that would be deployed (overrides merged): metrics are never
 * served through the proxy, and what the stack's Prometheus scrapes is really there (an override that drops
 * Synapse's metrics listener, LiveKit's metrics port or coturn's exporter would leave a target down for good, and
 * every alert that reads it silent). The override registry (override-keys-*.ts) refuses overrides of
 * `enable_metrics` (written from synapse.enableMetrics) and of LiveKit's metrics password (a generated secret).
 */
export function checkMonitoring(plan: StackPlan): Problem[] {
  return [...checkSynapseMetrics(plan), ...checkLivekitMetrics(plan), ...checkCoturnExporter(plan)];
}

function resourceNames(listener: Readonly<Record<string, unknown>>): string[] {
  const resources = Array.isArray(listener.resources) ? listener.resources.filter(isPlainObject) : [];
  return resources.flatMap((r) => (Array.isArray(r.names) ? r.names.map(String) : []));
}

function checkSynapseMetrics({ org, synapse }: StackPlan): Problem[] {
  const hs = synapse.homeserver;
  const listeners = Array.isArray(hs.listeners) ? hs.listeners.filter(isPlainObject) : [];
  const problems: Problem[] = [];
  const published = listeners.filter((l) => Number(l.port) === org.ports.synapse);
  if (published.some((l) => resourceNames(l).includes("metrics") || l.type === "metrics"))
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.listeners",
        `the listener on ${org.ports.synapse}, which the proxy forwards to and the Docker host publishes, serves Synapse's metrics: anyone could read them (users, rooms, federation peers) at /_synapse/metrics`,
        "drop the 'metrics' resource from that listener; with components.monitoring the stack serves metrics on a listener of its own, on the stack network only",
      ),
    );
  if (!org.components.monitoring) return problems;
  const port = MONITORING_CONTAINER_PORTS.synapseMetrics;
  const scraped = listeners.some(
    (l) => Number(l.port) === port && (l.type === "metrics" || resourceNames(l).includes("metrics")),
  );
  if (!scraped)
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.listeners",
        `no Synapse listener serves metrics on ${port}, where the stack's Prometheus scrapes them: Synapse would show as down and its alerts could never fire`,
        `keep the listener {port: ${port}, type: metrics} the stack renders (an override of listeners replaces the whole list), or turn the monitoring off with components.monitoring: false`,
      ),
    );
  return problems;
}

function checkLivekitMetrics({ org, livekit }: StackPlan): Problem[] {
  if (!org.components.monitoring || livekit === undefined) return [];
  const prometheus = isPlainObject(livekit.prometheus) ? livekit.prometheus : {};
  const port = Number(prometheus.port ?? livekit.prometheus_port);
  const problems: Problem[] = [];
  if (port !== org.ports.livekitMetrics)
    problems.push(
      problem(
        org.stack,
        "overrides.livekit.prometheus",
        `LiveKit serves its metrics on ${Number.isNaN(port) ? "no port" : port}, but the stack's Prometheus scrapes ${org.ports.livekitMetrics} (ports.livekitMetrics)`,
        "drop the override and set ports.livekitMetrics instead",
      ),
    );
  return problems;
}

function checkCoturnExporter({ org, coturn }: StackPlan): Problem[] {
  if (!org.components.monitoring || !org.monitoring.coturnExporter || coturn === undefined) return [];
  const on = coturn.some(([option]) => option === "prometheus");
  const port = Number(coturn.find(([option]) => option === "prometheus-port")?.[1] ?? 9641);
  if (on && port === org.ports.coturnMetrics) return [];
  return [
    problem(
      org.stack,
      "overrides.coturn.prometheus",
      on
        ? `coturn's exporter listens on ${port}, but the stack's Prometheus scrapes ${org.ports.coturnMetrics} (ports.coturnMetrics)`
        : "coturn's exporter is switched off by an override, but the stack's Prometheus scrapes it (monitoring.coturnExporter)",
      on
        ? "drop the override of prometheus-port and set ports.coturnMetrics instead"
        : "drop the override, or set monitoring.coturnExporter: false for a coturn built without the exporter (Debian's 4.6.1)",
    ),
  ];
}
