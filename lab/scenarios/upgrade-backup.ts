/**
 * What the upgrade scenario reads about the backup `pulumi up` takes before it replaces Synapse or PostgreSQL
 * (components/pre-upgrade-backup.ts): the resource's record in the state, the backup's status on the Docker host,
 * the repository's pre-upgrade snapshots, and the data inside one of them (its database dump read back with
 * pg_restore in the dump container, its manifest with restic).
 */
import assert from "node:assert/strict";
import { SNAPSHOT_TAGS } from "../../facts/backup";
import type { BackupStatus } from "../../verify/backup-status";
import { LabFleet } from "../deploy/fleet";
import { docker } from "../deploy/sites";
import { SeededOrganisation } from "./org-data";

export interface PreUpgradeRecord {
  readonly taken: boolean;
  readonly snapshot: string;
  readonly at: string;
  readonly seconds: number;
  readonly reason: string;
}

/** The pre-upgrade backup's outputs in the stack's state (also after a failed `up`, which keeps what was done). */
export async function preUpgradeRecord(fleet: LabFleet, stack: string): Promise<PreUpgradeRecord> {
  const exported = await fleet.workspace.pulumi(["stack", "export", "--stack", stack]);
  assert.equal(exported.code, 0, exported.stderr);
  const resources = (
    JSON.parse(exported.stdout) as { deployment: { resources: Array<{ type: string; outputs?: unknown }> } }
  ).deployment.resources;
  const found = resources.find((r) => r.type.endsWith(":PreUpgradeBackup"));
  assert.ok(found?.outputs, `${stack} has no PreUpgradeBackup in its state`);
  return found.outputs as PreUpgradeRecord;
}

/** status.json of the stack's backup. */
export function backupStatus(fleet: LabFleet, stack: string): BackupStatus {
  return JSON.parse(
    docker(fleet.site(stack), ["exec", `matrix-${stack}-backup`, "cat", "/work/status.json"]),
  ) as BackupStatus;
}

interface Snapshot {
  readonly id: string;
  readonly short_id: string;
  readonly time: string;
  readonly tags?: string[];
}

/** The repository's snapshots taken before an upgrade (none when there is no repository yet). */
export function preUpgradeSnapshots(fleet: LabFleet, stack: string): Snapshot[] {
  const listed = docker(
    fleet.site(stack),
    ["exec", `matrix-${stack}-backup`, "restic", "snapshots", "--json", "--tag", SNAPSHOT_TAGS.preUpgrade],
    undefined,
    true,
  );
  return listed === undefined ? [] : (JSON.parse(listed) as Snapshot[]);
}

/**
 * One table's rows in a snapshot's database dump, as pg_restore writes them (COPY data): the dump is restored from
 * the repository into the work volume the backup and dump containers share, read, and removed.
 */
export function snapshotTable(fleet: LabFleet, stack: string, snapshot: string, table: string): string {
  const site = fleet.site(stack);
  const dir = `/work/inspect-${snapshot}`;
  docker(site, [
    "exec",
    `matrix-${stack}-backup`,
    "restic",
    "restore",
    snapshot,
    "--target",
    dir,
    "--include",
    "/work/snapshot/synapse.dump",
  ]);
  try {
    return docker(site, [
      "exec",
      `matrix-${stack}-backup-dump`,
      "pg_restore",
      "--data-only",
      "--table",
      table,
      "--file",
      "-",
      `${dir}/work/snapshot/synapse.dump`,
    ]);
  } finally {
    docker(site, ["exec", `matrix-${stack}-backup`, "rm", "-rf", dir]);
  }
}

/**
 * The pre-upgrade snapshot holds the organisation as it was before the upgrade: every seeded message (in
 * event_json), the seeded file (its sha256 in the manifest), and none of the schema deltas only the new Synapse
 * applies (`newDelta`, which the live database has after the upgrade).
 */
export function assertHoldsPreUpgradeData(
  fleet: LabFleet,
  seed: SeededOrganisation,
  snapshot: string,
  newDelta: string,
): void {
  const stack = seed.stack;
  const events = snapshotTable(fleet, stack, snapshot, "event_json");
  for (const body of seed.messages)
    assert.ok(events.includes(body), `"${body}" is not in snapshot ${snapshot}`);
  const manifest = docker(fleet.site(stack), [
    "exec",
    `matrix-${stack}-backup`,
    "sh",
    "/backup/restore.sh",
    "manifest",
    snapshot,
  ]);
  assert.ok(
    manifest.includes(seed.media.sha256),
    `the seeded file is not in snapshot ${snapshot}'s manifest`,
  );
  const deltas = snapshotTable(fleet, stack, snapshot, "applied_schema_deltas");
  // Rows are `<version>\t<version>/<file>` (synapse/storage/prepare_database.py inserts (v, "<v>/<file name>")).
  assert.match(deltas, /^\d+\t\d+\/\S+\.sql$/m, `snapshot ${snapshot} has no applied_schema_deltas rows`);
  assert.ok(!deltas.includes(newDelta), `snapshot ${snapshot} already holds the new Synapse's ${newDelta}`);
}
