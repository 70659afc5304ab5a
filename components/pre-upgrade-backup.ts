import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { OrgConfig } from "../config/model";
import { backupNames } from "../model/backup-layout";
import { dockerName } from "../model/topology";
import { PreUpgradeBackupInputs } from "./pre-upgrade-backup-provider";
import { providerText } from "./provider-text";

/** How long `pulumi up` lets the backup before an upgrade run (a first backup of a large media store is slow). */
export const PRE_UPGRADE_BACKUP_TIMEOUT_SECONDS = 4 * 3600;

/**
 * A backup before `pulumi up` replaces Synapse or PostgreSQL with another image (pre-upgrade-backup-provider.ts):
 * it depends on the new images (pulled first) and on the backup's containers; Synapse's and PostgreSQL's containers
 * depend on it, so a failed backup stops `up` before either is replaced. The preview shows it as an update whenever
 * one of their images changes; a first deploy records that there was nothing to back up.
 */
export class PreUpgradeBackup extends pulumi.CustomResource {
  declare readonly taken: pulumi.Output<boolean>;
  declare readonly snapshot: pulumi.Output<string>;
  declare readonly at: pulumi.Output<string>;
  declare readonly seconds: pulumi.Output<number>;
  declare readonly reason: pulumi.Output<string>;

  constructor(
    name: string,
    args: {
      readonly org: OrgConfig;
      readonly synapseImage: docker.RemoteImage;
      readonly postgresImage: docker.RemoteImage;
      /** The backup's containers: made (or updated) before the backup runs in them. */
      readonly backupContainers: readonly docker.Container[];
    },
    opts: { readonly parent: pulumi.Resource },
  ) {
    const { org } = args;
    const names = backupNames(org);
    const inputs: Omit<PreUpgradeBackupInputs, "wanted"> = {
      dockerHost: org.docker.host,
      stack: org.stack,
      containers: {
        synapse: dockerName(org.stack, "synapse"),
        postgres: dockerName(org.stack, "postgres"),
        backup: names.container,
        backupDump: names.dumpContainer,
      },
      timeoutSeconds: PRE_UPGRADE_BACKUP_TIMEOUT_SECONDS,
    };
    super(
      "pulumi-nodejs:dynamic/matrix-fleet:PreUpgradeBackup",
      name,
      {
        ...inputs,
        wanted: {
          synapse: { image: org.images.synapse, imageId: args.synapseImage.imageId },
          postgres: { image: org.images.postgres, imageId: args.postgresImage.imageId },
        },
        taken: undefined,
        snapshot: undefined,
        at: undefined,
        seconds: undefined,
        reason: undefined,
        __provider: providerText("components/pre-upgrade-backup-provider", "PreUpgradeBackupProvider"),
      },
      // The dynamic provider is the resource's own; never deleted before a replacement (it is never replaced).
      { parent: opts.parent, dependsOn: [...args.backupContainers] },
    );
  }
}
