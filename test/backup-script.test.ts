/**
 * backup.sh (config-templates/backup/) run as the backup container runs it, here with stand-ins for restic and the
 * dump agent: a pre-upgrade snapshot is tagged apart, thinned by its own retention (never the daily one, which
 * keeps only a day's last snapshot), names the Synapse image that made the data, and stays in the status file as
 * the last pre-upgrade one after later backups. The Docker lab runs the real restic.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";

const SCRIPT = path.join(__dirname, "..", "config-templates", "backup", "backup.sh");

// restic: an existing repository, a backup that prints its summary (snapshot ids s1, s2, ... by call), retention.
const RESTIC = `#!/bin/sh
echo "$*" >>"$STANDIN/restic.calls"
case "$1" in
  cat) exit 0 ;;
  backup) n=$(grep -c '^backup' "$STANDIN/restic.calls")
    echo "{\\"message_type\\":\\"summary\\",\\"data_added\\":10,\\"total_files_processed\\":3,\\"total_bytes_processed\\":30,\\"snapshot_id\\":\\"5$n\\"}" ;;
  forget) exit 0 ;;
  *) exit 2 ;;
esac
`;

// The dump container's side of one request (dump-agent.sh serve): a dump and its result, then gone.
const AGENT = `dump="$1"
touch "$dump/agent-heartbeat"
for _ in $(seq 1 200); do
  if [ -s "$dump/request" ]; then
    id=$(cat "$dump/request"); rm -f "$dump/request"
    mkdir -p "$dump/synapse.dump" && echo toc >"$dump/synapse.dump/toc.dat"
    printf 'status=ok\\nbytes=4\\nclient_major=16\\nserver_major=16\\n' >"$dump/result-$id"
    exit 0
  fi
  sleep 0.05
done
exit 1
`;

describe("backup.sh: the snapshot before an upgrade", () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "matrix-fleet-backup-sh-"));
    for (const sub of ["bin", "work/dump", "keys", "media/local_content", "config"])
      fs.mkdirSync(path.join(dir, sub), { recursive: true });
    fs.writeFileSync(path.join(dir, "bin", "restic"), RESTIC, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "agent.sh"), AGENT);
    fs.writeFileSync(path.join(dir, "keys", "signing.key"), "ed25519 a_AbCd secret\n");
    fs.writeFileSync(path.join(dir, "media", "local_content", "file"), "media\n");
    fs.writeFileSync(path.join(dir, "config", "homeserver.yaml"), "server_name: lab\n");
    env = {
      PATH: `${path.join(dir, "bin")}:${process.env.PATH}`,
      STANDIN: dir,
      BACKUP_WORK: path.join(dir, "work"),
      RESTIC_REPOSITORY: path.join(dir, "repository"),
      BACKUP_STACK: "lab",
      BACKUP_SERVER_NAME: "lab.example",
      BACKUP_SCHEDULE: "daily 03:30",
      BACKUP_KEEP: "--keep-daily 7 --keep-weekly 4",
      BACKUP_PRE_UPGRADE_KEEP: "3",
      BACKUP_SIGNING_KEY: path.join(dir, "keys", "signing.key"),
      BACKUP_MEDIA_STORE: path.join(dir, "media"),
      BACKUP_CONFIG_DIR: path.join(dir, "config"),
      BACKUP_DB_NAME: "synapse",
      BACKUP_DB_USER: "synapse",
    };
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const backup = async (trigger: string, extra: Record<string, string> = {}) => {
    const agent = spawn("sh", [path.join(dir, "agent.sh"), path.join(dir, "work", "dump")], {
      stdio: "ignore",
    });
    const done = new Promise((resolve) => agent.on("exit", resolve));
    const ran = spawnSync("sh", [SCRIPT, trigger], {
      env: { ...env, ...extra },
      encoding: "utf8",
      timeout: 30_000,
    });
    agent.kill();
    await done;
    return { code: ran.status, run: JSON.parse(ran.stdout.trim().split("\n").pop()!), stderr: ran.stderr };
  };
  const resticCalls = (verb: string) =>
    fs
      .readFileSync(path.join(dir, "restic.calls"), "utf8")
      .split("\n")
      .filter((l) => l.startsWith(verb));
  const status = () => JSON.parse(fs.readFileSync(path.join(dir, "work", "status.json"), "utf8"));

  it("a scheduled or manual backup is tagged matrix-fleet and thinned by the daily retention", async () => {
    const { code, run } = await backup("manual");
    assert.equal(code, 0);
    assert.equal(run.snapshot, "51");
    assert.match(resticCalls("backup").at(-1)!, /--tag matrix-fleet --files-from-verbatim/);
    assert.equal(
      resticCalls("forget").at(-1),
      "forget --host lab --tag matrix-fleet --keep-daily 7 --keep-weekly 4 --prune",
    );
    assert.equal(status().lastPreUpgrade, null);
  });

  it("a pre-upgrade backup is tagged apart, keeps the last 3 of its kind, and names the image and the upgrade", async () => {
    const { code, run } = await backup("pre-upgrade", {
      BACKUP_SYNAPSE_IMAGE: "matrixdotorg/synapse:v1.157.1",
      BACKUP_UPGRADE: "synapse matrixdotorg/synapse:v1.157.1 -> matrixdotorg/synapse:v1.163.2",
    });
    assert.equal(code, 0);
    assert.deepEqual([run.trigger, run.outcome, run.snapshot], ["pre-upgrade", "success", "52"]);
    assert.equal(run.synapseImage, "matrixdotorg/synapse:v1.157.1");
    assert.equal(run.upgrade, "synapse matrixdotorg/synapse:v1.157.1 -> matrixdotorg/synapse:v1.163.2");
    assert.match(resticCalls("backup").at(-1)!, /--tag matrix-fleet-pre-upgrade --files-from-verbatim/);
    assert.equal(
      resticCalls("forget").at(-1),
      "forget --host lab --tag matrix-fleet-pre-upgrade --keep-last 3 --prune",
    );
    assert.deepEqual(status().lastPreUpgrade, run);
    assert.deepEqual(status().lastSuccess, run);
  });

  it("the last pre-upgrade snapshot stays in the status after later backups", async () => {
    const { run } = await backup("scheduled");
    assert.equal(run.snapshot, "53");
    assert.equal(run.synapseImage, undefined);
    assert.equal(status().lastPreUpgrade.snapshot, "52");
    assert.equal(status().lastSuccess.snapshot, "53");
  });

  it("refuses a trigger it does not know", () => {
    const ran = spawnSync("sh", [SCRIPT, "whenever"], { env, encoding: "utf8", timeout: 10_000 });
    assert.equal(ran.status, 2);
    assert.match(ran.stderr, /usage: backup\.sh \[manual\|scheduled\|pre-upgrade\]/);
  });
});
