import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { BadCase, UnusualCase } from "./configuration-case";

/**
 * The backup keys (issue #25) asked "how can this be wrong?": each case is refused at its key with a fix, and the
 * fixed stack file renders. Part of the catalogue of test/bad-configuration-cases.ts.
 */
const k = (path: string) => `matrix-fleet:${path}`;
const SECURE = { secure: "v1:encrypted-by-pulumi" };

export const BACKUP_CASES: BadCase[] = [
  {
    name: "a backup schedule in cron words",
    stack: "medex",
    changes: { backup: { schedule: "weekly" } },
    key: k("backup.schedule"),
    message: /'weekly' is not a schedule matrix-fleet knows/,
    fix: /"daily HH:MM" \(UTC, e\.g\. "daily 03:30"\) or "every <number><s\|m\|h>"/,
    fixed: {},
  },
  {
    name: "a daily backup at an hour that does not exist",
    stack: "medex",
    changes: { backup: { schedule: "daily 24:30" } },
    key: k("backup.schedule"),
    message: /'daily 24:30' is not a schedule/,
    fix: /daily HH:MM/,
    fixed: {},
  },
  {
    name: "a backup every 5 seconds",
    stack: "moda1",
    changes: { backup: { schedule: "every 5s" } },
    key: k("backup.schedule"),
    message: /starts a backup every 5 s, before the last one could finish/,
    fix: /at least every 10s/,
    fixed: { backup: { schedule: "every 10s" } },
  },
  {
    name: "a retention that keeps nothing (restic's forget would have no policy)",
    stack: "pro-dukt",
    changes: { backup: { retention: { daily: 0, weekly: 0, monthly: 0 } } },
    key: k("backup.retention"),
    message: /keeps nothing: with every count at 0 restic's forget has no policy/,
    fix: /retention\.daily 7/,
    fixed: { backup: { retention: { daily: 3 } } },
  },
  {
    name: "a negative retention count",
    stack: "pro-dukt",
    changes: { backup: { retention: { weekly: -1 } } },
    key: k("backup.retention.weekly"),
    message: /must be a whole number from 0 to 10000/,
    fix: /number in range/,
    fixed: {},
  },
  {
    name: "a backup repository as a relative directory",
    stack: "moda1",
    changes: { backup: { repository: "backups/moda1" } },
    key: k("backup.repository"),
    message: /'backups\/moda1' is no repository restic 0\.14 reaches/,
    fix: /sftp:user@host:\/path, rest:https:\/\/host:8000\/path\/ or s3:/,
    fixed: { backup: { repository: "/srv/matrix-fleet-backups/moda1" } },
  },
  {
    name: "a backup directory with .. in it",
    stack: "moda1",
    changes: { backup: { repository: "/srv/backups/../moda1" } },
    key: k("backup.repository"),
    message: /is not a plain absolute directory on the Docker host/,
    fix: /without \. or \.\. parts/,
    fixed: {},
  },
  {
    name: "a REST server's password in the stack file",
    stack: "medex",
    changes: { backup: { repository: "rest:https://medex:hunter2@backup.example.org:8000/medex/" } },
    key: k("backup.repository"),
    message: /holds a user and password in clear text in the stack file/,
    fix: /pulumi config set --secret --path backupCredentials\.RESTIC_REPOSITORY --stack medex/,
    fixed: { backup: { repository: "rest:https://backup.example.org:8000/medex/" } },
  },
  {
    name: "an S3 repository without its keys",
    stack: "medex",
    changes: { backup: { repository: "s3:https://s3.example.org/medex-backups" } },
    key: k("backupCredentials.AWS_SECRET_ACCESS_KEY"),
    message: /is not set, and an S3-compatible repository needs it/,
    fix: /pulumi config set --stack medex --secret --path 'backupCredentials\.AWS_SECRET_ACCESS_KEY'/,
    fixed: {
      backup: { repository: "s3:https://s3.example.org/medex-backups" },
      backupCredentials: { AWS_ACCESS_KEY_ID: SECURE, AWS_SECRET_ACCESS_KEY: SECURE },
    },
  },
  {
    name: "an sftp repository without a login key",
    stack: "pro-dukt",
    changes: {
      backup: {
        repository: "sftp:backup@vault.example.org:/srv/pro-dukt",
        sftpKnownHosts: ["vault.example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB"],
      },
    },
    key: k("backupCredentials.SSH_PRIVATE_KEY"),
    message: /an sftp repository logs in with a key/,
    fix: /--secret --path 'backupCredentials\.SSH_PRIVATE_KEY'/,
    fixed: {
      backup: {
        repository: "sftp:backup@vault.example.org:/srv/pro-dukt",
        sftpKnownHosts: ["vault.example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB"],
      },
      backupCredentials: { SSH_PRIVATE_KEY: SECURE },
    },
  },
  {
    name: "an sftp repository that would trust any host key",
    stack: "pro-dukt",
    changes: {
      backup: { repository: "sftp:backup@vault.example.org:/srv/pro-dukt" },
      backupCredentials: { SSH_PRIVATE_KEY: SECURE },
    },
    key: k("backup.sftpKnownHosts"),
    message: /would otherwise trust whatever host answers/,
    fix: /ssh-keyscan/,
    fixed: {
      backup: {
        repository: "sftp:backup@vault.example.org:/srv/pro-dukt",
        sftpKnownHosts: ["vault.example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB"],
      },
      backupCredentials: { SSH_PRIVATE_KEY: SECURE },
    },
  },
  {
    name: "a backup credential in clear text",
    stack: "medex",
    changes: {
      backup: { repository: "s3:https://s3.example.org/medex-backups" },
      backupCredentials: { AWS_ACCESS_KEY_ID: SECURE, AWS_SECRET_ACCESS_KEY: "in-the-clear" },
    },
    key: k("backupCredentials.AWS_SECRET_ACCESS_KEY"),
    message: /is not encrypted \(got clear text\)/,
    fix: /pulumi config set --stack medex --secret --path 'backupCredentials\.AWS_SECRET_ACCESS_KEY'/,
    fixed: {
      backup: { repository: "s3:https://s3.example.org/medex-backups" },
      backupCredentials: { AWS_ACCESS_KEY_ID: SECURE, AWS_SECRET_ACCESS_KEY: SECURE },
    },
    engine: false,
  },
  {
    name: "backup credentials for a repository on the Docker host",
    stack: "moda1",
    changes: { backupCredentials: { AWS_ACCESS_KEY_ID: SECURE } },
    key: k("backupCredentials"),
    message: /sets AWS_ACCESS_KEY_ID, but backup\.repository is on the Docker host/,
    fix: /remove backupCredentials/,
    fixed: { backupCredentials: null },
  },
  {
    name: "a backup age without a unit",
    stack: "produktor",
    changes: { backup: { maxAge: "26" } },
    key: k("backup.maxAge"),
    message: /'26' is not an age verify can judge a backup by/,
    fix: /e\.g\. 26h/,
    fixed: {},
  },
  {
    name: "a misspelt backup key",
    stack: "produktor",
    changes: { backup: { enable: false } },
    key: k("backup.enable"),
    message: /is not a setting matrix-fleet knows/,
    fix: /did you mean 'backup\.enabled'\?/,
    fixed: {},
  },
  {
    name: "a remote media lifetime of 0 (purged as soon as fetched)",
    stack: "produktor",
    changes: { synapse: { remoteMediaLifetime: "0" } },
    key: k("synapse.remoteMediaLifetime"),
    message: /'0' is zero, and Synapse would purge cached remote media as soon as it is fetched/,
    fix: /e\.g\. 1h/,
    fixed: {},
  },
  {
    name: "a remote media lifetime without a unit (milliseconds to Synapse)",
    stack: "produktor",
    changes: { synapse: { remoteMediaLifetime: "30" } },
    key: k("synapse.remoteMediaLifetime"),
    message: /'30' has no unit, and Synapse reads a number without one as milliseconds/,
    fix: /for seconds write 30s/,
    fixed: {},
  },
];

