import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { OrgConfig } from "../config/model";
import {
  AGENT_PATHS,
  MONITORING_CONTAINER_PORTS as PORTS,
  MONITORING_SERVICES as SERVICES,
  NODE_EXPORTER_MOUNT_POINTS_EXCLUDE,
} from "../facts/monitoring";
import { alsoDependingOn, httpHealthcheck, monitoringVolume } from "./monitoring-shared";
import { ServiceContext, pinnedImage, serviceDefaults } from "./shared";

/** Where node-exporter sees the Docker host's root filesystem (`--path.rootfs`). */
const HOST_ROOT = "/host";

/**
 * node-exporter and postgres-exporter, on the stack network with no published port.
 *
 * node-exporter sees the Docker host's filesystems through `/` bound read-only at /host with `--path.rootfs=/host`,
 * as its upstream docs run it, but on the bridge and in its own PID namespace: it reads the mounts from its own
 * /proc/1/mounts, where the bind's submounts appear under /host (the prefix it strips), so it needs neither the
 * host's PID namespace nor its PID 1; its network figures are its own, and nothing listens on the host. The bind keeps
 * Docker's default propagation (rprivate): `rslave` needs `/` to be a shared mount, which it is not on hosts without
 * systemd (the lab's); a filesystem mounted after the exporter started shows after a restart.
 * Its textfile directory is the stack's `textfile-metrics` volume: the backups write their last success there.
 */
export function monitoringExporters(
  name: string,
  org: OrgConfig,
  context: ServiceContext,
  child: pulumi.CustomResourceOptions,
  accounts: pulumi.Resource,
): { nodeExporter: docker.Container; postgresExporter: docker.Container } {
  const nodeImage = pinnedImage(`${name}-node-exporter-image`, org.images.nodeExporter, child);
  const textfile = monitoringVolume(org.stack, `${name}-textfile-metrics`, "textfile-metrics", child);
  const nodeExporter = new docker.Container(
    `${name}-node-exporter`,
    {
      ...serviceDefaults(org.stack, SERVICES.nodeExporter, 128),
      image: nodeImage.imageId,
      command: [
        `--path.rootfs=${HOST_ROOT}`,
        `--collector.textfile.directory=${AGENT_PATHS.textfile}`,
        `--collector.filesystem.mount-points-exclude=${NODE_EXPORTER_MOUNT_POINTS_EXCLUDE}`,
      ],
      mounts: [
        { type: "bind", source: "/", target: HOST_ROOT, readOnly: true },
        { type: "volume", source: textfile.name, target: AGENT_PATHS.textfile, readOnly: true },
      ],
      networksAdvanced: [{ name: context.network.name, aliases: [SERVICES.nodeExporter] }],
      healthcheck: httpHealthcheck(PORTS.nodeExporter, "/"),
    },
    child,
  );

  const postgresImage = pinnedImage(`${name}-postgres-exporter-image`, org.images.postgresExporter, child);
  const documents = context.documents.forContainer();
  const postgresExporter = new docker.Container(
    `${name}-postgres-exporter`,
    {
      ...serviceDefaults(org.stack, SERVICES.postgresExporter, 128),
      image: postgresImage.imageId,
      envs: documents.envs((plan) => plan.monitoring?.postgresExporter),
      networksAdvanced: [{ name: context.network.name, aliases: [SERVICES.postgresExporter] }],
      healthcheck: httpHealthcheck(PORTS.postgresExporter, "/"),
    },
    { ...alsoDependingOn(child, [accounts]), replaceWith: documents.replaceWith() },
  );
  return { nodeExporter, postgresExporter };
}
