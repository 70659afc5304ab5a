/**
 * Backups (issue #25) under the mock engine and as pure functions: what the backup containers receive (the
 * server's own PostgreSQL image for the dump, the stores at their places, the password and credentials secret),
 * where an adopted layout's signing key and media are seen from the backup container, and what operators are told.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backupPathOf, backupMounts, sftpDestination } from "../model/backup-layout";
import { backupOutputs } from "../model/operator-outputs";
import { planFor, orgFor } from "./helpers";
import { containersOf, envOf, isSecretValue, runStack, unwrap, uploadAt } from "./pulumi-harness";
import { renderPlanFiles } from "../config-templates/files";
import { parseYaml } from "./parse-formats";
import { backupChecks, judgeBackups } from "../verify/backup-checks";
import { CheckFailure } from "../verify/failure";
import { DUMP_PATH, judgeRestore } from "../cli/restore-judgement";

describe("the backup's layout", () => {
  it("sees Synapse's signing key and media through Synapse's own mounts", () => {
    const org = orgFor("produktor");
    assert.equal(
      backupPathOf(org, org.adoption.signingKeyPath),
      "/stores/synapseData/keys/produktor.io.signing.key",
    );
    assert.equal(backupPathOf(org, org.adoption.mediaStorePath), "/stores/synapseMedia");
    assert.deepEqual(
      backupMounts(org).map((m) => m.target),
      ["/stores/synapseData", "/stores/synapseMedia", "/stores/jitsiProsody", "/stores/jitsiTranscripts"],
    );
  });

  it("follows an adopted layout: key and media inside the data directory, no media store", () => {
    const org = orgFor("produktor", {
      adopt: {
        volumes: { synapseData: "/srv/chat/synapse" },
        synapse: { signingKeyPath: "/data/produktor.io.signing.key", mediaStorePath: "/data/media_store" },
      },
    });
    assert.equal(
      backupPathOf(org, org.adoption.signingKeyPath),
      "/stores/synapseData/produktor.io.signing.key",
    );
    assert.equal(backupPathOf(org, org.adoption.mediaStorePath), "/stores/synapseData/media_store");
    assert.ok(!backupMounts(org).some((m) => m.store === "synapseMedia"));
    const env = parseEnv(renderPlanFiles(planFor("produktor", adoptedChanges())).backupEnv!);
    assert.equal(env.BACKUP_MEDIA_STORE, "/stores/synapseData/media_store");
  });

  it("reads an sftp location's destination and port", () => {
    assert.deepEqual(sftpDestination("sftp:backup@vault.example.org:/srv/x"), {
      destination: "backup@vault.example.org",
      port: 22,
    });
    assert.deepEqual(sftpDestination("sftp://backup@vault.example.org:2222//srv/x"), {
      destination: "backup@vault.example.org",
      port: 2222,
    });
  });
});

function adoptedChanges() {
  return {
    adopt: {
      volumes: { synapseData: "/srv/chat/synapse" },
      synapse: { signingKeyPath: "/data/produktor.io.signing.key", mediaStorePath: "/data/media_store" },
    },
  };
}

function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split("\n")
      .filter((l) => l.includes("=") && !l.startsWith("#"))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

describe("the backup containers under the mock engine", () => {
  it("dumps with the server's own PostgreSQL image, and backs up with restic's", async () => {
    const run = await runStack(orgFor("pro-dukt"));
    const containers = containersOf(run);
    const image = (name: string) => String(unwrap(containers.get(name)!.image));
    assert.equal(image("matrix-pro-dukt-backup-dump"), image("matrix-pro-dukt-postgres"));
    assert.match(image("matrix-pro-dukt-backup-dump"), /^postgres:16\.10-alpine@/);
    assert.match(image("matrix-pro-dukt-backup"), /^restic\/restic:0\.14\.0@/);
  });

  it("mounts every store the backup reads, the work volume, and the protected repository volume", async () => {
    const run = await runStack(orgFor("produktor"));
    const backup = containersOf(run).get("matrix-produktor-backup")!;
    assert.deepEqual(unwrap(backup.mounts), [
      { type: "volume", source: "matrix-produktor-backup-work", target: "/work" },
      { type: "volume", source: "matrix-produktor-synapse-data", target: "/stores/synapseData" },
      { type: "volume", source: "matrix-produktor-synapse-media", target: "/stores/synapseMedia" },
      { type: "volume", source: "matrix-produktor-jitsi-prosody", target: "/stores/jitsiProsody" },
      { type: "volume", source: "matrix-produktor-jitsi-transcripts", target: "/stores/jitsiTranscripts" },
      { type: "volume", source: "matrix-produktor-backup-repository", target: "/repository" },
    ]);
    const dump = containersOf(run).get("matrix-produktor-backup-dump")!;
    assert.deepEqual(unwrap(dump.mounts), [
      { type: "volume", source: "matrix-produktor-backup-work", target: "/work" },
    ]);
  });

  it("binds a repository directory on the Docker host (created when missing), and creates no repository volume", async () => {
    const run = await runStack(orgFor("moda1", { backup: { repository: "/srv/backups/moda1" } }));
    const backup = containersOf(run).get("matrix-moda1-backup")!;
    assert.deepEqual(unwrap(backup.volumes), [
      { hostPath: "/srv/backups/moda1", containerPath: "/repository" },
    ]);
    assert.ok(
      !run.resources.some((r) => unwrap(r.inputs.name) === "matrix-moda1-backup-repository"),
      "no repository volume",
    );
  });

  it("keeps the repository password and the database password secret, and both reach their consumer", async () => {
    const run = await runStack(orgFor("pro-dukt"));
    const containers = containersOf(run);
    const backup = containers.get("matrix-pro-dukt-backup")!;
    const dump = containers.get("matrix-pro-dukt-backup-dump")!;
    assert.ok(isSecretValue(backup.envs), "the backup environment is secret");
    assert.ok(isSecretValue(dump.envs), "the dump environment is secret");
    assert.match(envOf(backup).RESTIC_PASSWORD!, /^mockbackuppassword/);
    assert.equal(
      envOf(dump).PGPASSWORD,
      envOf(containers.get("matrix-pro-dukt-postgres")!).POSTGRES_PASSWORD,
    );
    const password = await new Promise<unknown>((resolve) =>
      run.stack.secrets.byName.backup_password.apply(resolve),
    );
    assert.equal(password, envOf(backup).RESTIC_PASSWORD);
  });

  it("puts Synapse's rendered config into every snapshot, and the scripts beside it", async () => {
    const run = await runStack(orgFor("pro-dukt"));
    const backup = containersOf(run).get("matrix-pro-dukt-backup")!;
    const synapse = containersOf(run).get("matrix-pro-dukt-synapse")!;
    assert.equal(
      uploadAt(backup, "/backup/config/homeserver.yaml"),
      uploadAt(synapse, "/config/homeserver.yaml"),
    );
    assert.match(uploadAt(backup, "/backup/backup.sh"), /--exclude-table-data|restic backup/);
    assert.deepEqual(unwrap(backup.entrypoints), ["/bin/sh", "/backup/scheduler.sh"]);
  });

  it("hands off-host credentials to the backup container only, secret", async () => {
    const org = orgFor("medex", {
      backup: { repository: "s3:https://s3.example.org/medex" },
      backupCredentials: { AWS_ACCESS_KEY_ID: { secure: "x" }, AWS_SECRET_ACCESS_KEY: { secure: "y" } },
    });
    const run = await runStack(org, {
      backupCredentialValues: { AWS_ACCESS_KEY_ID: "AKIDLAB", AWS_SECRET_ACCESS_KEY: "s3-secret-lab" },
    });
    const containers = containersOf(run);
    const backup = containers.get("matrix-medex-backup")!;
    assert.ok(isSecretValue(backup.envs));
    assert.equal(envOf(backup).AWS_SECRET_ACCESS_KEY, "s3-secret-lab");
    assert.equal(envOf(backup).RESTIC_REPOSITORY, "s3:https://s3.example.org/medex");
    for (const [name, container] of containers)
      if (name !== "matrix-medex-backup")
        assert.ok(!JSON.stringify(unwrap(container)).includes("s3-secret-lab"), `${name} has the S3 key`);
  });

  it("runs nothing of the backup when it is switched off (the repository volume, retained, stays on the host)", async () => {
    const run = await runStack(orgFor("moda1", { backup: { enabled: false } }));
    assert.ok(![...containersOf(run).keys()].some((name) => name.includes("backup")));
    assert.ok(
      !run.resources.some(
        (r) => r.type === "random:index/randomPassword:RandomPassword" && r.name === "backup-password",
      ),
    );
  });
});

describe("what operators are told", () => {
  it("the backup output names the repository and the commands, never the password", () => {
    const out = backupOutputs(orgFor("medex"));
    assert.deepEqual(out, {
      enabled: true,
      repository: "volume matrix-medex-backup-repository on the Docker host",
      schedule: "daily 03:30",
      retention: { daily: 7, weekly: 4, monthly: 12 },
      maxAge: "26h",
      passwordCommand: "pulumi stack output --stack medex --show-secrets backupPassword",
      backupNow: "./fleet backup --stack medex",
      status: "./fleet backup --stack medex --status",
      restore: "./fleet restore --stack medex [--snapshot <id>]",
    });
  });

  it("media_retention bounds the remote media cache by default, and keeps local media", () => {
    const homeserver = parseYaml(renderPlanFiles(planFor("moda1")).homeserver!);
    assert.deepEqual(homeserver.media_retention, { remote_media_lifetime: "90d" });
  });
});

describe("verify judges the backups", () => {
  const org = orgFor("pro-dukt");
  const now = 2_000_000_000;
  const run = (
    outcome: "success" | "skipped" | "failure",
    ago: number,
    extra: Record<string, unknown> = {},
  ) => ({
    at: "2033-05-18T03:30:00Z",
    epoch: now - ago,
    trigger: "scheduled",
    outcome,
    seconds: 12,
    ...extra,
  });
  const status = (lastRun: unknown, lastSuccess: unknown, lastFailure: unknown = null) => ({
    format: 1 as const,
    stack: "pro-dukt",
    serverName: "pro-dukt.de",
    schedule: "daily 03:30",
    repository: "volume matrix-pro-dukt-backup-repository on the Docker host",
    lastRun,
    lastSuccess,
    lastFailure,
  });
  const judge = (observed: unknown, started = now - 3600) =>
    judgeBackups(org, { status: observed as never, startedEpoch: started }, now);

  it("passes a backup younger than backup.maxAge, naming its snapshot and size", () => {
    const ok = run("success", 3600, { snapshot: "abcd1234", totalBytes: 5 << 20, dataAdded: 1024 });
    assert.match(
      judge(status(ok, ok)),
      /last backup 60 min ago \(snapshot abcd1234, 5\.0 MiB, 1\.0 KiB added\)/,
    );
  });

  it("fails a last backup older than backup.maxAge (26 h by default), and honours another maxAge", () => {
    const old = run("success", 27 * 3600, { snapshot: "abcd1234" });
    assert.throws(
      () => judge(status(old, old)),
      /the last successful backup is 27\.0 h old, older than backup\.maxAge 26h/,
    );
    const lenient = orgFor("pro-dukt", { backup: { maxAge: "2d" } });
    assert.doesNotThrow(() =>
      judgeBackups(lenient, { status: status(old, old) as never, startedEpoch: now }, now),
    );
  });

  it("fails when the last run failed, naming the cause, even with a recent success", () => {
    const ok = run("success", 7200, { snapshot: "abcd1234" });
    const failed = run("failure", 60, {
      error: "the backup target is full (no space left on device at /repository)",
    });
    assert.throws(
      () => judge(status(failed, ok, failed)),
      (error: CheckFailure) =>
        /the last backup \(scheduled, 60 s ago\) failed: the backup target is full/.test(error.message) &&
        /\.\/fleet backup --stack pro-dukt/.test(error.fix),
    );
  });

  it("a new stack with nothing to back up yet passes until backup.maxAge, then fails", () => {
    const skipped = run("skipped", 60, { reason: "the database holds no users and no events yet" });
    assert.match(judge(status(skipped, null)), /no backup yet: the backup container started 60 min ago/);
    assert.throws(
      () => judge(status(skipped, null), now - 30 * 3600),
      /no successful backup yet, and the backup container has been running for 30\.0 h/,
    );
    assert.throws(() => judge(undefined, now - 30 * 3600), /no successful backup yet/);
  });

  it("verify skips the check for a stack whose docker.host is still a placeholder, and reads it otherwise", async () => {
    const results: Array<{ name: string; outcome: string; detail: string }> = [];
    const ctx = {
      org,
      check: async (name: string, run: () => Promise<string>, skip?: string) => {
        if (skip !== undefined) results.push({ name, outcome: "skip", detail: skip });
        else results.push({ name, outcome: "pass", detail: await run() });
      },
    } as never;
    await backupChecks(ctx, async () => assert.fail("a placeholder host is never contacted"));
    assert.match(
      results[0]!.detail,
      /docker\.host is still the placeholder ssh:\/\/deploy@198\.51\.100\.\d+|docker\.host is still the placeholder/,
    );
    const deployed = orgFor("pro-dukt", { docker: { host: "unix:///run/docker-lab.sock" } });
    const ok = run("success", 60, { snapshot: "feedbeef" });
    await backupChecks({ ...(ctx as object), org: deployed } as never, async (seen) => {
      assert.equal(seen.docker.host, "unix:///run/docker-lab.sock");
      return { status: status(ok, ok) as never, startedEpoch: now };
    });
    assert.equal(results[1]!.outcome, "pass");
  });
});

describe("a restore is judged before anything changes", () => {
  const org = orgFor("pro-dukt");
  const manifest = {
    format: 1 as const,
    stack: "pro-dukt",
    serverName: "pro-dukt.de",
    created: "2033-05-18T03:30:00Z",
    signingKeyId: "ed25519:a_old",
    postgres: { clientMajor: 15, serverMajor: 15 },
    database: { name: "synapse", user: "synapse", oneTimeKeysExcluded: true },
    files: [
      { path: `${DUMP_PATH}/toc.dat`, size: 1, sha256: "0" },
      { path: "/stores/synapseData/keys/pro-dukt.de.signing.key", size: 1, sha256: "0" },
    ],
  };
  const fresh = {
    database: {
      status: "ok",
      client_major: "15",
      server_major: "15",
      tables: "180",
      users: "0",
      rooms: "0",
      events: "0",
    },
    files: { signing_key: "ed25519:a_new", local_content: "0", local_thumbnails: "0" },
  };
  const withData = { ...fresh, database: { ...fresh.database, users: "3", rooms: "2", events: "120" } };

  it("replaces a fresh host's schema and first-start signing key without a flag, saying so", () => {
    const { notes, replace } = judgeRestore(org, "abcd1234", manifest, fresh, {});
    assert.equal(replace, true);
    assert.match(
      notes.join("\n"),
      /only the schema Synapse's first start made here \(180 tables, no users, rooms or events\)/,
    );
    assert.match(
      notes.join("\n"),
      /the signing key ed25519:a_new Synapse made at its first start here is replaced by the snapshot's ed25519:a_old/,
    );
  });

  it("refuses a database that holds data, naming what it holds and the flag", () => {
    assert.throws(
      () => judgeRestore(org, "abcd1234", manifest, withData, {}),
      /refused: database synapse on matrix-pro-dukt-postgres holds 3 users, 2 rooms and 120 events \(180 tables\)[\s\S]*fix: to replace them with the snapshot, run again with --replace-database/,
    );
  });

  it("refuses local media and a signing key that signed data without --replace-files", () => {
    const media = { ...withData, files: { ...fresh.files, local_content: "5", local_thumbnails: "10" } };
    assert.throws(
      () => judgeRestore(org, "abcd1234", manifest, media, { replaceDatabase: true }),
      /hold 15 local media files, the signing key ed25519:a_new \(the snapshot's is ed25519:a_old\)[\s\S]*--replace-files/,
    );
    assert.equal(
      judgeRestore(org, "abcd1234", manifest, media, { replaceDatabase: true, replaceFiles: true }).replace,
      true,
    );
  });

  it("refuses a snapshot without the signing key, unless told knowingly", () => {
    const keyless = { ...manifest, signingKeyId: undefined, files: manifest.files.slice(0, 1) };
    assert.throws(
      () => judgeRestore(org, "abcd1234", keyless, fresh, {}),
      /snapshot abcd1234 holds no signing key at \/stores\/synapseData\/keys\/pro-dukt\.de\.signing\.key[\s\S]*--without-signing-key/,
    );
    assert.doesNotThrow(() => judgeRestore(org, "abcd1234", keyless, fresh, { withoutSigningKey: true }));
  });

  it("refuses another server's snapshot, a newer PostgreSQL's dump, and a dump client of another major", () => {
    assert.throws(
      () =>
        judgeRestore(org, "x", { ...manifest, serverName: "produktor.io", stack: "produktor" }, fresh, {}),
      /is of produktor\.io \(stack produktor\), not of pro-dukt\.de/,
    );
    assert.throws(
      () =>
        judgeRestore(org, "x", { ...manifest, postgres: { clientMajor: 16, serverMajor: 16 } }, fresh, {}),
      /dump is of PostgreSQL 16, the server here is 15/,
    );
    assert.throws(
      () =>
        judgeRestore(
          org,
          "x",
          manifest,
          { ...fresh, database: { ...fresh.database, client_major: "16" } },
          {},
        ),
      /pg_restore is PostgreSQL 16, the server 15/,
    );
  });
});
