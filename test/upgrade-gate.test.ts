/**
 * The upgrade gate's provider (components/synapse-upgrade-gate-provider.ts) as the engine runs it: its bundled text
 * against a `docker` CLI stand-in that plays psql inside the PostgreSQL container, with a `background_updates`
 * table that empties as Synapse's updater would. `up` must not succeed while a row is left.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { describe, it } from "node:test";
import type { UpgradeGateProvider } from "../components/synapse-upgrade-gate-provider";
import { providerText } from "../components/provider-text";
import { useDockerStandin } from "./docker-standin";

const load = <T>(text: string): T => {
  const module = { exports: {} as { handler?: () => T } };
  new Function("module", "exports", "require", text)(module, module.exports, require);
  return module.exports.handler!();
};

// `docker exec <pg> psql ... -Atc <sql>`: the pending updates are the lines of $STATE/pending, one fewer each
// time the table is read (the updater finishing one per poll); the schema tables answer 94 and 84.
const DOCKER_STANDIN = `#!/bin/sh
state="$MATRIX_FLEET_STANDIN_STATE"
echo "$*" >>"$state/calls"
if [ -f "$state/starting" ]; then
  rm "$state/starting"
  echo 'psql: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  the database system is not yet accepting connections' >&2
  exit 2
fi
case "$*" in
  *"exec matrix-lab-postgres psql -U synapse -d synapse -v ON_ERROR_STOP=1 -Atc SELECT update_name FROM background_updates"*)
    cat "$state/pending"; tail -n +2 "$state/pending" >"$state/next"; mv "$state/next" "$state/pending" ;;
  *"SELECT version FROM schema_version"*) echo 94 ;;
  *"SELECT compat_version FROM schema_compat_version"*) echo 84 ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac
`;

describe("the upgrade gate waits for Synapse's background updates", () => {
  const standin = useDockerStandin(DOCKER_STANDIN);
  const provider = () =>
    load<UpgradeGateProvider>(
      providerText("components/synapse-upgrade-gate-provider", "UpgradeGateProvider"),
    );
  const inputs = {
    dockerHost: "unix:///standin.sock",
    postgresContainer: "matrix-lab-postgres",
    database: "synapse",
    user: "synapse",
    synapseContainerId: "c1",
    synapseImage: "matrixdotorg/synapse:v1.163.2",
    timeoutSeconds: 5,
    pollMs: 20,
  };

  it("returns only once the table is empty, with the schema and compat versions the database holds", async () => {
    fs.writeFileSync(
      standin.file("pending"),
      "populate_user_directory_createtables\npopulate_user_directory_process_rooms\n",
    );
    fs.writeFileSync(standin.file("calls"), "");
    const created = await provider().create(inputs);
    const reads = fs
      .readFileSync(standin.file("calls"), "utf8")
      .split("\n")
      .filter((l) => l.includes("background_updates"));
    assert.equal(reads.length, 3, "read until the table was empty");
    assert.deepEqual(
      { ...created.outs, waitedSeconds: 0 },
      {
        ...inputs,
        waitedSeconds: 0,
        pendingAtStart: 2,
        pendingNamesAtStart: [
          "populate_user_directory_createtables",
          "populate_user_directory_process_rooms",
        ],
        schemaVersion: 94,
        schemaCompatVersion: 84,
      },
    );
    assert.ok(!("__provider" in created.outs));
  });

  it("asks again while a replaced PostgreSQL is still starting", async () => {
    fs.writeFileSync(standin.file("pending"), "");
    fs.writeFileSync(standin.file("starting"), "");
    const created = await provider().create(inputs);
    assert.equal(created.outs.pendingAtStart, 0);
    assert.ok(!fs.existsSync(standin.file("starting")), "the first answer was the starting one");
  });

  it("fails `up` naming the updates still pending when they outlast the timeout", async () => {
    fs.writeFileSync(
      standin.file("pending"),
      Array.from({ length: 400 }, (_, i) => `update_${i}`).join("\n"),
    );
    await assert.rejects(provider().create({ ...inputs, timeoutSeconds: 0.1 }), (error: Error) => {
      assert.match(
        error.message,
        /Synapse \(matrixdotorg\/synapse:v1\.163\.2\) still has \d+ background update\(s\) after 0\.1 s: update_\d+/,
      );
      assert.match(error.message, /run `pulumi up` again when they are done/);
      return true;
    });
  });

  it("waits again only for a new Synapse container", async () => {
    const p = provider();
    assert.deepEqual(await p.diff("id", inputs, inputs), { changes: false, replaces: [] });
    assert.deepEqual(await p.diff("id", inputs, { ...inputs, synapseContainerId: "c2" }), {
      changes: true,
      replaces: ["synapseContainerId"],
    });
  });
});
