/**
 * Upgrades, proven on every Docker lab run (issue #26): pro-dukt is deployed with the PREVIOUS release set
 * (facts/images.ts PREVIOUS_RELEASE; lab images "previous:*") and filled with data; an upgrade to a Synapse that never
 * becomes healthy fails `pulumi up` naming the container and its last log lines, and `./fleet rollback` (the
 * database's schema_compat_version against the older image's SCHEMA_VERSION) leads back to the previous image with
 * no data lost; then the upgrade to the current set: the preview plans exactly the containers whose image or
 * documents change, `up` waits for Synapse's background updates (a user-directory rebuild queued as Synapse's admin
 * API queues it, crawling under lab settings) and only then succeeds; the data is intact, verify passes, a call
 * carries audio, and a second `up` changes nothing. Every later scenario runs on the upgraded pro-dukt.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { plannedSteps } from "../../tools/engine/workspace";
import { audioCall } from "../audio-call";
import { LabFleet } from "../deploy/fleet";
import { LAB_BACKGROUND_UPDATE_PACING } from "../deploy/lab-settings";
import { VERIFY_FAILS_HERE, docker, labExtraImages, labImages } from "../deploy/sites";
import { registerWithSharedSecret } from "../matrix-client";
import { containers, secondUpChangesNothing } from "./deploy";
import { SeededOrganisation, checkOrganisation, seedOrganisation } from "./org-data";
import {
  PreUpgradeRecord,
  assertHoldsPreUpgradeData,
  backupStatus,
  preUpgradeRecord,
  preUpgradeSnapshots,
} from "./upgrade-backup";
import { LabTarget } from "../target";

export const UPGRADE_STACK = "pro-dukt";
const STACK = UPGRADE_STACK;

/** Before the fleet is first deployed: the upgraded organisation gets the previous release set's images. */
export async function configurePreviousRelease(fleet: LabFleet): Promise<void> {
  for (const [key, image] of Object.entries(labExtraImages("previous")))
    await fleet.set(STACK, `images.${key}`, image);
}

/**
 * Synapse's documented background-update pacing (`background_updates`) slowed to one item per batch and a pause of
 * 5 s, so that an update queued before the upgrade is still running when the new Synapse reports healthy. Set with
 * the rollback (whose `up` replaces Synapse anyway), not before the first deploy, where it would slow the fresh
 * database's own updates.
 */
async function slowBackgroundUpdates(fleet: LabFleet): Promise<void> {
  const pacing: Array<[string, string]> = [
    ["sleep_enabled", "true"],
    ["sleep_duration_ms", "5000"],
    ["min_batch_size", "1"],
    ["default_batch_size", "1"],
    ["background_update_duration_ms", "1"],
  ];
  for (const [key, value] of pacing)
    await fleet.set(STACK, `overrides.synapse.background_updates.${key}`, value);
}

/**
 * The lab's pacing again, in the stack file only: the next `up` of the stack (the restore drill's, onto a new Docker
 * host with an empty database) must not crawl through a new database's updates at 5 s each (it took 320 s in CI).
 */
async function labBackgroundUpdates(fleet: LabFleet): Promise<void> {
  const removed = await fleet.workspace.pulumi([
    "config",
    "rm",
    "--path",
    "overrides.synapse.background_updates",
    "--stack",
    STACK,
  ]);
  // Not there when the scenario stopped before slowing it: nothing to remove, said and not a failure.
  if (removed.code !== 0)
    process.stdout.write(`# upgrade: no pacing of its own to remove: ${removed.stderr.trim()}\n`);
  for (const [key, value] of LAB_BACKGROUND_UPDATE_PACING) await fleet.set(STACK, key, value);
}

/**
 * The lab image each container of the stack runs, by service name: the program runs images by ID, so the ID is
 * named by the lab image (of the current, previous or broken set) that has it.
 */
function runningImages(fleet: LabFleet): Record<string, string> {
  const site = fleet.site(STACK);
  const known = [labImages(), labExtraImages("previous"), labExtraImages("broken")].flatMap((set) =>
    Object.values(set),
  );
  const byId = new Map(
    known.map((image) => [docker(site, ["image", "inspect", "--format", "{{.Id}}", image]).trim(), image]),
  );
  const ids = [...containers(fleet, STACK).values()].map((c) => c.id);
  const inspected = JSON.parse(docker(site, ["inspect", ...ids])) as Array<{ Name: string; Image: string }>;
  return Object.fromEntries(
    inspected.map((c) => [c.Name.replace(`/matrix-${STACK}-`, ""), byId.get(c.Image) ?? c.Image]),
  );
}

