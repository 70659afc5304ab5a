import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { SMTP_PASSWORD_FILE } from "../config-templates/alertmanager-config";
import { OrgConfig } from "../config/model";
import {
  ALERTMANAGER_PATHS,
  MONITORING_CONTAINER_PORTS as PORTS,
  MONITORING_SERVICES as SERVICES,
  PROMETHEUS_PATHS,
} from "../facts/monitoring";
import { AgentContainers, monitoringAgents } from "./monitoring-agents";
import { monitoringExporters } from "./monitoring-exporters";
import { MonitoringAccounts } from "./monitoring-accounts";
import { alsoDependingOn, httpHealthcheck, monitoringVolume } from "./monitoring-shared";
import { ServiceContext, pinnedImage, serviceDefaults } from "./shared";

export interface MonitoringArgs {
  readonly org: OrgConfig;
  readonly context: ServiceContext;
  /** Synapse's and PostgreSQL's containers, and what says they are healthy: the accounts are made after that. */
  readonly synapse: docker.Container;
  readonly postgres: docker.Container;
  readonly ready: readonly pulumi.Resource[];
  /** The SMTP password (secret config `monitoringSmtpPassword`), with an SMTP login. */
  readonly smtpPassword?: pulumi.Input<string>;
  /** The backup's work volume (with backup.enabled): the call probe reads the backup's status file from it. */
  readonly backupWork?: docker.Volume;
}

/**
 * The organisation's own monitoring (issue #27), one per stack: each organisation runs on a Docker host of its own,
 * alerts go to a room on its own homeserver, and a stack manages only its own resources. Prometheus scrapes every
 * service with metrics and evaluates the rules; Alertmanager hands alerts to the alert bot and/or e-mail; node- and
 * postgres-exporter, the call probe and the alert bot (monitoring-exporters.ts, monitoring-agents.ts). Nothing is
 * published but Prometheus and Alertmanager on the Docker host's loopback, for an SSH tunnel.
 */
export class Monitoring extends pulumi.ComponentResource {
  readonly prometheus: docker.Container;
  readonly alertmanager: docker.Container;
  readonly nodeExporter: docker.Container;
  readonly postgresExporter: docker.Container;
  readonly agents: AgentContainers;
  readonly containers: docker.Container[];

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-fleet:monitoring:Monitoring", name, {}, opts);
    const { org, context } = args;
    const child = context.childOptions(this);
    this.prometheus = prometheusContainer(name, org, context, child);
    this.alertmanager = alertmanagerContainer(name, org, context, child, args.smtpPassword);
    const secrets = context.documents.secrets.values;
    const accounts = new MonitoringAccounts(
      `${name}-accounts`,
      {
        org,
        synapse: args.synapse,
        postgres: args.postgres,
        passwords: {
          probe: secrets.probe_password,
          alertBot: org.monitoring.alerts.matrix ? secrets.alert_bot_password : undefined,
          postgresMonitor: secrets.postgres_monitor_password,
        },
      },
      { parent: this, dependsOn: [...args.ready] },
    );
    const exporters = monitoringExporters(name, org, context, child, accounts);
    this.nodeExporter = exporters.nodeExporter;
    this.postgresExporter = exporters.postgresExporter;
    this.agents = monitoringAgents(
      name,
      { org, context, backupWork: args.backupWork },
      alsoDependingOn(child, [accounts]),
    );
    this.containers = [
      this.prometheus,
      this.alertmanager,
      this.nodeExporter,
      this.postgresExporter,
      this.agents.callProbe,
      ...(this.agents.alertBot ? [this.agents.alertBot] : []),
    ];
    this.registerOutputs({ prometheus: this.prometheus.name, alertmanager: this.alertmanager.name });
  }
}

function prometheusContainer(
  name: string,
  org: OrgConfig,
  context: ServiceContext,
  child: pulumi.CustomResourceOptions,
): docker.Container {
  const image = pinnedImage(`${name}-prometheus-image`, org.images.prometheus, child);
  const data = monitoringVolume(org.stack, `${name}-prometheus-data`, "prometheus-data", child);
  const documents = context.documents.forContainer();
  return new docker.Container(
    `${name}-prometheus`,
    {
      ...serviceDefaults(org.stack, SERVICES.prometheus, 1024),
      image: image.imageId,
      // The image's own CMD, with the retention and without the console templates (unused).
      command: [
        `--config.file=${PROMETHEUS_PATHS.config}`,
        `--storage.tsdb.path=${PROMETHEUS_PATHS.data}`,
        `--storage.tsdb.retention.time=${org.monitoring.retention}`,
        `--web.listen-address=:${PORTS.prometheus}`,
      ],
      uploads: documents.uploads([
        ["prometheus", PROMETHEUS_PATHS.config],
        ["alertRules", PROMETHEUS_PATHS.rules],
      ]),
      mounts: [{ type: "volume", source: data.name, target: PROMETHEUS_PATHS.data }],
      networksAdvanced: [{ name: context.network.name, aliases: [SERVICES.prometheus] }],
      // The Docker host's loopback only: ssh -L 9090:127.0.0.1:9090 <docker host>.
      ports: [{ internal: PORTS.prometheus, external: org.ports.prometheus, ip: "127.0.0.1" }],
      healthcheck: httpHealthcheck(PORTS.prometheus, "/-/ready"),
    },
    { ...child, replaceWith: documents.replaceWith() },
  );
}

function alertmanagerContainer(
  name: string,
  org: OrgConfig,
  context: ServiceContext,
  child: pulumi.CustomResourceOptions,
  smtpPassword: pulumi.Input<string> | undefined,
): docker.Container {
  const image = pinnedImage(`${name}-alertmanager-image`, org.images.alertmanager, child);
  const data = monitoringVolume(org.stack, `${name}-alertmanager-data`, "alertmanager-data", child);
  const documents = context.documents.forContainer();
  const config = documents.uploads([["alertmanager", ALERTMANAGER_PATHS.config]]);
  const login = org.monitoring.alerts.email?.username !== undefined && smtpPassword !== undefined;
  return new docker.Container(
    `${name}-alertmanager`,
    {
      ...serviceDefaults(org.stack, SERVICES.alertmanager, 256),
      image: image.imageId,
      command: [
        `--config.file=${ALERTMANAGER_PATHS.config}`,
        `--storage.path=${ALERTMANAGER_PATHS.data}`,
        // One Alertmanager per stack: no gossip port, no cluster.
        "--cluster.listen-address=",
      ],
      uploads: login
        ? pulumi.secret(
            pulumi
              .all([config, smtpPassword])
              .apply(([files, password]) => [...files, { file: SMTP_PASSWORD_FILE, content: password }]),
          )
        : config,
      mounts: [{ type: "volume", source: data.name, target: ALERTMANAGER_PATHS.data }],
      networksAdvanced: [{ name: context.network.name, aliases: [SERVICES.alertmanager] }],
      ports: [{ internal: PORTS.alertmanager, external: org.ports.alertmanager, ip: "127.0.0.1" }],
      healthcheck: httpHealthcheck(PORTS.alertmanager, "/-/ready"),
    },
    { ...child, replaceWith: documents.replaceWith() },
  );
}
