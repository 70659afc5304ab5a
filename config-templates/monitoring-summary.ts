import { MONITORING_ACCOUNTS } from "../facts/monitoring";
import { StackPlan } from "./plan";

/**
 * summary.md's monitoring section: where Prometheus and Alertmanager answer (the Docker host's loopback), what
 * Prometheus scrapes and how often (read from the rendered prometheus.yml), where alerts go (read from the rendered
 * alertmanager.yml and the alert bot's environment) and how the call probe runs.
 */
export function monitoringSection({ org, monitoring }: StackPlan): string[] {
  if (monitoring === undefined) return ["## Monitoring", "", "Off (`components.monitoring: false`).", ""];
  const m = org.monitoring;
  const docker = org.docker.host.startsWith("ssh://")
    ? org.docker.host.slice("ssh://".length)
    : "<the Docker host>";
  const global = monitoring.prometheus.global as { scrape_interval: string; evaluation_interval: string };
  const jobs = (monitoring.prometheus.scrape_configs as Array<{ job_name: string }>).map((j) => j.job_name);
  const receiver = (monitoring.alertmanager.receivers as Array<Record<string, unknown>>)[0] ?? {};
  const email = (receiver.email_configs as Array<{ to: string; smarthost: string }> | undefined)?.[0];
  const bot = monitoring.alertBot;
  const rules = ((monitoring.rules.groups as Array<{ rules: unknown[] }>)[0]?.rules ?? []).length;
  const invited = bot?.ALERT_ROOM_INVITE ? bot.ALERT_ROOM_INVITE.split(",").join(", ") : "";
  return [
    "## Monitoring",
    "",
    `- Prometheus: \`127.0.0.1:${org.ports.prometheus}\` on the Docker host only (\`ssh -L ${org.ports.prometheus}:127.0.0.1:${org.ports.prometheus} ${docker}\`, then http://localhost:${org.ports.prometheus}); scrapes ${jobs.join(", ")} every ${global.scrape_interval}, evaluates ${rules} alert rules every ${global.evaluation_interval} (docs/monitoring.md).`,
    `- Alertmanager: \`127.0.0.1:${org.ports.alertmanager}\` on the Docker host only.`,
    bot === undefined
      ? "- Alerts in Matrix: off (`monitoring.alerts.matrix: false`)."
      : `- Alerts in Matrix: room \`${bot.ALERT_ROOM_ALIAS}\`, posted by \`@${bot.MATRIX_USER}:${org.serverName}\` (no admin rights); ${invited === "" ? "nobody is invited yet: set `monitoring.alerts.invite`" : `invited: ${invited}`}.`,
    email === undefined
      ? "- Alerts by e-mail: off."
      : `- Alerts by e-mail: to ${email.to} through ${email.smarthost}.`,
    `- Call probe: verify's checks of what clients get every ${m.probe.interval}, as \`@${MONITORING_ACCOUNTS.probe}:${org.serverName}\` (no admin rights)${monitoring.probeHosts.length > 0 ? ", from the Docker host's LAN (its host entries point the public names at the proxy and coturn there; the router's forwards are what `npm run verify` from outside proves)" : ", through DNS"}.`,
    org.components.coturn && !jobs.includes("coturn")
      ? "- coturn: no exporter scraped (`monitoring.coturnExporter: false`); the probe's TURN checks watch it."
      : "",
    "",
  ].filter((line, index, all) => line !== "" || all[index - 1] !== "");
}