function psql(fleet: LabFleet, sql: string): string {
  return docker(fleet.site(STACK), [
    "exec",
    `matrix-${STACK}-postgres`,
    "psql",
    "-U",
    "synapse",
    "-d",
    "synapse",
    "-Atc",
    sql,
  ]).trim();
}

/** A `./fleet` tool as an operator runs it, against the lab workspace's stack files (`--project-dir`). */
function fleetTool(fleet: LabFleet, args: readonly string[]) {
  const [tool, ...rest] = args;
  return spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(__dirname, "..", "..", "cli", `${tool}.ts`),
      ...rest,
      "--project-dir",
      fleet.workspace.dir,
    ],
    { encoding: "utf8", timeout: 840_000, cwd: path.join(__dirname, "..", "..") },
  );
}

interface RollbackAdvice {
  readonly kind: string;
  readonly databaseCompat: number;
  readonly imageSchema: number;
  readonly steps: readonly string[];
  readonly preUpgrade?: { readonly snapshot: string; readonly synapseImage?: string } | null;
}

/** `./fleet rollback --json` as an operator runs it: its JSON and exit code. */
function rollbackAdvice(fleet: LabFleet, image: string): { code: number | null; advice: RollbackAdvice } {
  const result = fleetTool(fleet, ["rollback", "--stack", STACK, "--to", image, "--json"]);
  assert.ok(result.stdout.trim().startsWith("{"), `./fleet rollback: ${result.stderr}`);
  return { code: result.status, advice: JSON.parse(result.stdout) as RollbackAdvice };
}

/** Resources the preview plans to touch, as `op type::name`, leaving out what stays the same. */
async function planned(fleet: LabFleet): Promise<string[]> {
  const result = await fleet.preview(STACK, { json: true });
  assert.equal(result.code, 0, LabFleet.failure(result));
  return plannedSteps(result.stdout)
    .filter((step) => step.op !== "same")
    .map((step) => `${step.op} ${step.type.split(":").pop()}::${step.name}`)
    .sort();
}

function gateOutputs(exported: string): Record<string, number> & { pendingNamesAtStart?: string[] } {
  const resources = (
    JSON.parse(exported) as {
      deployment: {
        resources: Array<{
          type: string;
          outputs?: Record<string, number> & { pendingNamesAtStart?: string[] };
        }>;
      };
    }
  ).deployment.resources;
  const gate = resources.find((r) => r.type.endsWith("SynapseUpgradeGate"));
  assert.ok(gate?.outputs, "the stack has a SynapseUpgradeGate");
  return gate.outputs;
}

