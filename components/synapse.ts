import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { OrgConfig } from "../lib/model";
import { DATABASE, SYNAPSE_PATHS, SYNAPSE_UID } from "../lib/topology";
import { ServiceContext, dockerName, pinnedImage, serviceDefaults, statefulVolume, upload } from "./shared";

export interface SynapseArgs {
  readonly org: OrgConfig;
  readonly context: ServiceContext;
}

/**
 * Synapse and its PostgreSQL. State lives in three protected, retained volumes: the database, Synapse's data
 * directory (signing key) and the media store. Losing the signing key breaks every federation peer's trust in
 * our server; losing the others loses rooms and files.
 */
export class Synapse extends pulumi.ComponentResource {
  readonly container: docker.Container;
  readonly postgres: docker.Container;
  readonly volumes: {
    readonly database: docker.Volume;
    readonly data: docker.Volume;
    readonly media: docker.Volume;
  };

  constructor(name: string, args: SynapseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-fleet:synapse:Synapse", name, {}, opts);
    const { org, context } = args;
    const child = { parent: this, provider: context.provider };
    const stack = org.stack;

    this.volumes = {
      database: statefulVolume(`${name}-postgres-data`, dockerName(stack, "postgres-data"), stack, child),
      data: statefulVolume(`${name}-data`, dockerName(stack, "synapse-data"), stack, child),
      media: statefulVolume(`${name}-media`, dockerName(stack, "synapse-media"), stack, child),
    };

    const postgresImage = pinnedImage(`${name}-postgres-image`, org.images.postgres, child);
    const password = context.plan.apply((plan) => {
      const args = (plan.synapse.homeserver.database as { args: { password: string } }).args;
      return args.password;
    });
    this.postgres = new docker.Container(
      `${name}-postgres`,
      {
        ...serviceDefaults(stack, "postgres", 1024),
        image: postgresImage.imageId,
        envs: [
          `POSTGRES_USER=${DATABASE.user}`,
          `POSTGRES_DB=${DATABASE.name}`,
          // Synapse requires C collation and ctype (docs/postgres.md); initdb applies them to POSTGRES_DB.
          "POSTGRES_INITDB_ARGS=--encoding=UTF8 --lc-collate=C --lc-ctype=C",
          pulumi.secret(pulumi.interpolate`POSTGRES_PASSWORD=${password}`),
        ],
        volumes: [{ volumeName: this.volumes.database.name, containerPath: "/var/lib/postgresql/data" }],
        networksAdvanced: [{ name: context.network.name, aliases: [DATABASE.host] }],
        healthcheck: {
          tests: ["CMD-SHELL", `pg_isready -U ${DATABASE.user} -d ${DATABASE.name}`],
          interval: "10s",
          timeout: "5s",
          retries: 5,
        },
      },
      child,
    );

    const synapseImage = pinnedImage(`${name}-image`, org.images.synapse, child);
    // Synapse creates a missing signing key itself at start (`--generate-missing-and-run` is its default mode,
    // synapse/config/_base.py), but the image's start.py only hands over to Synapse's user without fixing the
    // ownership of fresh named volumes. Make the volume roots writable for that user, then start as usual.
    const uid = `${SYNAPSE_UID}:${SYNAPSE_UID}`;
    const bootstrap = [
      `mkdir -p ${SYNAPSE_PATHS.signingKeyDir}`,
      `chown ${uid} ${SYNAPSE_PATHS.dataDir} ${SYNAPSE_PATHS.signingKeyDir} ${SYNAPSE_PATHS.mediaStore}`,
      "exec /start.py",
    ].join(" && ");
    this.container = new docker.Container(
      `${name}-synapse`,
      {
        ...serviceDefaults(stack, "synapse", 2048),
        image: synapseImage.imageId,
        entrypoints: ["/bin/sh", "-c", bootstrap],
        envs: [`SYNAPSE_CONFIG_PATH=${SYNAPSE_PATHS.config}`],
        uploads: [
          upload(context.files, "homeserver", SYNAPSE_PATHS.config),
          upload(context.files, "synapseLogConfig", SYNAPSE_PATHS.logConfig),
        ],
        volumes: [
          { volumeName: this.volumes.data.name, containerPath: SYNAPSE_PATHS.dataDir },
          { volumeName: this.volumes.media.name, containerPath: SYNAPSE_PATHS.mediaStore },
        ],
        networksAdvanced: [{ name: context.network.name, aliases: ["synapse"] }],
        // Published on the Docker host for the reverse proxy, which runs on another host.
        ports: [{ internal: org.ports.synapse, external: org.ports.synapse }],
        healthcheck: {
          tests: ["CMD-SHELL", `curl -fSs http://localhost:${org.ports.synapse}/health || exit 1`],
          interval: "15s",
          timeout: "5s",
          retries: 3,
          startPeriod: "60s",
        },
      },
      { ...child, dependsOn: [this.postgres] },
    );
    this.registerOutputs({ container: this.container.name, postgres: this.postgres.name });
  }
}
