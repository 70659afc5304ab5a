import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { OrgConfig, StateStoreId } from "../config/model";
import { FileId } from "../config-templates/files";
import { BACKUP_PATHS } from "../facts/backup";
import { backupMounts, backupNames } from "../model/backup-layout";
import { ServiceContext, StateStore, pinnedImage, serviceDefaults } from "./shared";

export interface BackupArgs {
  readonly org: OrgConfig;
  readonly context: ServiceContext;
  /** The state stores the backup reads (and a restore writes), by id. */
  readonly stores: ReadonlyMap<StateStoreId, StateStore>;
  /** The server's own PostgreSQL image: the dump container runs it, so pg_dump is of the server's major. */
  readonly postgresImage: docker.RemoteImage;
  /** Values of secret config `backupCredentials` (names in `org.backup.credentials`), marked secret. */
  readonly credentials?: pulumi.Input<Readonly<Record<string, string>>>;
}

/** Healthy while the process touches its heartbeat file (the loops do every few seconds). */
function heartbeatCheck(file: string, maxAgeSeconds: number) {
  return {
    tests: ["CMD-SHELL", `test $(( $(date +%s) - $(stat -c %Y ${file}) )) -lt ${maxAgeSeconds}`],
    interval: "10s",
    timeout: "5s",
    retries: 3,
    startPeriod: "30s",
  };
}

/**
 * The organisation's backups: a dump container made from the server's own PostgreSQL image (it dumps on request,
 * into the work volume) and a backup container from restic's image whose scheduler takes the dump, the signing
 * key, the local media, Synapse's config and the Jitsi stores into one encrypted snapshot (config-templates/backup/).
 * The repository volume is protected and retained like the other state: neither `pulumi destroy` nor a config
 * change deletes it. Their healthchecks (and so `pulumi up`'s health gates) say only whether their loops run: an
 * unreachable backup target must not block deploying the organisation; `verify` reports it.
 */
export class Backup extends pulumi.ComponentResource {
  readonly container: docker.Container;
  readonly dumpContainer: docker.Container;
  readonly repositoryVolume: docker.Volume | undefined;
  /** Status, dump spool, cache: the call probe reads the status file from it (read-only). */
  readonly workVolume: docker.Volume;

  constructor(name: string, args: BackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-fleet:backup:Backup", name, {}, opts);
    const { org, context } = args;
    const child = context.childOptions(this);
    const names = backupNames(org);
    const labels = [{ label: "org.matrix-fleet.stack", value: org.stack }];
    // Status, the dump spool and restic's cache: rebuilt by the next run, so not protected.
    const work = new docker.Volume(`${name}-work`, { name: names.workVolume, labels }, child);
    const workMount = { type: "volume", source: work.name, target: BACKUP_PATHS.work };
    this.workVolume = work;

    this.dumpContainer = dumpContainer(name, args, work.name, child);
    this.repositoryVolume =
      org.backup.repository.kind === "volume"
        ? new docker.Volume(
            `${name}-repository`,
            { name: names.repositoryVolume, labels },
            { ...child, protect: true, retainOnDelete: true },
          )
        : undefined;
    const image = pinnedImage(`${name}-image`, org.images.backup, child);
    const documents = context.documents.forContainer();
    const envs = documents.envs((plan) => plan.backup?.env);
    const repository = org.backup.repository;
    this.container = new docker.Container(
      `${name}-backup`,
      {
        ...serviceDefaults(org.stack, "backup", 1024),
        image: image.imageId,
        entrypoints: ["/bin/sh", `${BACKUP_PATHS.scripts}/scheduler.sh`],
        envs:
          args.credentials === undefined || org.backup.credentials.length === 0
            ? envs
            : pulumi
                .secret(pulumi.all([envs, args.credentials]))
                .apply(([list, values]) => [
                  ...list,
                  ...org.backup.credentials.map((key) => `${key}=${values[key] ?? ""}`),
                ]),
        uploads: documents.uploads([
          ...scripts(["backupCommon", "backupScheduler", "backupRun", "backupRestore"]),
          ["homeserver", `${BACKUP_PATHS.config}/homeserver.yaml`],
          ["synapseLogConfig", `${BACKUP_PATHS.config}/log.config`],
          ...(context.documents.templateFiles.backupKnownHosts === undefined
            ? []
            : ([["backupKnownHosts", `${BACKUP_PATHS.scripts}/known_hosts`]] as const)),
        ]),
        mounts: [
          workMount,
          ...backupMounts(org).map(({ store, target }) => {
            const found = args.stores.get(store);
            if (found === undefined) throw new Error(`the backup needs the ${store} store`);
            return found.mount(target);
          }),
          ...(this.repositoryVolume === undefined
            ? []
            : [{ type: "volume", source: this.repositoryVolume.name, target: BACKUP_PATHS.repository }]),
        ],
        // A repository directory on the Docker host is created when missing (a bind, unlike --mount's).
        volumes:
          repository.kind === "directory"
            ? [{ hostPath: repository.path, containerPath: BACKUP_PATHS.repository }]
            : [],
        // Off-host repositories are reached through the stack's bridge, like any outbound connection.
        networksAdvanced: [{ name: context.network.name }],
        healthcheck: heartbeatCheck(`${BACKUP_PATHS.work}/scheduler-heartbeat`, 120),
      },
      { ...child, dependsOn: [this.dumpContainer], replaceWith: documents.replaceWith() },
    );
    this.registerOutputs({ container: this.container.name, dumpContainer: this.dumpContainer.name });
  }
}

/** The dump container: the server's own PostgreSQL image, answering the backup container's dump requests. */
function dumpContainer(
  name: string,
  { org, context, postgresImage }: BackupArgs,
  work: pulumi.Input<string>,
  child: pulumi.CustomResourceOptions,
): docker.Container {
  const documents = context.documents.forContainer();
  return new docker.Container(
    `${name}-dump`,
    {
      ...serviceDefaults(org.stack, "backup-dump", 512),
      image: postgresImage.imageId,
      entrypoints: ["/bin/sh", `${BACKUP_PATHS.scripts}/dump-agent.sh`, "serve"],
      envs: documents.envs((plan) => plan.backup?.dumpEnv),
      uploads: documents.uploads(scripts(["backupCommon", "backupDumpAgent"])),
      mounts: [{ type: "volume", source: work, target: BACKUP_PATHS.work }],
      networksAdvanced: [{ name: context.network.name }],
      healthcheck: heartbeatCheck(`${BACKUP_PATHS.work}/dump/agent-heartbeat`, 60),
    },
    { ...child, replaceWith: documents.replaceWith() },
  );
}

/** The backup scripts as uploads, each at its file name under the scripts directory. */
function scripts(ids: readonly FileId[]): Array<readonly [FileId, string]> {
  return ids.map((id) => [id, `${BACKUP_PATHS.scripts}/${FILE_NAMES[id] ?? id}`] as const);
}

const FILE_NAMES: Partial<Record<FileId, string>> = {
  backupCommon: "common.sh",
  backupScheduler: "scheduler.sh",
  backupRun: "backup.sh",
  backupDumpAgent: "dump-agent.sh",
  backupRestore: "restore.sh",
};