export function upgradeScenarios(current: () => LabFleet, target: LabTarget): void {
  describe("an organisation upgraded from the previous release set", () => {
    let fleet: LabFleet;
    let seed: SeededOrganisation;
    let beforeBroken: string;
    const previous = labExtraImages("previous");
    const images = () => labImages();
    // Also when a step failed: the scenarios after this one deploy pro-dukt again.
    after(async () => {
      if (fleet !== undefined) await labBackgroundUpdates(fleet);
    });

    it("pro-dukt runs the previous release set, filled with users, rooms, messages, media and a call's state", async () => {
      fleet = current();
      const running = runningImages(fleet);
      assert.equal(running.synapse, previous.synapse);
      assert.equal(running["lk-jwt"], previous.lkJwt);
      assert.doesNotMatch(
        fleet.rendered(STACK, "livekit/livekit.yaml"),
        /webhook/,
        "lk-jwt-service 0.5.0 gets no webhook",
      );
      seed = await seedOrganisation(fleet, STACK, "upgrade");
      await checkOrganisation(seed);
      // Its first deploy (and the second up, which changed nothing) took no backup before it: nothing ran there.
      const fresh = await preUpgradeRecord(fleet, STACK);
      assert.equal(fresh.taken, false);
      assert.match(fresh.reason, /do not run on this Docker host yet/);
      assert.deepEqual(preUpgradeSnapshots(fleet, STACK), []);
    });

    it(
      "a Synapse that never becomes healthy fails `pulumi up` naming it and its last log lines, after a backup of the data the previous Synapse made",
      { timeout: 900_000 },
      async () => {
        await fleet.set(STACK, "images.synapse", labExtraImages("broken").synapse!);
        const failed = await fleet.up(STACK);
        assert.notEqual(failed.code, 0, "up succeeded with a Synapse that never becomes healthy");
        const output = `${failed.stdout}\n${failed.stderr}`;
        assert.match(output, /container matrix-pro-dukt-synapse is not healthy after \d+ s/);
        assert.match(
          output,
          /last 30 log lines:[\s\S]*lab fault never-healthy: this Synapse exits at every start/,
        );
        const record = await preUpgradeRecord(fleet, STACK);
        assert.equal(record.taken, true, record.reason);
        assert.equal(backupStatus(fleet, STACK).lastPreUpgrade?.snapshot, record.snapshot);
        assert.equal(backupStatus(fleet, STACK).lastPreUpgrade?.synapseImage, previous.synapse);
        beforeBroken = record.snapshot;
      },
    );

    it(
      "./fleet rollback reads the database: inside the window it leads back to the image; outside it, to the snapshot taken before the upgrade, restored under the previous image with no data lost",
      { timeout: 900_000 },
      async () => {
        // Compat 84 (written by 1.157.1) against the previous image's SCHEMA_VERSION: the image runs it again.
        const back = rollbackAdvice(fleet, previous.synapse!);
        assert.deepEqual([back.code, back.advice.kind], [0, "previous-image"], JSON.stringify(back.advice));
        assert.equal(
          back.advice.databaseCompat,
          Number(psql(fleet, "SELECT compat_version FROM schema_compat_version")),
        );
        // The database marked as a newer Synapse leaves it: beyond the previous image's window.
        psql(fleet, `UPDATE schema_compat_version SET compat_version = ${back.advice.imageSchema + 1}`);
        const beyond = rollbackAdvice(fleet, previous.synapse!);
        assert.deepEqual([beyond.code, beyond.advice.kind], [3, "restore-backup"]);
        assert.equal(
          beyond.advice.preUpgrade?.snapshot,
          beforeBroken,
          "the snapshot taken before the upgrade",
        );
        const restore = beyond.advice.steps.find((step) => step.startsWith("./fleet restore"))!;
        assert.equal(
          restore,
          `./fleet restore --stack ${STACK} --snapshot ${beforeBroken} --replace-database --replace-files`,
        );
        // The steps as printed: the image back first, the restore (Synapse left stopped), then up.
        await fleet.set(STACK, "images.synapse", previous.synapse!);
        await slowBackgroundUpdates(fleet);
        const restored = fleetTool(fleet, restore.replace(/^\.\/fleet /, "").split(" "));
        assert.equal(restored.status, 4, `${restored.stdout}${restored.stderr}`);
        assert.match(restored.stdout, /Synapse left stopped; next: pulumi up --stack pro-dukt/);
        const up = await fleet.up(STACK);
        assert.equal(up.code, 0, LabFleet.failure(up));
        // No backup of the data the broken Synapse never served: the one taken before it stays the way back.
        const record = await preUpgradeRecord(fleet, STACK);
        assert.equal(record.taken, false);
        assert.match(record.reason, /no backup: Synapse is exited/);
        assert.equal(backupStatus(fleet, STACK).lastPreUpgrade?.snapshot, beforeBroken);
        assert.equal(runningImages(fleet).synapse, previous.synapse);
        assert.equal(
          psql(fleet, "SELECT compat_version FROM schema_compat_version"),
          String(back.advice.databaseCompat),
        );
        await checkOrganisation(seed);
      },
    );

    it("the preview of the upgrade plans exactly the containers whose image or documents change", async () => {
      for (const key of Object.keys(previous)) await fleet.set(STACK, `images.${key}`, images()[key]!);
      const containerChanges = (await planned(fleet)).filter((p) => p.includes(" Container::"));
      // Synapse and lk-jwt-service: new images; LiveKit: its livekit.yaml gains the webhook to lk-jwt-service 0.6.0;
      // the backup: its copy of homeserver.yaml, whose rc_delayed_event_mgmt grows for delegated leave.
      assert.deepEqual(containerChanges, [
        "replace Container::pro-dukt-backup-backup",
        "replace Container::pro-dukt-livekit-livekit",
        "replace Container::pro-dukt-lk-jwt-lk-jwt",
        "replace Container::pro-dukt-synapse-synapse",
      ]);
      assert.match(fleet.rendered(STACK, "livekit/livekit.yaml"), /sfu_webhook/);
      // The backup before the new Synapse: shown as the update of the pre-upgrade backup.
      assert.ok(
        (await planned(fleet)).includes("update PreUpgradeBackup::pro-dukt-pre-upgrade-backup"),
        "the preview does not show the backup before the upgrade",
      );
      const shown = await fleet.preview(STACK, { diff: false });
      process.stdout.write(
        `# the upgrade's preview:\n${shown.stdout
          .split("\n")
          .map((l) => `#   ${l}`)
          .join("\n")}\n`,
      );
    });

    it(
      "a backup that fails stops the upgrade before PostgreSQL or Synapse is replaced, naming its cause",
      { timeout: 600_000 },
      async () => {
        const site = fleet.site(STACK);
        const before = containers(fleet, STACK);
        // A restore in progress (its mark on the backup's work volume): backups wait for it, so this one fails.
        docker(site, ["exec", `matrix-${STACK}-backup`, "sh", "-c", "date -u +%s > /work/restoring"]);
        try {
          const failed = await fleet.up(STACK);
          assert.notEqual(failed.code, 0, "up went on without its backup");
          const output = `${failed.stdout}\n${failed.stderr}`;
          assert.match(
            output,
            /the backup before the upgrade \(synapse \S+ -> \S+\) failed: a restore is in progress on this stack/,
          );
          assert.match(output, /Nothing stateful was replaced/);
        } finally {
          docker(site, ["exec", `matrix-${STACK}-backup`, "rm", "-f", "/work/restoring"]);
        }
        const after = containers(fleet, STACK);
        for (const service of ["postgres", "synapse"])
          assert.equal(after.get(service)?.id, before.get(service)?.id, `${service} was replaced`);
        assert.equal(after.get("synapse")?.health, "healthy");
        assert.equal(runningImages(fleet).synapse, previous.synapse);
      },
    );

    it(
      "pulumi up upgrades it and waits for Synapse's background updates; the data is intact, verify passes, a call carries audio, a second up changes nothing",
      { timeout: 900_000 },
      async () => {
        // A user-directory rebuild queued the way Synapse's docs/user_directory.md says. The running Synapse does
        // not pick it up: its updater unscheduled itself when it had nothing left ("No more background updates to
        // do", synapse/storage/background_updates.py, 1.157.1 and 1.163.2) and looks again only at its next start. So
        // the new Synapse finds it pending, and crawls through it at the lab's pacing; the old one stays healthy
        // for the backup before the upgrade.
        psql(
          fleet,
          "INSERT INTO background_updates (update_name, progress_json, depends_on) VALUES " +
            "('populate_user_directory_createtables', '{}', ''), " +
            "('populate_user_directory_process_rooms', '{}', 'populate_user_directory_createtables'), " +
            "('populate_user_directory_process_users', '{}', 'populate_user_directory_process_rooms'), " +
            "('populate_user_directory_cleanup', '{}', 'populate_user_directory_process_users')",
        );
        const started = Date.now();
        const up = await fleet.up(STACK);
        assert.equal(up.code, 0, LabFleet.failure(up));
        const seconds = Math.round((Date.now() - started) / 1000);
        assert.equal(
          psql(fleet, "SELECT count(*) FROM background_updates"),
          "0",
          "up returned with background updates pending",
        );
        const exported = await fleet.workspace.pulumi(["stack", "export", "--stack", STACK]);
        const gate = gateOutputs(exported.stdout);
        assert.ok(
          gate.pendingAtStart! > 0,
          `no background update was pending when the new Synapse was healthy: ${JSON.stringify(gate)}`,
        );
        assert.ok(gate.waitedSeconds! >= 5, `the gate did not wait: ${JSON.stringify(gate)}`);
        // 1.163.2's own schema deltas (main/delta/94/08 to 10) queue background updates of their own.
        assert.ok(
          (gate.pendingNamesAtStart ?? []).includes("e2e_cross_signing_signatures_add_key_id_to_index"),
          `the upgrade's own background updates were not pending: ${JSON.stringify(gate.pendingNamesAtStart)}`,
        );
        process.stdout.write(
          `# upgrade: pulumi up ${seconds} s, of which ${gate.waitedSeconds} s waiting for ${gate.pendingAtStart} background update(s) (${(gate.pendingNamesAtStart ?? []).join(", ")}); schema ${gate.schemaVersion}, compat ${gate.schemaCompatVersion}\n`,
        );
        const running = runningImages(fleet);
        assert.deepEqual([running.synapse, running["lk-jwt"]], [images().synapse, images().lkJwt]);
        await backupBeforeTheUpgrade(fleet, seed, previous.synapse!, beforeBroken);
        await checkOrganisation(seed);
        assert.ok(
          ((await audioCall(target, STACK, "after-the-upgrade")).audible ?? 0) >= 20,
          "no audio after the upgrade",
        );
        await verifyPasses(fleet);
        await secondUpChangesNothing(fleet, STACK);
      },
    );
  });
}

