import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { OrgConfig } from "../config/model";
import { MONITORING_ACCOUNTS, POSTGRES_MONITOR_ROLE } from "../facts/monitoring";
import { providerText } from "./provider-text";

/**
 * The monitoring's accounts (how they are made: monitoring-accounts-provider.ts): the call probe's and the alert
 * bot's Matrix accounts and postgres-exporter's PostgreSQL role. Made once Synapse and PostgreSQL are healthy; the
 * probe and the bot start after them.
 */
export class MonitoringAccounts extends pulumi.CustomResource {
  constructor(
    name: string,
    args: {
      readonly org: OrgConfig;
      readonly synapse: docker.Container;
      readonly postgres: docker.Container;
      readonly passwords: {
        readonly probe: pulumi.Input<string>;
        readonly alertBot: pulumi.Input<string> | undefined;
        readonly postgresMonitor: pulumi.Input<string>;
      };
    },
    opts: pulumi.CustomResourceOptions,
  ) {
    const { org, passwords } = args;
    const matrixAccounts = [
      { user: MONITORING_ACCOUNTS.probe, password: passwords.probe },
      ...(passwords.alertBot === undefined
        ? []
        : [{ user: MONITORING_ACCOUNTS.alertBot, password: passwords.alertBot }]),
    ];
    super(
      "pulumi-nodejs:dynamic/matrix-fleet:MonitoringAccounts",
      name,
      {
        dockerHost: org.docker.host,
        synapseContainer: args.synapse.name,
        synapsePort: org.ports.synapse,
        serverName: org.serverName,
        matrixAccounts: pulumi.secret(matrixAccounts),
        postgresContainer: args.postgres.name,
        database: org.adoption.database,
        monitorRole: POSTGRES_MONITOR_ROLE,
        monitorPassword: pulumi.secret(passwords.postgresMonitor),
        postgresContainerId: args.postgres.id,
        users: undefined,
        digests: undefined,
        __provider: providerText("components/monitoring-accounts-provider", "MonitoringAccountsProvider"),
      },
      opts,
    );
  }
}
