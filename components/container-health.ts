import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { providerText } from "./provider-text";
import { OrgConfig } from "../config/model";

/**
 * Health gates: one ContainerHealthGate per container with a healthcheck, so `pulumi up` returns only once each is
 * healthy, and fails with the container's last log lines when it is not (container-health-gate-provider.ts).
 */

/** How long each service may take to become healthy (Synapse: schema migrations on a first start). */
export const HEALTH_TIMEOUT_SECONDS = {
  postgres: 120,
  synapse: 300,
  elementWeb: 90,
  coturn: 120,
  livekit: 120,
  ketesa: 90,
  prometheus: 90,
  alertmanager: 90,
  nodeExporter: 60,
  postgresExporter: 60,
  callProbe: 60,
  alertBot: 60,
  // The backup's loops (their heartbeat, never the backup target: an unreachable target must not block a deploy).
  backup: 90,
  backupDump: 90,
} as const;

/** Waits, during `pulumi up`, for one container to become healthy. */
export class ContainerHealthGate extends pulumi.CustomResource {
  declare readonly healthyAfterSeconds: pulumi.Output<number>;

  constructor(
    name: string,
    container: docker.Container,
    dockerHost: string,
    timeoutSeconds: number,
    opts: pulumi.CustomResourceOptions,
  ) {
    super(
      "pulumi-nodejs:dynamic/matrix-fleet:ContainerHealthGate",
      name,
      {
        dockerHost,
        container: container.name,
        containerId: container.id,
        timeoutSeconds,
        healthyAfterSeconds: undefined,
        __provider: providerText("components/container-health-gate-provider", "HealthGateProvider"),
      },
      { parent: opts.parent, dependsOn: [container] },
    );
  }
}

/** A health gate for each container that has a healthcheck, with its service's time limit. */
export function healthGates(
  name: string,
  org: OrgConfig,
  containers: ReadonlyArray<readonly [keyof typeof HEALTH_TIMEOUT_SECONDS, docker.Container | undefined]>,
): Map<string, ContainerHealthGate> {
  return new Map(
    containers.flatMap(([service, container]) =>
      container === undefined
        ? []
        : [
            [
              service,
              new ContainerHealthGate(
                `${name}-${service}-healthy`,
                container,
                org.docker.host,
                HEALTH_TIMEOUT_SECONDS[service],
                { parent: container },
              ),
            ] as const,
          ],
    ),
  );
}
