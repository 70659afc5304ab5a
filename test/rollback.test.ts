/**
 * The rollback decision (model/rollback.ts): back to the older image while the database's compat version is at most
 * that image's SCHEMA_VERSION (synapse/storage/prepare_database.py refuses a greater one), else the backup. Numbers
 * from docs/upstream/synapse.md §9: 1.157.1 and 1.163.2 have SCHEMA_VERSION 94 and write compat 84.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rollbackDecision } from "../model/rollback";

describe("rolling Synapse back", () => {
  it("goes back to 1.157.1 after 1.163.2 migrated the database (compat 84, SCHEMA_VERSION 94)", () => {
    const decision = rollbackDecision({
      stack: "pro-dukt",
      image: "matrixdotorg/synapse:v1.157.1",
      databaseCompat: 84,
      databaseSchema: 94,
      imageSchema: 94,
    });
    assert.equal(decision.kind, "previous-image");
    assert.match(
      decision.explanation,
      /inside the rollback window: .*compat version 84.*SCHEMA_VERSION 94 \(84 <= 94\)/,
    );
    assert.deepEqual(decision.steps, [
      "pulumi config set --path images.synapse matrixdotorg/synapse:v1.157.1 --stack pro-dukt",
      "pulumi up --stack pro-dukt",
    ]);
  });

  it("restores the backup when the database is newer than the image can run (compat above its SCHEMA_VERSION)", () => {
    // v1.98.0 wrote compat 83 with SCHEMA_VERSION 83; a database at compat 84 (v1.106.0 on) is too new for it.
    const decision = rollbackDecision({
      stack: "pro-dukt",
      image: "matrixdotorg/synapse:v1.98.0",
      databaseCompat: 84,
      databaseSchema: 94,
      imageSchema: 83,
    });
    assert.equal(decision.kind, "restore-backup");
    assert.match(decision.explanation, /outside the rollback window: .*\(84 > 83\)/);
    assert.match(decision.explanation, /no backup was taken before an upgrade: restore the newest snapshot/);
    assert.equal(
      decision.steps[1],
      "./fleet restore --stack pro-dukt --snapshot <id> --replace-database --replace-files",
    );
  });

  const beyond = {
    stack: "pro-dukt",
    image: "matrixdotorg/synapse:v1.157.1",
    databaseCompat: 95,
    databaseSchema: 95,
    imageSchema: 94,
  };
  const preUpgrade = {
    snapshot: "0123abcd",
    at: "2033-05-18T03:30:00Z",
    synapseImage: "matrixdotorg/synapse:v1.157.1",
    upgrade: "synapse matrixdotorg/synapse:v1.157.1 -> matrixdotorg/synapse:v1.170.0",
  };

  it("leads to the snapshot taken before the upgrade: the image set back first, then restore, then up", () => {
    const decision = rollbackDecision({ ...beyond, preUpgrade });
    assert.equal(decision.kind, "restore-backup");
    assert.match(
      decision.explanation,
      /restore snapshot 0123abcd, taken before the upgrade at 2033-05-18T03:30:00Z of the data matrixdotorg\/synapse:v1\.157\.1 made \(synapse .* -> matrixdotorg\/synapse:v1\.170\.0\); what was written after it is not in it$/,
    );
    // The image before the restore: the restore then leaves Synapse stopped rather than start the newer one on it.
    assert.deepEqual(decision.steps, [
      "pulumi config set --path images.synapse matrixdotorg/synapse:v1.157.1 --stack pro-dukt",
      "./fleet restore --stack pro-dukt --snapshot 0123abcd --replace-database --replace-files",
      "pulumi up --stack pro-dukt",
      "npm run verify -- --stack pro-dukt",
    ]);
  });

  it("says so when the snapshot's data was made by another image than the one asked for", () => {
    const decision = rollbackDecision({ ...beyond, image: "matrixdotorg/synapse:v1.150.0", preUpgrade });
    assert.match(
      decision.explanation,
      /that is not matrixdotorg\/synapse:v1\.150\.0: .* --to matrixdotorg\/synapse:v1\.157\.1/,
    );
  });

  it("a stack without backups is told to restore its own", () => {
    const decision = rollbackDecision({ ...beyond, preUpgrade: null });
    assert.match(decision.explanation, /no backups \(backup\.enabled: false\)/);
    assert.doesNotMatch(decision.steps.join("\n"), /\.\/fleet restore/);
  });

  it("the boundary: a compat version equal to the image's SCHEMA_VERSION is still inside", () => {
    const facts = { stack: "s", image: "i", databaseCompat: 94, databaseSchema: 94, imageSchema: 94 };
    assert.equal(rollbackDecision(facts).kind, "previous-image");
    assert.equal(rollbackDecision({ ...facts, imageSchema: 93 }).kind, "restore-backup");
  });
});
