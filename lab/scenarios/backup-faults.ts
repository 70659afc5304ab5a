/**
 * The faults the restore drill must catch (issue #25), on the restored pro-dukt of lab/scenarios/backups.ts: each
 * must fail loudly, naming its cause, and where a property of the drill is at stake, the drill's own assertion
 * must fail once the property is broken.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { takeBackup } from "../../cli/backup-host";
import { restoreStack } from "../../cli/restore-run";
import { backupRepositoryDir, docker, labMountNamespace } from "../deploy/sites";
import { run, waitFor } from "../processes";
import { DRILL_STACK, Drill, drillOrg, signingKeyUnchanged, verifyBackups } from "./backup-drill";
import { LabFleet } from "../deploy/fleet";
import { post } from "../matrix-client";

const BACKUP = `matrix-${DRILL_STACK}-backup`;
const DUMP = `matrix-${DRILL_STACK}-backup-dump`;

const backupCheck = (drill: Drill) => verifyBackups(drillOrg(drill.fleet));

export function backupFaultScenarios(current: () => Drill): void {
  describe("backup faults, each failing loudly with its cause", () => {
    it("a restore into a database that still has tables is refused, naming them and the flag", async () => {
      const drill = current();
      await assert.rejects(restoreStack(drill.org), (error: Error) => {
        assert.match(
          error.message,
          /refused: database synapse on matrix-pro-dukt-postgres holds \d+ users, \d+ rooms and \d+ events/,
        );
        assert.match(error.message, /--replace-database/);
        return true;
      });
    });

    it(
      "a wrong repository password fails the backup and the restore, and verify names it until a good backup",
      { timeout: 300_000 },
      async () => {
        const drill = current();
        const wrong = { RESTIC_PASSWORD: "not-the-repository-password" };
        const run = await takeBackup(drill.org, { env: wrong });
        assert.equal(run.outcome, "failure");
        assert.match(
          run.error ?? "",
          /does not open with this stack's backup password \(restic: wrong password or no key found\)/,
        );
        const check = await backupCheck(drill);
        assert.equal(check.outcome, "fail");
        assert.match(check.detail, /the last backup \(manual, .*\) failed: .*wrong password/);
        await assert.rejects(
          restoreStack(drill.org, { env: wrong, replaceDatabase: true, replaceFiles: true }),
          /the repository cannot be read: .*wrong password or no key found/,
        );
        const good = await takeBackup(drill.org);
        assert.equal(good.outcome, "success", good.error);
        assert.equal((await backupCheck(drill)).outcome, "pass");
      },
    );

    it(
      "a dump client of another major is refused (pg_dump 16 against PostgreSQL 15, which pg_dump itself accepts)",
      { timeout: 180_000 },
      () => {
        const drill = current();
        const client = process.env.LAB_PG_CLIENT;
        assert.ok(client, "LAB_PG_CLIENT is set by lab/deploy/common.sh");
        const site = drill.fleet.site(DRILL_STACK);
        docker(site, ["cp", client, `${DUMP}:/opt/pg16`]);
        const env = ["-e", "PATH=/opt/pg16/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];
        // The other client works against this server: only the backup's own check stands between it and a dump.
        docker(site, ["exec", ...env, DUMP, "pg_dump", "-Fc", "-f", "/tmp/other-major.dump"]);
        const answer = docker(
          site,
          ["exec", ...env, DUMP, "sh", "/backup/dump-agent.sh", "dump-once"],
          undefined,
          true,
        );
        assert.equal(answer, undefined, "dump-once must exit non-zero");
        const out = spawnText(site.dockerHost, [
          "exec",
          ...env,
          DUMP,
          "sh",
          "/backup/dump-agent.sh",
          "dump-once",
        ]);
        assert.match(out, /status=refused/);
        assert.match(
          out,
          /the dump client is pg_dump 16 but the server is PostgreSQL 15: a dump must be made by a client of the server's own major version/,
        );
        docker(site, ["exec", DUMP, "rm", "-rf", "/opt/pg16", "/tmp/other-major.dump"]);
      },
    );

    it(
      "a dump that keeps the one-time keys is refused; the backup's own dumps leave their data out",
      { timeout: 120_000 },
      async () => {
        const drill = current();
        const site = drill.fleet.site(DRILL_STACK);
        // One-time keys on a device of the restored server (as its client uploads them), so a full dump carries some.
        await post(drill.seed.users[0]!.sessions[1]!, "/_matrix/client/v3/keys/upload", {
          one_time_keys: { "curve25519:AAAAF1": "c2l4dGVlbmJ5dGVzb2ZrZXltYXRlcmlhbGhlcmU" },
        });
        docker(site, ["exec", DUMP, "pg_dump", "-Fc", "-f", "/work/dump/full.dump"]);
        const full = spawnText(site.dockerHost, [
          "exec",
          DUMP,
          "sh",
          "/backup/dump-agent.sh",
          "check-dump",
          "/work/dump/full.dump",
        ]);
        assert.match(full, /status=refused[\s\S]*the dump holds the data of e2e_one_time_keys_json/);
        const own = spawnText(site.dockerHost, [
          "exec",
          DUMP,
          "sh",
          "-c",
          "sh /backup/dump-agent.sh dump-once && sh /backup/dump-agent.sh check-dump /work/dump/synapse.dump",
        ]);
        assert.match(own, /status=ok[\s\S]*status=ok/);
        docker(site, ["exec", DUMP, "rm", "-rf", "/work/dump/full.dump", "/work/dump/synapse.dump"]);
      },
    );

    it(
      "the scheduler runs by itself; a full backup target fails its runs, and verify names the cause",
      { timeout: 600_000 },
      async () => {
        const drill = current();
        const full = path.join(drill.fleet.dir, "full-target");
        fs.mkdirSync(full, { recursive: true });
        // In the machine's mount namespace, where the Docker engines run (the hub's is a copy of it).
        hostMount("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", full);
        try {
          await drill.fleet.set(DRILL_STACK, "backup.repository", full);
          await drill.fleet.set(DRILL_STACK, "backup.schedule", "every 15s");
          const up = await drill.fleet.up(DRILL_STACK);
          assert.equal(up.code, 0, LabFleet.failure(up));
          const org = drillOrg(drill.fleet);
          let detail = "";
          await waitFor(
            "a scheduled backup run into the full target",
            async () => {
              const check = await verifyBackups(org);
              detail = check.detail;
              return check.outcome === "fail" && /scheduled/.test(check.detail);
            },
            240_000,
            () => detail,
          );
          assert.match(
            detail,
            /the last backup \(scheduled, .*\) failed: .*the backup target is full \(no space left on device/,
          );
        } finally {
          await drill.fleet.set(
            DRILL_STACK,
            "backup.repository",
            backupRepositoryDir(drill.fleet.dir, DRILL_STACK),
          );
          await drill.fleet.set(DRILL_STACK, "backup.schedule", "daily 03:30");
          const back = await drill.fleet.up(DRILL_STACK);
          hostMount("umount", full);
          assert.equal(back.code, 0, LabFleet.failure(back));
        }
        const good = await takeBackup(drill.org);
        assert.equal(good.outcome, "success", good.error);
        assert.equal((await backupCheck(drill)).outcome, "pass");
      },
    );

    it(
      "a snapshot without the signing key is refused; restored anyway onto a lost key, the drill's key assertion fails",
      { timeout: 900_000 },
      async () => {
        const drill = current();
        const site = drill.fleet.site(DRILL_STACK);
        const good = await takeBackup(drill.org);
        assert.equal(good.outcome, "success", good.error);
        // A snapshot made by hand without the key (as an older tool or a broken script would): the latest one's
        // dump and manifest, the key left out of both.
        const made = spawnText(site.dockerHost, ["exec", BACKUP, "sh", "-c", KEYLESS_SNAPSHOT]);
        const keyless = /^keyless=([0-9a-f]{8,})$/m.exec(made)?.[1];
        assert.ok(keyless, `a keyless snapshot was made: ${made}`);
        await assert.rejects(
          restoreStack(drill.org, { snapshot: keyless, replaceDatabase: true, replaceFiles: true }),
          /refused: snapshot [0-9a-f]+ holds no signing key at \/stores\/synapseData\/keys\/pro-dukt\.de\.signing\.key[\s\S]*--without-signing-key/,
        );
        // Restored anyway onto a host that lost its key: Synapse makes a new one, and the drill's assertion fails.
        docker(site, ["exec", BACKUP, "rm", "-f", "/stores/synapseData/keys/pro-dukt.de.signing.key"]);
        await restoreStack(drill.org, {
          snapshot: keyless,
          replaceDatabase: true,
          replaceFiles: true,
          withoutSigningKey: true,
        });
        await assert.rejects(signingKeyUnchanged(drill), /the server's signing key changed/);
        // Back to the good snapshot (its key included), for the scenarios after this one.
        await restoreStack(drill.org, { snapshot: good.snapshot, replaceDatabase: true, replaceFiles: true });
        await signingKeyUnchanged(drill);
        docker(site, ["exec", BACKUP, "restic", "forget", "--prune", keyless]);
      },
    );
  });
}

/** A snapshot without the signing key: the latest snapshot's dump and manifest, the key taken out of both. */
const KEYLESS_SNAPSHOT = `set -e
. /backup/common.sh
latest=$(restic snapshots --json --host "$BACKUP_STACK" --tag matrix-fleet | sed 's/.*"short_id":"\\([0-9a-f]*\\)".*/\\1/')
mkdir -p /work/keyless/work/snapshot
cd /work/keyless
restic restore "$latest" --target /work/keyless --include /work/snapshot >/dev/null
grep -v 'signing.key' work/snapshot/SHA256SUMS > work/snapshot/SHA256SUMS.new && mv work/snapshot/SHA256SUMS.new work/snapshot/SHA256SUMS
sed -e 's/"signingKeyId":"[^"]*",//' -e 's/{"path":"[^"]*signing.key","size":[0-9]*,"sha256":"[0-9a-f]*"},\\{0,1\\}//' work/snapshot/manifest.json > m && mv m work/snapshot/manifest.json
rm -rf /work/snapshot.keep && mv /work/snapshot /work/snapshot.keep && mv /work/keyless/work/snapshot /work/snapshot
media=""
for dir in "$BACKUP_MEDIA_STORE/local_content" "$BACKUP_MEDIA_STORE/local_thumbnails"; do [ ! -d "$dir" ] || media="$media $dir"; done
# shellcheck disable=SC2086
restic backup --json --host "$BACKUP_STACK" --tag matrix-fleet --tag keyless /work/snapshot $media | grep '"message_type":"summary"' | sed 's/.*"snapshot_id":"\\([0-9a-f]*\\)".*/\\1/' > /work/keyless.id
rm -rf /work/snapshot && mv /work/snapshot.keep /work/snapshot && rm -rf /work/keyless
echo "keyless=$(cat /work/keyless.id)"`;

/** A command in the machine's mount namespace (the lab's test process runs in the hub's copy of it). */
function hostMount(...args: string[]): void {
  run("nsenter", [`--mount=${labMountNamespace()}`, ...args]);
}

/** docker's output (stdout and stderr) whatever its exit code. */
function spawnText(host: string, args: readonly string[]): string {
  const result = spawnSync("docker", ["-H", host, ...args], { encoding: "utf8", timeout: 300_000 });
  return `${result.stdout}${result.stderr}`;
}
