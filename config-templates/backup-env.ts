import * as fs from "node:fs";
import * as path from "node:path";
import { OrgConfig } from "../config/model";
import {
  BACKUP_PATHS,
  ONE_TIME_KEYS_TABLE,
  PRE_UPGRADE_SNAPSHOTS_KEPT,
  RETENTION_KEYS,
} from "../facts/backup";
import { DATABASE } from "../facts/postgres";
import { SecretValues } from "../facts/secrets";
import { backupMounts, backupPathOf, repositoryLabel, sftpDestination } from "../model/backup-layout";
import { EnvFile } from "./formats";

/**
 * The backup's documents: the backup container's environment (restic's variables, doc/040_backup.rst at v0.14.0,
 * and the scripts' settings), the dump container's (libpq's PG* variables), and the scripts themselves
 * (config-templates/backup/*.sh, shipped as they are: reviewed in `render`'s output like every other file).
 */
export interface BackupDocuments {
  readonly env: EnvFile;
  readonly dumpEnv: EnvFile;
  /** known_hosts for an sftp repository. */
  readonly knownHosts: string | undefined;
}

export function backupDocuments(org: OrgConfig, secrets: SecretValues): BackupDocuments | undefined {
  const backup = org.backup;
  if (!backup.enabled) return undefined;
  const repository = backup.repository;
  const mounts = backupMounts(org);
  const keep = RETENTION_KEYS.filter((key) => backup.retention[key] > 0)
    .map((key) => `--keep-${key} ${backup.retention[key]}`)
    .join(" ");
  const env: Record<string, string> = {
    // With backupCredentials.RESTIC_REPOSITORY (a location carrying credentials) the container gets that instead.
    ...(backup.credentials.includes("RESTIC_REPOSITORY")
      ? {}
      : { RESTIC_REPOSITORY: repository.kind === "remote" ? repository.location : BACKUP_PATHS.repository }),
    RESTIC_PASSWORD: secrets.backup_password,
    RESTIC_CACHE_DIR: `${BACKUP_PATHS.work}/cache`,
    BACKUP_REPOSITORY_LABEL: repositoryLabel(org),
    BACKUP_STACK: org.stack,
    BACKUP_SERVER_NAME: org.serverName,
    BACKUP_SCHEDULE: backup.schedule.text,
    BACKUP_EVERY_SECONDS: String(backup.schedule.kind === "every" ? backup.schedule.seconds : 0),
    BACKUP_DAILY_SECONDS: String(
      backup.schedule.kind === "daily" ? backup.schedule.hour * 3600 + backup.schedule.minute * 60 : 0,
    ),
    BACKUP_KEEP: keep,
    BACKUP_PRE_UPGRADE_KEEP: String(PRE_UPGRADE_SNAPSHOTS_KEPT),
    BACKUP_SIGNING_KEY: backupPathOf(org, org.adoption.signingKeyPath),
    BACKUP_MEDIA_STORE: backupPathOf(org, org.adoption.mediaStorePath),
    BACKUP_CONFIG_DIR: BACKUP_PATHS.config,
    BACKUP_EXTRA_STORES: mounts
      .filter((m) => m.store === "jitsiProsody" || m.store === "jitsiTranscripts")
      .map((m) => m.target)
      .join(" "),
    BACKUP_DB_NAME: org.adoption.database.name,
    BACKUP_DB_USER: org.adoption.database.user,
  };
  const sftp = repository.kind === "remote" && repository.backend === "sftp";
  const destination = sftp ? sftpDestination(repository.location) : undefined;
  if (destination !== undefined)
    env.BACKUP_SFTP_COMMAND = [
      "ssh -i /work/.sftp-key",
      `-o UserKnownHostsFile=${BACKUP_PATHS.scripts}/known_hosts -o StrictHostKeyChecking=yes`,
      "-o BatchMode=yes -o ServerAliveInterval=60 -o ServerAliveCountMax=240",
      `-p ${destination.port} ${destination.destination} -s sftp`,
    ].join(" ");
  return {
    env,
    dumpEnv: {
      PGHOST: DATABASE.host,
      PGPORT: String(DATABASE.port),
      PGUSER: org.adoption.database.user,
      PGDATABASE: org.adoption.database.name,
      PGPASSWORD: secrets.postgres_password,
      BACKUP_ONE_TIME_KEYS_TABLE: ONE_TIME_KEYS_TABLE,
    },
    knownHosts: sftp ? `${backup.sftpKnownHosts.join("\n")}\n` : undefined,
  };
}

/** The scripts, by file name, as they are in config-templates/backup/ (read once). */
export const BACKUP_SCRIPT_NAMES = [
  "common.sh",
  "scheduler.sh",
  "backup.sh",
  "dump-agent.sh",
  "restore.sh",
] as const;
export type BackupScriptName = (typeof BACKUP_SCRIPT_NAMES)[number];

let scripts: Readonly<Record<BackupScriptName, string>> | undefined;
export function backupScripts(): Readonly<Record<BackupScriptName, string>> {
  scripts ??= Object.fromEntries(
    BACKUP_SCRIPT_NAMES.map((name) => [name, fs.readFileSync(path.join(__dirname, "backup", name), "utf8")]),
  ) as Record<BackupScriptName, string>;
  return scripts;
}