/** A delta only 1.163.2 applies (docs/upstream/synapse.md §9): in the upgraded database, not in the backup before it. */
const NEW_DELTA = "94/08_device_lists_changes_in_room_unconverted_idx.sql";

/**
 * The backup `up` took before it replaced Synapse: a new pre-upgrade snapshot in the repository and the stack's
 * outputs, made before the new Synapse container was created, holding the data the previous Synapse made.
 */
async function backupBeforeTheUpgrade(
  fleet: LabFleet,
  seed: SeededOrganisation,
  previousImage: string,
  earlier: string,
): Promise<void> {
  const record = await preUpgradeRecord(fleet, STACK);
  assert.equal(record.taken, true, record.reason);
  assert.notEqual(record.snapshot, earlier, "no new snapshot before the upgrade");
  const outputs = await fleet.workspace.pulumi(["stack", "output", "--json", "--stack", STACK]);
  const shown = (JSON.parse(outputs.stdout) as { preUpgradeBackup: PreUpgradeRecord }).preUpgradeBackup;
  assert.deepEqual([shown.taken, shown.snapshot], [true, record.snapshot], "the stack's outputs");
  const status = backupStatus(fleet, STACK).lastPreUpgrade;
  assert.deepEqual([status?.snapshot, status?.synapseImage], [record.snapshot, previousImage]);
  const snapshot = preUpgradeSnapshots(fleet, STACK).find((s) => s.id.startsWith(record.snapshot));
  assert.ok(snapshot, `snapshot ${record.snapshot} is not in the repository with the pre-upgrade tag`);
  const created = docker(fleet.site(STACK), [
    "inspect",
    "--format",
    "{{.Created}}",
    `matrix-${STACK}-synapse`,
  ]);
  assert.ok(
    Date.parse(snapshot.time) < Date.parse(created.trim()),
    `snapshot ${snapshot.time} is not older than the new Synapse container (${created.trim()})`,
  );
  assertHoldsPreUpgradeData(fleet, seed, record.snapshot, NEW_DELTA);
  assert.equal(psql(fleet, `SELECT count(*) FROM applied_schema_deltas WHERE file = '${NEW_DELTA}'`), "1");
  process.stdout.write(
    `# pre-upgrade backup: snapshot ${record.snapshot}, ${status?.seconds} s in backup.sh, ${record.seconds} s in pulumi up (${record.reason})\n`,
  );
}

