import { OrgConfig } from "../config/model";
import { BACKUP_PATHS, BackupManifest } from "../facts/backup";
import { backupPathOf } from "../model/backup-layout";
import { BackupError } from "./backup-host";

/** What the restore found on the Docker host before changing anything (the scripts' `probe` answers). */
export interface RestoreFindings {
  /** dump-agent.sh probe: status, client_major, server_major, tables, users, rooms, events, local_media. */
  readonly database: Readonly<Record<string, string>>;
  /** restore.sh probe: signing_key, local_content, local_thumbnails, `store <path>` counts. */
  readonly files: Readonly<Record<string, string>>;
}

/** The database dump in a snapshot: pg_dump's directory format, its table of contents `toc.dat` inside. */
export const DUMP_PATH = `${BACKUP_PATHS.work}/snapshot/synapse.dump`;

/**
 * Whether a snapshot may be restored onto what the host holds, decided before anything changes. Synapse's own
 * rule (backups.md): never restore into a database that has tables. A database whose tables are only the schema
 * Synapse's first start on this host made (no users, rooms or events), and the signing key that start made, hold
 * nothing: they are replaced, and said so. Anything holding data is replaced only with its flag. Throws a
 * BackupError naming what is wrong and the fix; returns the notes to print and whether stores are cleared first.
 */
export function judgeRestore(
  org: OrgConfig,
  snapshot: string,
  manifest: BackupManifest,
  found: RestoreFindings,
  options: { replaceDatabase?: boolean; replaceFiles?: boolean; withoutSigningKey?: boolean },
): { notes: string[]; replace: boolean } {
  const refuse = (what: string, fix: string): never => {
    throw new BackupError(`refused: ${what}\n    fix: ${fix}`);
  };
  const notes: string[] = [`snapshot ${snapshot} of ${manifest.created} (${manifest.files.length} files)`];
  const db = found.database;
  if (db.status !== "ok")
    refuse(
      db.message ?? "the database cannot be reached",
      `check matrix-${org.stack}-postgres (docker logs)`,
    );
  checkSnapshot(org, snapshot, manifest, options, refuse);
  checkPostgres(org, manifest, db, refuse);
  const [tables, users, rooms, events] = ["tables", "users", "rooms", "events"].map((k) =>
    Number(db[k] ?? 0),
  );
  const fresh = users === 0 && rooms === 0 && events === 0;
  if (!fresh && !options.replaceDatabase)
    refuse(
      `database ${org.adoption.database.name} on matrix-${org.stack}-postgres holds ${users} users, ${rooms} rooms and ${events} events (${tables} tables): restoring over them would mix two histories`,
      `to replace them with the snapshot, run again with --replace-database (take a backup of them first: ./fleet backup --stack ${org.stack})`,
    );
  notes.push(
    tables === 0
      ? "the database is empty"
      : fresh
        ? `the database holds only the schema Synapse's first start made here (${tables} tables, no users, rooms or events): it is dropped and recreated`
        : `--replace-database: ${users} users, ${rooms} rooms and ${events} events are replaced`,
  );
  const media = Number(found.files.local_content ?? 0) + Number(found.files.local_thumbnails ?? 0);
  const stores = Object.entries(found.files).filter(
    ([key, count]) => key.startsWith("store ") && count !== "0",
  );
  const key = found.files.signing_key ?? "";
  const keyDiffers = key !== "" && manifest.signingKeyId !== undefined && key !== manifest.signingKeyId;
  const held = [
    ...(media > 0 ? [`${media} local media files`] : []),
    ...(!fresh ? stores.map(([store, count]) => `${count} files in ${store.slice(6)}`) : []),
    ...(!fresh && keyDiffers ? [`the signing key ${key} (the snapshot's is ${manifest.signingKeyId})`] : []),
  ];
  if (held.length > 0 && !options.replaceFiles)
    refuse(
      `the stores on ${org.docker.host} hold ${held.join(", ")}`,
      "to replace them with the snapshot's, run again with --replace-files",
    );
  if (keyDiffers)
    notes.push(
      `the signing key ${key} ${fresh ? "Synapse made at its first start here" : "on the host"} is replaced by the snapshot's ${manifest.signingKeyId}`,
    );
  return { notes, replace: fresh || options.replaceFiles === true };
}

function checkSnapshot(
  org: OrgConfig,
  snapshot: string,
  manifest: BackupManifest,
  options: { withoutSigningKey?: boolean },
  refuse: (what: string, fix: string) => never,
): void {
  if (manifest.serverName !== org.serverName)
    refuse(
      `snapshot ${snapshot} is of ${manifest.serverName} (stack ${manifest.stack}), not of ${org.serverName}: a server name is an identity, its data cannot become another server's`,
      `restore it with the stack of ${manifest.serverName}, or choose a snapshot of ${org.serverName} (--snapshot)`,
    );
  const paths = new Set(manifest.files.map((f) => f.path));
  if (!paths.has(`${DUMP_PATH}/toc.dat`))
    refuse(
      `snapshot ${snapshot} holds no database dump (${DUMP_PATH}/toc.dat)`,
      "choose another snapshot (--snapshot)",
    );
  const keyPath = backupPathOf(org, org.adoption.signingKeyPath);
  if (
    (manifest.signingKeyId === undefined || manifest.signingKeyId === "" || !paths.has(keyPath)) &&
    !options.withoutSigningKey
  )
    refuse(
      `snapshot ${snapshot} holds no signing key at ${keyPath} (Synapse's signing_key_path ${org.adoption.signingKeyPath}): restored without it, Synapse would make a new key, the server's identity for every federation peer and client`,
      "choose a snapshot that holds it (--snapshot; ./fleet backup --status), or, knowingly, --without-signing-key",
    );
}

function checkPostgres(
  org: OrgConfig,
  manifest: BackupManifest,
  db: Readonly<Record<string, string>>,
  refuse: (what: string, fix: string) => never,
): void {
  const server = Number(db.server_major);
  const client = Number(db.client_major);
  if (client !== server)
    refuse(
      `the dump container's pg_restore is PostgreSQL ${client}, the server ${server}: the restore must use the server's own major`,
      `pulumi up --stack ${org.stack} (both containers run images.postgres)`,
    );
  if (manifest.postgres.serverMajor > server)
    refuse(
      `the snapshot's dump is of PostgreSQL ${manifest.postgres.serverMajor}, the server here is ${server}: an older server cannot be given a newer major's dump`,
      `set images.postgres to a PostgreSQL ${manifest.postgres.serverMajor} image on a new database, then restore`,
    );
}
