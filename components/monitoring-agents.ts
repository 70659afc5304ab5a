import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { OrgConfig } from "../config/model";
import { BACKUP_PATHS } from "../facts/backup";
import {
  AGENT_PATHS,
  MONITORING_CONTAINER_PORTS as PORTS,
  MONITORING_SERVICES as SERVICES,
} from "../facts/monitoring";
import { agentBundle } from "./agent-bundle";
import { httpHealthcheck } from "./monitoring-shared";
import { ServiceContext, pinnedImage, serviceDefaults } from "./shared";

export interface AgentContainers {
  readonly callProbe: docker.Container;
  /** With Matrix delivery (monitoring.alerts.matrix). */
  readonly alertBot: docker.Container | undefined;
}

/** The upstream Node image's unprivileged user (uid 1000). */
const NODE_USER = "node";

/**
 * The call probe and the alert bot (agents/): each a bundle of its program (agent-bundle.ts) uploaded into the
 * pinned upstream Node image, run as its unprivileged `node` user, with its Matrix password in its environment and
 * nothing published. Both start once their accounts exist (`child` depends on them).
 */
export function monitoringAgents(
  name: string,
  parts: { org: OrgConfig; context: ServiceContext; backupWork: docker.Volume | undefined },
  child: pulumi.CustomResourceOptions,
): AgentContainers {
  const { org, context, backupWork } = parts;
  const image = pinnedImage(`${name}-nodejs-image`, org.images.nodejs, child);
  const probeDocuments = context.documents.forContainer();
  const probeConfig = probeDocuments.uploads([["callProbe", AGENT_PATHS.probeConfig]]);
  const probeProgram = { file: AGENT_PATHS.probe, content: agentBundle("agents/call-probe-main") };
  const probeHosts = context.documents.template.monitoring?.probeHosts ?? [];
  const callProbe = new docker.Container(
    `${name}-call-probe`,
    {
      ...serviceDefaults(org.stack, SERVICES.callProbe, 192),
      image: image.imageId,
      user: NODE_USER,
      entrypoints: ["node", AGENT_PATHS.probe, AGENT_PATHS.probeConfig],
      uploads: pulumi.output(probeConfig).apply((files) => [...files, probeProgram]),
      envs: probeDocuments.envs((plan) => plan.monitoring?.probeEnv),
      // The organisation's public names at its LAN addresses (monitoring.probe.viaLan; config-templates/call-probe.ts).
      hosts: probeHosts.length === 0 ? undefined : probeHosts.map(({ name: host, ip }) => ({ host, ip })),
      // The backup's status file for verify's backups check: read-only, the probe only reads it.
      mounts:
        backupWork === undefined
          ? undefined
          : [{ type: "volume", source: backupWork.name, target: BACKUP_PATHS.work, readOnly: true }],
      networksAdvanced: [{ name: context.network.name, aliases: [SERVICES.callProbe] }],
      healthcheck: httpHealthcheck(PORTS.callProbe, "/health"),
    },
    { ...child, replaceWith: probeDocuments.replaceWith() },
  );
  if (!org.monitoring.alerts.matrix) return { callProbe, alertBot: undefined };

  const botDocuments = context.documents.forContainer();
  const alertBot = new docker.Container(
    `${name}-alert-bot`,
    {
      ...serviceDefaults(org.stack, SERVICES.alertBot, 128),
      image: image.imageId,
      user: NODE_USER,
      entrypoints: ["node", AGENT_PATHS.alertBot],
      uploads: [{ file: AGENT_PATHS.alertBot, content: agentBundle("agents/alert-bot-main") }],
      envs: botDocuments.envs((plan) => plan.monitoring?.alertBot),
      networksAdvanced: [{ name: context.network.name, aliases: [SERVICES.alertBot] }],
      healthcheck: httpHealthcheck(PORTS.alertBot, "/health"),
    },
    { ...child, replaceWith: botDocuments.replaceWith() },
  );
  return { callProbe, alertBot };
}