/** `npm run verify` on the upgraded organisation, with a test user of its own: every check passes. */
async function verifyPasses(fleet: LabFleet): Promise<void> {
  const name = `verify-upgrade-${randomBytes(2).toString("hex")}`;
  const password = randomBytes(12).toString("hex");
  await registerWithSharedSecret(
    `http://${fleet.site(STACK).dockerLan}:8008`,
    String(fleet.homeserver(STACK).registration_shared_secret),
    name,
    password,
    false,
  );
  const result = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(__dirname, "..", "..", "cli", "verify.ts"),
      "--stack",
      STACK,
      // The lab's stack file (its addresses, Docker host, TURN on 443), not this checkout's.
      "--project-dir",
      fleet.workspace.dir,
      "--expect-ip",
      fleet.site(STACK).wan,
    ],
    {
      encoding: "utf8",
      timeout: 180_000,
      env: { ...process.env, MATRIX_FLEET_VERIFY_USER: name, MATRIX_FLEET_VERIFY_PASSWORD: password },
    },
  );
  const failed = result.stdout.split("\n").filter((l) => l.startsWith("FAIL"));
  // pro-dukt's federation peer medex is not deployed in the lab, and its LiveKit's metrics port is forwarded.
  assert.deepEqual(
    failed.map((l) => l.split(":")[0]),
    VERIFY_FAILS_HERE[STACK],
    result.stdout,
  );
  assert.match(result.stdout, /^PASS Element X sliding sync:/m);
  // pro-dukt has TURN on 443 of its second WAN address (lab/deploy/lab-settings.ts): reached from outside too.
  assert.match(result.stdout, /^PASS TURN allocation over TCP \(turn:turn\.[^:]+:443\?transport=tcp\):/m);
  assert.match(result.stdout, /^PASS TURN allocation over TLS \(turns:turn\.[^:]+:443\?transport=tcp\):/m);
}