const read = (out: string, stack: string, file: string) =>
  fs.readFileSync(path.join(out, stack, file), "utf8");

export const UNUSUAL_BACKUP_CASES: UnusualCase[] = [
  {
    name: "backups switched off: no backup files, and the summary says so",
    stack: "moda1",
    changes: { backup: { enabled: false } },
    check: (out, stack) => {
      assert.equal(fs.existsSync(path.join(out, stack, "backup")), false);
      assert.match(read(out, stack, "summary.md"), /\*\*Off\*\* \(`backup\.enabled: false`\)/);
    },
  },
  {
    name: "a backup every 6 hours into a directory on the Docker host, keeping 48 hourly",
    stack: "pro-dukt",
    changes: {
      backup: {
        schedule: "every 6h",
        repository: "/srv/matrix-fleet-backups/pro-dukt",
        retention: { hourly: 48 },
      },
    },
    check: (out, stack) => {
      const env = read(out, stack, "backup/env");
      assert.match(env, /^RESTIC_REPOSITORY=\/repository$/m);
      assert.match(env, /^BACKUP_EVERY_SECONDS=21600$/m);
      assert.match(env, /^BACKUP_KEEP=--keep-hourly 48 --keep-daily 7 --keep-weekly 4 --keep-monthly 12$/m);
      assert.match(
        read(out, stack, "summary.md"),
        /directory \/srv\/matrix-fleet-backups\/pro-dukt on the Docker host/,
      );
    },
  },
  {
    name: "an S3 repository with its keys as secrets",
    stack: "medex",
    changes: {
      backup: { repository: "s3:https://s3.example.org/medex-backups" },
      backupCredentials: { AWS_ACCESS_KEY_ID: SECURE, AWS_SECRET_ACCESS_KEY: SECURE },
    },
    check: (out, stack) => {
      assert.match(
        read(out, stack, "backup/env"),
        /^RESTIC_REPOSITORY=s3:https:\/\/s3\.example\.org\/medex-backups$/m,
      );
      assert.doesNotMatch(read(out, stack, "summary.md"), /on the Docker host: a lost disk/);
    },
  },
  {
    name: "a REST server whose location carries its password, as a secret",
    stack: "medex",
    changes: {
      backup: { repository: "rest:https://backup.example.org:8000/medex/" },
      backupCredentials: { RESTIC_REPOSITORY: SECURE },
    },
    check: (out, stack) => {
      assert.doesNotMatch(read(out, stack, "backup/env"), /RESTIC_REPOSITORY=/);
      assert.match(read(out, stack, "summary.md"), /rest location from backupCredentials\.RESTIC_REPOSITORY/);
    },
  },
  {
    name: "an sftp repository on a port of its own, with its host key",
    stack: "pro-dukt",
    changes: {
      backup: {
        repository: "sftp://backup@vault.example.org:2222//srv/pro-dukt",
        sftpKnownHosts: ["[vault.example.org]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB"],
      },
      backupCredentials: { SSH_PRIVATE_KEY: SECURE },
    },
    check: (out, stack) => {
      assert.match(read(out, stack, "backup/env"), / -p 2222 backup@vault\.example\.org -s sftp$/m);
      assert.equal(
        read(out, stack, "backup/known_hosts"),
        "[vault.example.org]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB\n",
      );
    },
  },
  {
    name: "remote media kept a year",
    stack: "moda1",
    changes: { synapse: { remoteMediaLifetime: "1y" } },
    check: (out, stack) => {
      assert.match(
        read(out, stack, "synapse/homeserver.yaml"),
        /media_retention:\n {2}remote_media_lifetime: 1y\n/,
      );
      assert.match(read(out, stack, "summary.md"), /remote media unused for 1y is purged/);
    },
  },
];
