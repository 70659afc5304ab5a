import * as path from "node:path";
import { OrgConfig, StateStoreId } from "../config/model";
import { POSTGRES_DATA_DIR } from "../facts/postgres";
import { SYNAPSE_PATHS } from "../facts/synapse";
import { HostLocation, RunningDeployment } from "./running-deployment";

type Doc = Record<string, unknown>;

/** The `adopt` section the report proposes: stores by volume name or host directory, Synapse paths, database. */
export interface AdoptSection {
  volumes: Partial<Record<StateStoreId, string>>;
  synapse: Doc;
  database: Doc;
}

/** Where each state store of the running deployment is, as `adopt` settings; what blocks adopting it. */
export function adoptedStores(
  org: OrgConfig,
  deployment: RunningDeployment,
  blockers: string[],
  notes: string[],
): AdoptSection {
  const adopt: AdoptSection = { volumes: {}, synapse: {}, database: {} };
  postgresStore(deployment, adopt, blockers);
  const homeserver = deployment.homeserver?.content;
  if (homeserver !== undefined) synapseStores(org, deployment, homeserver, adopt, blockers);
  if (org.components.jitsi) jitsiStores(deployment, adopt, notes);
  return adopt;
}

function storeValue(location: HostLocation): string {
  return location.kind === "volume" ? location.volume : location.root;
}

/** PostgreSQL: the whole data directory, at the path the official image uses. */
function postgresStore(deployment: RunningDeployment, adopt: AdoptSection, blockers: string[]): void {
  const pgData = deployment.environments.postgres?.PGDATA ?? POSTGRES_DATA_DIR;
  const pg = deployment.locate("postgres", pgData);
  if (deployment.services.postgres === undefined) {
    blockers.push("no PostgreSQL service found; matrix-fleet adopts Synapse's PostgreSQL database");
  } else if (pg === undefined || pg.relative !== "") {
    blockers.push(
      `${deployment.services.postgres.name}: the data directory ${pgData} is not the root of a volume or bind mount; move it to its own volume at ${POSTGRES_DATA_DIR} first`,
    );
  } else {
    adopt.volumes.postgresData = storeValue(pg);
  }
}

/** Synapse: the store holding the signing key becomes /data; media follows into /data or its own store. */
function synapseStores(
  org: OrgConfig,
  deployment: RunningDeployment,
  homeserver: Doc,
  adopt: AdoptSection,
  blockers: string[],
): void {
  const database = homeserver.database as { name?: string; args?: Doc } | undefined;
  if (database?.name !== "psycopg2") {
    blockers.push(
      `Synapse uses database ${String(database?.name ?? "sqlite3")}; matrix-fleet runs PostgreSQL: port it first (synapse_port_db)`,
    );
  } else {
    const user = database.args?.user;
    const name = database.args?.dbname ?? database.args?.database;
    if (typeof user === "string" && user !== org.adoption.database.user) adopt.database.user = user;
    if (typeof name === "string" && name !== org.adoption.database.name) adopt.database.name = name;
  }
  const keyPath = String(homeserver.signing_key_path ?? "");
  const key = keyPath === "" ? undefined : deployment.locate("synapse", keyPath);
  if (key === undefined) {
    blockers.push(
      `Synapse's signing key (${keyPath || "signing_key_path not set"}) is not on a volume or bind mount; copy it out of the container before anything else (docker compose cp)`,
    );
  } else {
    adopt.volumes.synapseData = storeValue(key);
    adopt.synapse.signingKeyPath = path.posix.join(SYNAPSE_PATHS.dataDir, key.relative);
    const mediaPath = String(homeserver.media_store_path ?? "");
    const media = mediaPath === "" ? undefined : deployment.locate("synapse", mediaPath);
    if (media === undefined) {
      blockers.push(
        `Synapse's media store (${mediaPath || "media_store_path not set"}) is not on a volume or bind mount`,
      );
    } else if (storeValue(media) === storeValue(key) && media.kind === key.kind) {
      adopt.synapse.mediaStorePath = path.posix.join(SYNAPSE_PATHS.dataDir, media.relative);
    } else {
      adopt.volumes.synapseMedia = storeValue(media);
      adopt.synapse.mediaStorePath = path.posix.join(SYNAPSE_PATHS.mediaStore, media.relative);
    }
  }
  const uid = deployment.environments.synapse?.UID;
  if (uid !== undefined && uid !== "991") {
    blockers.push(
      `Synapse runs as UID ${uid} (compose UID=${uid}); matrix-fleet runs it as 991: chown the data directory to 991:991 first`,
    );
  }
}

function jitsiStores(deployment: RunningDeployment, adopt: AdoptSection, notes: string[]): void {
  const prosody = deployment.locate("jitsiProsody", "/var/lib/prosody");
  if (prosody !== undefined && prosody.relative === "") adopt.volumes.jitsiProsody = storeValue(prosody);
  else if (deployment.services.jitsiProsody !== undefined)
    notes.push(
      "prosody keeps no state on a mount at /var/lib/prosody; its service accounts are registered again from the environment",
    );
  const transcripts = deployment.locate("jitsiWeb", "/usr/share/jitsi-meet/transcripts");
  if (transcripts !== undefined && transcripts.relative === "")
    adopt.volumes.jitsiTranscripts = storeValue(transcripts);
}
