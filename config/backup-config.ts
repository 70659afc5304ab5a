import * as path from "node:path";
import {
  BACKUP_CREDENTIAL_NAMES,
  BACKUP_DEFAULTS,
  BackupCredentialName,
  REMOTE_REPOSITORY_PREFIXES,
  RETENTION_KEYS,
  RetentionKey,
} from "../facts/backup";
import { BackupOptions, BackupRepository, BackupSchedule } from "./model";
import { SectionReader, describe } from "./section-reader";

/** `daily HH:MM` (UTC) or `every <n><s|m|h>`. */
const DAILY = /^daily ([01]\d|2[0-3]):([0-5]\d)$/;
const EVERY = /^every (\d+)([smh])$/;
/** An age verify accepts: a whole number with s, m, h or d. */
const AGE = /^(\d+)([smhd])$/;
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };
/** A schedule tighter than this would start a backup before the last one could finish on a small host. */
const MIN_INTERVAL_SECONDS = 10;

/**
 * Reads `backup` and the names in secret config `backupCredentials`. Backups are on unless `backup.enabled` is
 * false; every value a scheduler, restic or verify would misread is reported here, naming the key.
 */
export function parseBackup(top: SectionReader): BackupOptions {
  const section = top.section("backup");
  const enabled = section.boolean("enabled", true);
  const schedule = parseSchedule(section, section.string("schedule", BACKUP_DEFAULTS.schedule));
  const retention = parseRetention(section);
  const repository = parseRepository(section, section.string("repository", "volume"));
  const maxAge = section.string("maxAge", BACKUP_DEFAULTS.maxAge);
  const maxAgeSeconds = parseAge(section, maxAge);
  const sftpKnownHosts = section.stringList("sftpKnownHosts", []);
  section.rejectUnknownKeys();
  const credentials = credentialNames(top);
  checkRemoteNeeds(top, section, repository, credentials, sftpKnownHosts);
  return {
    enabled,
    schedule,
    retention,
    repository,
    maxAge,
    maxAgeSeconds,
    credentials,
    sftpKnownHosts,
  };
}

function parseSchedule(section: SectionReader, text: string): BackupSchedule {
  const daily = DAILY.exec(text);
  if (daily !== null) return { kind: "daily", hour: Number(daily[1]), minute: Number(daily[2]), text };
  const every = EVERY.exec(text);
  if (every !== null) {
    const seconds = Number(every[1]) * (UNIT_SECONDS[every[2]!] ?? 1);
    if (seconds >= MIN_INTERVAL_SECONDS) return { kind: "every", seconds, text };
    section.report(
      "schedule",
      `'${text}' starts a backup every ${seconds} s, before the last one could finish`,
      `use at least every ${MIN_INTERVAL_SECONDS}s (in production a daily time, e.g. "${BACKUP_DEFAULTS.schedule}")`,
    );
  } else {
    section.report(
      "schedule",
      `'${text}' is not a schedule matrix-fleet knows`,
      `write "daily HH:MM" (UTC, e.g. "${BACKUP_DEFAULTS.schedule}") or "every <number><s|m|h>" (e.g. "every 6h")`,
    );
  }
  return { kind: "daily", hour: 3, minute: 30, text: BACKUP_DEFAULTS.schedule };
}

function parseRetention(backup: SectionReader): Readonly<Record<RetentionKey, number>> {
  const section = backup.section("retention");
  const retention = Object.fromEntries(
    RETENTION_KEYS.map((key) => [key, section.integer(key, BACKUP_DEFAULTS.retention[key], 0, 10000)]),
  ) as Record<RetentionKey, number>;
  section.rejectUnknownKeys();
  if (RETENTION_KEYS.every((key) => retention[key] === 0)) {
    backup.report(
      "retention",
      "keeps nothing: with every count at 0 restic's forget has no policy, so old snapshots would never be removed and the repository grows without bound",
      "keep at least one kind, e.g. retention.daily 7 (the default keeps 7 daily, 4 weekly and 12 monthly)",
    );
  }
  return retention;
}

