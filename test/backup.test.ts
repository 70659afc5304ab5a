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
