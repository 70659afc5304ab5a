import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { OrgConfig } from "../config/model";
import * as path from "node:path";
import { DATABASE, POSTGRES_DATA_DIR } from "../facts/postgres";
import { PostgresMajorCheck } from "./postgres-major-check";
import { SYNAPSE_PATHS, SYNAPSE_UID } from "../facts/synapse";
import { synapseMounts } from "../model/topology";
import { ServiceContext, StateStore, pinnedImage, serviceDefaults } from "./shared";

export interface SynapseArgs {
  readonly org: OrgConfig;
  readonly context: ServiceContext;
  /**
   * What must be done before PostgreSQL or Synapse is (re)created: the backup before an upgrade. A promise, because
   * that backup runs in containers made after this component (the backup reads its stores and image).
   */
  readonly before?: Promise<pulumi.Resource[]>;
}

/**
 * Synapse and its PostgreSQL. State lives in three stores: the database, Synapse's data directory (signing key)
 * and the media store (which an adopted layout may keep inside the data directory). Losing the signing key breaks
 * every federation peer's trust in our server; losing the others loses rooms and files.
 */
export class Synapse extends pulumi.ComponentResource {
  readonly container: docker.Container;
  readonly postgres: docker.Container;
  /** The server's PostgreSQL image: the backup's dump container runs the same one. */
  readonly postgresImage: docker.RemoteImage;
  readonly image: docker.RemoteImage;
  readonly stores: StateStore[];

  constructor(name: string, args: SynapseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-fleet:synapse:Synapse", name, {}, opts);
    const { org, context } = args;
    const child = context.childOptions(this);
    const stack = org.stack;

    const database = new StateStore("postgresData", `${name}-postgres-data`, org, child);
    const mounts = synapseMounts(org).map(({ target, store }) => ({
      target,
      store: new StateStore(store, store === "synapseData" ? `${name}-data` : `${name}-media`, org, child),
    }));
    this.stores = [database, ...mounts.map((m) => m.store)];

    this.postgresImage = pinnedImage(`${name}-postgres-image`, org.images.postgres, child);
    this.image = pinnedImage(`${name}-image`, org.images.synapse, child);
    const before = args.before ?? Promise.resolve([]);
    this.postgres = postgresContainer(
      name,
      org,
      context,
      { database, image: this.postgresImage, before },
      child,
    );

    const documents = context.documents.forContainer();
    this.container = new docker.Container(
      `${name}-synapse`,
      {
        ...serviceDefaults(stack, "synapse", 2048),
        image: this.image.imageId,
        entrypoints: [
          "/bin/sh",
          "-c",
          synapseBootstrap(
            org,
            mounts.map((m) => m.target),
          ),
        ],
        envs: [`SYNAPSE_CONFIG_PATH=${SYNAPSE_PATHS.config}`],
        uploads: documents.uploads([
          ["homeserver", SYNAPSE_PATHS.config],
          ["synapseLogConfig", SYNAPSE_PATHS.logConfig],
        ]),
        mounts: mounts.map(({ target, store }) => store.mount(target)),
        networksAdvanced: [{ name: context.network.name, aliases: ["synapse"] }],
        // Published on the Docker host for the reverse proxy, which runs on another host.
        ports: [{ internal: org.ports.synapse, external: org.ports.synapse }],
        healthcheck: {
          tests: ["CMD-SHELL", `curl -fSs http://localhost:${org.ports.synapse}/health || exit 1`],
          interval: "15s",
          timeout: "5s",
          retries: 3,
          startPeriod: "1m0s",
        },
      },
      {
        ...child,
        dependsOn: after(before, [this.postgres]),
        replaceWith: documents.replaceWith(),
      },
    );
    this.registerOutputs({ container: this.container.name, postgres: this.postgres.name });
  }
}

/**
 * Synapse creates a missing signing key itself at start (`--generate-missing-and-run` is its default mode,
 * synapse/config/_base.py), but the image's start.py only hands over to Synapse's user without fixing the
 * ownership of fresh named volumes. Make the volume roots writable for that user, then start as usual.
 */
function synapseBootstrap(org: OrgConfig, mountTargets: readonly string[]): string {
  const uid = `${SYNAPSE_UID}:${SYNAPSE_UID}`;
  const keyDir = path.posix.dirname(org.adoption.signingKeyPath);
  const owned = [...new Set([...mountTargets, keyDir])];
  return [`mkdir -p ${keyDir}`, `chown ${uid} ${owned.join(" ")}`, "exec /start.py"].join(" && ");
}

/** PostgreSQL on the database store, never started on another major's data (PostgresMajorCheck). */
function postgresContainer(
  name: string,
  org: OrgConfig,
  context: ServiceContext,
  {
    database,
    image,
    before,
  }: { database: StateStore; image: docker.RemoteImage; before: Promise<pulumi.Resource[]> },
  child: pulumi.CustomResourceOptions,
): docker.Container {
  const { user, name: dbname } = org.adoption.database;
  // Another major than the data's would never start: refused in preview, before anything is replaced.
  const majorCheck = new PostgresMajorCheck(`${name}-postgres-major`, org, child);
  const postgresDocuments = context.documents.forContainer();
  const password = postgresDocuments.value(
    (plan) => (plan.synapse.homeserver.database as { args: { password: string } }).args.password,
  );
  return new docker.Container(
    `${name}-postgres`,
    {
      ...serviceDefaults(org.stack, "postgres", 1024),
      image: image.imageId,
      envs: [
        // Used only when the image initialises an empty data directory; an adopted one keeps its own.
        `POSTGRES_USER=${user}`,
        `POSTGRES_DB=${dbname}`,
        // Synapse requires C collation and ctype (docs/postgres.md); initdb applies them to POSTGRES_DB.
        "POSTGRES_INITDB_ARGS=--encoding=UTF8 --lc-collate=C --lc-ctype=C",
        pulumi.secret(pulumi.interpolate`POSTGRES_PASSWORD=${password}`),
      ],
      mounts: [database.mount(POSTGRES_DATA_DIR)],
      networksAdvanced: [{ name: context.network.name, aliases: [DATABASE.host] }],
      healthcheck: {
        tests: ["CMD-SHELL", `pg_isready -U ${user} -d ${dbname}`],
        interval: "10s",
        timeout: "5s",
        retries: 5,
      },
    },
    {
      ...child,
      dependsOn: after(before, [...((child.dependsOn as pulumi.Resource[] | undefined) ?? []), majorCheck]),
      replaceWith: postgresDocuments.replaceWith(),
    },
  );
}

/** `dependsOn` of a stateful container: its own dependencies and what must be done first (`SynapseArgs.before`). */
function after(
  before: Promise<pulumi.Resource[]>,
  own: pulumi.Resource[],
): pulumi.Input<pulumi.Input<pulumi.Resource>[]> {
  const all: Promise<pulumi.Resource[]> = before.then((first) => [...own, ...first]);
  return all;
}
