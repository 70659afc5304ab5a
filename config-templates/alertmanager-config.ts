import { OrgConfig } from "../config/model";
import { ALERTMANAGER_PATHS, MONITORING_CONTAINER_PORTS, MONITORING_SERVICES } from "../facts/monitoring";
import { toYaml } from "./formats";

/** Where the alert bot takes Alertmanager's webhook (agents/alert-bot.ts). */
export const ALERT_BOT_WEBHOOK_PATH = "/alerts";

/** The SMTP password file Alertmanager reads (`auth_password_file`), uploaded from secret config. */
export const SMTP_PASSWORD_FILE = `${ALERTMANAGER_PATHS.config.replace(/[^/]+$/, "")}smtp-password`;

/**
 * Alertmanager's `alertmanager.yml` (keys of Alertmanager 0.25's config/config.go and config/notifiers.go): one
 * receiver that posts to the alert bot (which writes into the Matrix room) and/or sends e-mail, every alert its own
 * notification (`group_by: ['...']`), resolved ones too. The file holds no secret: the SMTP password is a file of
 * its own.
 */
export function alertmanagerConfigDocument(org: OrgConfig): Record<string, unknown> {
  const a = org.monitoring.alerts;
  const receiver: Record<string, unknown> = { name: "matrix-fleet" };
  if (a.matrix)
    receiver.webhook_configs = [
      {
        url: `http://${MONITORING_SERVICES.alertBot}:${MONITORING_CONTAINER_PORTS.alertBot}${ALERT_BOT_WEBHOOK_PATH}`,
        send_resolved: true,
      },
    ];
  if (a.email !== undefined)
    receiver.email_configs = [
      {
        to: a.email.to,
        from: a.email.from,
        smarthost: a.email.smarthost,
        ...(a.email.username === undefined
          ? {}
          : { auth_username: a.email.username, auth_password_file: SMTP_PASSWORD_FILE }),
        require_tls: a.email.requireTls,
        send_resolved: true,
      },
    ];
  return {
    route: {
      receiver: "matrix-fleet",
      group_by: ["..."],
      group_wait: a.groupWait,
      group_interval: a.groupInterval,
      repeat_interval: a.repeatInterval,
    },
    // With Synapse down, most probe checks fail for that one reason: its ServiceDown alert says it.
    inhibit_rules: [
      {
        source_matchers: ['alertname="ServiceDown"', 'job="synapse"'],
        target_matchers: ['alertname="CallProbeCheckFailing"'],
      },
    ],
    receivers: [receiver],
  };
}

export function renderAlertmanagerConfig(document: Readonly<Record<string, unknown>>): string {
  return toYaml(document);
}
