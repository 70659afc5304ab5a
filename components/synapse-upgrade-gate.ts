import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { providerText } from "./provider-text";

/** How long `pulumi up` waits for Synapse's background updates after a new Synapse (an upgrade's migrations). */
export const BACKGROUND_UPDATES_TIMEOUT_SECONDS = 3600;

/**
 * Waits, during `pulumi up`, until a new Synapse has no background update left, and records the database's schema
 * and compat versions (synapse-upgrade-gate-provider.ts). Runs after Synapse's health gate, again for every new
 * Synapse container; an unchanged Synapse is not waited for.
 */
export class SynapseUpgradeGate extends pulumi.CustomResource {
  declare readonly waitedSeconds: pulumi.Output<number>;
  declare readonly pendingAtStart: pulumi.Output<number>;
  declare readonly pendingNamesAtStart: pulumi.Output<string[]>;
  declare readonly schemaVersion: pulumi.Output<number>;
  declare readonly schemaCompatVersion: pulumi.Output<number>;

  constructor(
    name: string,
    args: {
      readonly synapse: docker.Container;
      readonly postgres: docker.Container;
      readonly synapseImage: string;
      readonly dockerHost: string;
      /** The database's user and name (an adopted one keeps its own). */
      readonly database: { readonly user: string; readonly name: string };
      /** The health gates of Synapse and PostgreSQL: the gate reads the database once both are up. */
      readonly healthy: readonly pulumi.Resource[];
    },
    opts: pulumi.CustomResourceOptions,
  ) {
    super(
      "pulumi-nodejs:dynamic/matrix-fleet:SynapseUpgradeGate",
      name,
      {
        dockerHost: args.dockerHost,
        postgresContainer: args.postgres.name,
        database: args.database.name,
        user: args.database.user,
        synapseContainerId: args.synapse.id,
        synapseImage: args.synapseImage,
        timeoutSeconds: BACKGROUND_UPDATES_TIMEOUT_SECONDS,
        pollMs: 2000,
        waitedSeconds: undefined,
        pendingAtStart: undefined,
        pendingNamesAtStart: undefined,
        schemaVersion: undefined,
        schemaCompatVersion: undefined,
        __provider: providerText("components/synapse-upgrade-gate-provider", "UpgradeGateProvider"),
      },
      { parent: opts.parent, dependsOn: [...args.healthy] },
    );
  }
}
