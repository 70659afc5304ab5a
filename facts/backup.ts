/**
 * Backups as the stack runs them (docs/upstream/restic.md, docs/upstream/synapse.md "Backups"): restic 0.14 in its
 * own container, the database dump made by a job container of the server's own PostgreSQL image, and what of
 * Synapse's state goes into a snapshot (element-hq/synapse v1.157.1 docs/usage/administration/backups.md).
 */

/** Paths inside the backup container and the dump container (both mount the work volume at `work`). */
export const BACKUP_PATHS = {
  /** The scripts (uploaded). */
  scripts: "/backup",
  /** Synapse's rendered config files, uploaded into the backup container so each snapshot holds them. */
  config: "/backup/config",
  /** Work volume: the dump spool, the manifest, the status file, restic's cache, the restore staging area. */
  work: "/work",
  /** A repository on the Docker host (the default volume, or a host directory). */
  repository: "/repository",
  /** Where each state store is mounted in the backup container: `/stores/<store id>`. */
  stores: "/stores",
} as const;

/** The status file `verify`, `./fleet backup status` and monitoring read (written atomically by backup.sh). */
export const BACKUP_STATUS_FILE = `${BACKUP_PATHS.work}/status.json`;

/**
 * The one table whose data a dump leaves out (synapse backups.md "Synapse-specfic details"): restoring used
 * one-time keys makes clients hand them out again and causes decryption errors (element-hq/element-meta#2155).
 */
export const ONE_TIME_KEYS_TABLE = "e2e_one_time_keys_json";

/**
 * Of the media store, only what is this server's own (synapse backups.md "Media store"): `local_content` may be the
 * only copy anywhere in the federation; `local_thumbnails` cannot be regenerated without `dynamic_thumbnails` (off
 * by default). `remote_content`, `remote_thumbnail` and the URL preview caches are re-fetched on demand.
 */
export const MEDIA_DIRS_BACKED_UP = ["local_content", "local_thumbnails"] as const;

/** The restic options matrix-fleet's defaults stand for (MDAD's retention: 7 daily, 4 weekly, 12 monthly). */
export const BACKUP_DEFAULTS = {
  schedule: "daily 03:30",
  retention: { last: 0, hourly: 0, daily: 7, weekly: 4, monthly: 12, yearly: 0 },
  /** verify fails when the last successful backup is older (a daily backup that missed one night). */
  maxAge: "26h",
} as const;

/**
 * restic tags of a stack's snapshots (backup.sh, restore.sh): the scheduled and manual ones, which the retention
 * above thins out, and those `pulumi up` takes before it replaces Synapse or PostgreSQL with another image. Those
 * are tagged apart so that the daily retention never forgets the way back from an upgrade (restic's `--keep-daily`
 * keeps only the last snapshot of a day); the last PRE_UPGRADE_SNAPSHOTS_KEPT of them stay.
 */
export const SNAPSHOT_TAGS = { regular: "matrix-fleet", preUpgrade: "matrix-fleet-pre-upgrade" } as const;
/** Three upgrades back: the way back from the last upgrade, and from the two before it. */
export const PRE_UPGRADE_SNAPSHOTS_KEPT = 3;

export type RetentionKey = keyof typeof BACKUP_DEFAULTS.retention;
export const RETENTION_KEYS = Object.keys(BACKUP_DEFAULTS.retention) as RetentionKey[];

/**
 * restic 0.14.0's own words, which the scripts and tools recognise (restic/restic v0.14.0): the key that does not
 * open the repository (internal/repository/key.go `ErrNoKeyFound`), and the missing repository
 * (cmd/restic/global.go, `OpenRepository`).
 */
export const RESTIC_MESSAGES = {
  wrongPassword: "wrong password or no key found",
  noRepository: "Is there a repository at the following location?",
} as const;

/**
 * The repository kinds restic 0.14 reaches, by the prefix of its location (doc/030_preparing_a_new_repo.rst at
 * v0.14.0): a local path, `sftp:user@host:/path`, `rest:http(s)://host:port/path/` and `s3:https://host/bucket`.
 */
export const REMOTE_REPOSITORY_PREFIXES = ["sftp:", "rest:", "s3:"] as const;

/**
 * Environment variables restic 0.14 reads for a remote backend (doc/040_backup.rst, "Environment Variables"), which
 * may come from secret config `backupCredentials`. `RESTIC_REPOSITORY` there replaces `backup.repository` for a
 * location that carries credentials (restic 0.14 takes a REST server's user and password only inside the URL).
 * `SSH_PRIVATE_KEY` is matrix-fleet's own: the key the sftp connection logs in with (written to a file only root
 * can read inside the container, then handed to ssh with `-i`).
 */
export const BACKUP_CREDENTIAL_NAMES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_DEFAULT_REGION",
  "RESTIC_REPOSITORY",
  "SSH_PRIVATE_KEY",
] as const;
export type BackupCredentialName = (typeof BACKUP_CREDENTIAL_NAMES)[number];

/** What the manifest of a snapshot holds (written by backup.sh; never a secret: hashes, sizes, the key's id). */
export interface BackupManifest {
  readonly format: 1;
  readonly stack: string;
  readonly serverName: string;
  readonly created: string;
  /** `ed25519:<version>`: the public id of the signing key in the snapshot; absent when it holds none. */
  readonly signingKeyId?: string;
  readonly postgres: { readonly clientMajor: number; readonly serverMajor: number };
  readonly database: { readonly name: string; readonly user: string; readonly oneTimeKeysExcluded: boolean };
  readonly files: ReadonlyArray<{ readonly path: string; readonly size: number; readonly sha256: string }>;
}