function parseRepository(section: SectionReader, text: string): BackupRepository {
  if (text === "volume") return { kind: "volume" };
  if (text.startsWith("/")) {
    if (
      /(^|\/)\.\.?(\/|$)/.test(text) ||
      path.posix.normalize(text) !== text.replace(/\/+$/, "") ||
      text === "/"
    )
      section.report(
        "repository",
        `'${text}' is not a plain absolute directory on the Docker host`,
        "write the full path without . or .. parts, e.g. /srv/matrix-fleet-backups/<stack>",
      );
    return { kind: "directory", path: text.replace(/\/+$/, "") };
  }
  const backend = REMOTE_REPOSITORY_PREFIXES.find((prefix) => text.startsWith(prefix));
  if (backend === undefined || text.length === backend.length) {
    section.report(
      "repository",
      `'${text}' is no repository restic 0.14 reaches`,
      'use "volume" (a volume on the Docker host, the default), an absolute directory on the Docker host, or an off-host location: sftp:user@host:/path, rest:https://host:8000/path/ or s3:https://host/bucket/path',
    );
    return { kind: "volume" };
  }
  if (/^(rest:|s3:)https?:\/\/[^/]*@/.test(text)) {
    section.report(
      "repository",
      "holds a user and password in clear text in the stack file",
      `remove them from backup.repository and set the whole location as a secret: pulumi config set --secret --path backupCredentials.RESTIC_REPOSITORY --stack ${section.stackName} (value on stdin)`,
    );
  }
  return { kind: "remote", backend: backend.slice(0, -1) as "sftp" | "rest" | "s3", location: text };
}

function parseAge(section: SectionReader, text: string): number {
  const match = AGE.exec(text);
  const seconds = match === null ? 0 : Number(match[1]) * (UNIT_SECONDS[match[2]!] ?? 1);
  if (seconds > 0) return seconds;
  section.report(
    "maxAge",
    `'${text}' is not an age verify can judge a backup by`,
    `write a whole number with s, m, h or d, e.g. ${BACKUP_DEFAULTS.maxAge} (a day and two hours)`,
  );
  return 26 * 3600;
}

/**
 * `backupCredentials` holds the environment restic needs for an off-host repository, each value set with
 * `pulumi config set --secret --path`, so the stack file carries it encrypted. Only the names are part of the
 * model; the Pulumi program hands the values to the backup container. A value in clear text is refused.
 */
function credentialNames(top: SectionReader): BackupCredentialName[] {
  const section = top.section("backupCredentials");
  const names: BackupCredentialName[] = [];
  for (const name of BACKUP_CREDENTIAL_NAMES) {
    const value = section.secureRaw(name);
    if (value === undefined || value === null) continue;
    const secure = (value as { secure?: unknown } | null)?.secure;
    if (typeof value !== "object" || typeof secure !== "string" || secure === "") {
      section.report(
        name,
        `is not encrypted (got ${typeof value === "string" ? "clear text" : describe(value)}); a credential must never sit in the stack file in the clear`,
        `remove it from Pulumi.${top.stackName}.yaml, then: pulumi config set --stack ${top.stackName} --secret --path 'backupCredentials.${name}' (value on stdin)`,
      );
      continue;
    }
    names.push(name);
  }
  section.rejectUnknownKeys();
  return names;
}

/** What each off-host kind needs besides its location; credentials for a local repository are a mistake. */
function checkRemoteNeeds(
  top: SectionReader,
  backup: SectionReader,
  repository: BackupRepository,
  credentials: readonly BackupCredentialName[],
  knownHosts: readonly string[],
): void {
  const stack = top.stackName;
  if (repository.kind !== "remote") {
    if (credentials.length > 0)
      top.report(
        "backupCredentials",
        `sets ${credentials.join(", ")}, but backup.repository is on the Docker host, where no credentials are used`,
        "remove backupCredentials, or set backup.repository to the off-host location they are for",
      );
    return;
  }
  if (repository.backend === "s3") {
    for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const)
      if (!credentials.includes(name))
        top.report(
          `backupCredentials.${name}`,
          "is not set, and an S3-compatible repository needs it",
          `pulumi config set --stack ${stack} --secret --path 'backupCredentials.${name}' (value on stdin)`,
        );
  }
  if (repository.backend === "sftp") {
    if (!credentials.includes("SSH_PRIVATE_KEY"))
      top.report(
        "backupCredentials.SSH_PRIVATE_KEY",
        "is not set, and an sftp repository logs in with a key (the scheduler cannot answer a password prompt)",
        `pulumi config set --stack ${stack} --secret --path 'backupCredentials.SSH_PRIVATE_KEY' < <private key file>`,
      );
    if (knownHosts.length === 0)
      backup.report(
        "sftpKnownHosts",
        "is empty, and the backup would otherwise trust whatever host answers at the sftp address",
        "add the server's host key line(s) as ssh-keyscan prints them, e.g. 'backup.example.org ssh-ed25519 AAAA...'",
      );
  }
}
