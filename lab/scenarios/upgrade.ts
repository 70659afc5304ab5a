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
import { describe, it } from "node:test";
import { plannedSteps } from "../../tools/engine/workspace";
import { audioCall } from "../audio-call";
import { LabFleet } from "../deploy/fleet";
import { docker, labExtraImages, labImages } from "../deploy/sites";
import { registerWithSharedSecret } from "../matrix-client";
import { containers, secondUpChangesNothing } from "./deploy";
import { SeededOrganisation, checkOrganisation, seedOrganisation } from "./org-data";
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

/** `./fleet rollback` as an operator runs it, with the lab's Docker host: its JSON and exit code. */
function rollbackAdvice(
  fleet: LabFleet,
  image: string,
): { code: number | null; advice: { kind: string; databaseCompat: number; imageSchema: number } } {
  const result = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(__dirname, "..", "..", "cli", "rollback.ts"),
      "--stack",
      STACK,
      "--to",
      image,
      "--json",
      "--docker-host",
      fleet.site(STACK).dockerHost,
    ],
    { encoding: "utf8", timeout: 180_000 },
  );
  assert.ok(result.stdout.trim().startsWith("{"), `./fleet rollback: ${result.stderr}`);
  return { code: result.status, advice: JSON.parse(result.stdout) };
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
    const previous = labExtraImages("previous");
    const images = () => labImages();

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
    });

    it(
      "a Synapse that never becomes healthy fails `pulumi up` naming it and its last log lines; ./fleet rollback reads the database and leads back to the previous image with no data lost",
      { timeout: 900_000 },
      async () => {
        const broken = labExtraImages("broken").synapse!;
        await fleet.set(STACK, "images.synapse", broken);
        const failed = await fleet.up(STACK);
        assert.notEqual(failed.code, 0, "up succeeded with a Synapse that never becomes healthy");
        const output = `${failed.stdout}\n${failed.stderr}`;
        assert.match(output, /container matrix-pro-dukt-synapse is not healthy after \d+ s/);
        assert.match(
          output,
          /last 30 log lines:[\s\S]*lab fault never-healthy: this Synapse exits at every start/,
        );
        // The way back, from the database: compat 84 (written by 1.157.1) against the previous image's SCHEMA_VERSION.
        const back = rollbackAdvice(fleet, previous.synapse!);
        assert.deepEqual([back.code, back.advice.kind], [0, "previous-image"], JSON.stringify(back.advice));
        assert.equal(
          back.advice.databaseCompat,
          Number(psql(fleet, "SELECT compat_version FROM schema_compat_version")),
        );
        // The same question on a database beyond the image's window: the backup, not the image.
        psql(fleet, `UPDATE schema_compat_version SET compat_version = ${back.advice.imageSchema + 1}`);
        try {
          const beyond = rollbackAdvice(fleet, previous.synapse!);
          assert.deepEqual([beyond.code, beyond.advice.kind], [3, "restore-backup"]);
        } finally {
          psql(fleet, `UPDATE schema_compat_version SET compat_version = ${back.advice.databaseCompat}`);
        }
        await fleet.set(STACK, "images.synapse", previous.synapse!);
        await slowBackgroundUpdates(fleet);
        const rolledBack = await fleet.up(STACK);
        assert.equal(rolledBack.code, 0, LabFleet.failure(rolledBack));
        assert.equal(runningImages(fleet).synapse, previous.synapse);
        await checkOrganisation(seed);
      },
    );

    it("the preview of the upgrade plans exactly the containers whose image or documents change", async () => {
      for (const key of Object.keys(previous)) await fleet.set(STACK, `images.${key}`, images()[key]!);
      const containerChanges = (await planned(fleet)).filter((p) => p.includes(" Container::"));
      // Synapse and lk-jwt-service: new images; LiveKit: its livekit.yaml gains the webhook to lk-jwt-service 0.6.0.
      assert.deepEqual(containerChanges, [
        "replace Container::pro-dukt-livekit-livekit",
        "replace Container::pro-dukt-lk-jwt-lk-jwt",
        "replace Container::pro-dukt-synapse-synapse",
      ]);
      assert.match(fleet.rendered(STACK, "livekit/livekit.yaml"), /sfu_webhook/);
      const shown = await fleet.preview(STACK, { diff: false });
      process.stdout.write(
        `# the upgrade's preview:\n${shown.stdout
          .split("\n")
          .map((l) => `#   ${l}`)
          .join("\n")}\n`,
      );
    });

    it(
      "pulumi up upgrades it and waits for Synapse's background updates; the data is intact, verify passes, a call carries audio, a second up changes nothing",
      { timeout: 900_000 },
      async () => {
        // A user-directory rebuild queued the way Synapse's docs/user_directory.md says, while no Synapse runs: the
        // new Synapse finds it pending when it starts, and crawls through it at the lab's pacing.
        docker(fleet.site(STACK), ["stop", `matrix-${STACK}-synapse`]);
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
  // pro-dukt's federation peer medex is not deployed in the lab.
  assert.deepEqual(
    failed.map((l) => l.split(":")[0]),
    ["FAIL federation peer medex-pflegedienst.de"],
    result.stdout,
  );
  assert.match(result.stdout, /^PASS Element X sliding sync:/m);
}
