import { OrgConfig } from "../config/model";
import { MONITORING_ACCOUNTS, MONITORING_CONTAINER_PORTS } from "../facts/monitoring";
import { SecretValues } from "../facts/secrets";
import { ALERT_BOT_WEBHOOK_PATH } from "./alertmanager-config";
import { EnvFile } from "./formats";

/**
 * The alert bot's environment (agents/alert-bot.ts): it logs in to the organisation's own Synapse on the stack
 * network (no proxy, no TLS, no hairpin: it must work when the public side does not), joins or creates the alert
 * room by its alias, invites the listed users and posts what Alertmanager sends it.
 */
export function alertBotEnvDocument(org: OrgConfig, secrets: SecretValues): EnvFile {
  const a = org.monitoring.alerts;
  return {
    MATRIX_HOMESERVER_URL: `http://synapse:${org.ports.synapse}`,
    MATRIX_SERVER_NAME: org.serverName,
    MATRIX_USER: MONITORING_ACCOUNTS.alertBot,
    MATRIX_PASSWORD: secrets.alert_bot_password,
    ALERT_ROOM_ALIAS: `#${a.matrixRoom}:${org.serverName}`,
    ALERT_ROOM_NAME: `${org.organisation} alerts`,
    ALERT_ROOM_INVITE: a.invite.join(","),
    LISTEN_PORT: String(MONITORING_CONTAINER_PORTS.alertBot),
    WEBHOOK_PATH: ALERT_BOT_WEBHOOK_PATH,
  };
}
