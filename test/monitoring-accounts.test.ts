/**
 * The monitoring accounts' dynamic provider: when it sees a change, and what it runs for one (against a stand-in
 * `docker` on PATH that records its commands).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { describe, it } from "node:test";
import { MonitoringAccountsProvider } from "../components/monitoring-accounts-provider";
import { useDockerStandin } from "./docker-standin";

/** Records each call's arguments; a login answers with a token, everything else with nothing. */
const DOCKER_STANDIN = `#!/bin/sh
echo "$*" >> "$MATRIX_FLEET_STANDIN_STATE/calls"
cat > /dev/null
case "$*" in *curl*) echo '{"access_token":"t"}' ;; esac
`;

describe("the monitoring accounts' provider", () => {
  const inputs = {
    dockerHost: "unix:///var/run/docker.sock",
    synapseContainer: "matrix-produktor-synapse",
    synapsePort: 8008,
    serverName: "produktor.io",
    matrixAccounts: [
      { user: "matrix-fleet-probe", password: "a".repeat(40) },
      { user: "matrix-fleet-alerts", password: "b".repeat(40) },
    ],
    postgresContainer: "matrix-produktor-postgres",
    database: { user: "synapse", name: "synapse" },
    monitorRole: "matrix_fleet_monitor",
    monitorPassword: "c".repeat(40),
    postgresContainerId: "90a",
  };

  it("sees a change only when a password, an account or the PostgreSQL container changes", async () => {
    const provider = new MonitoringAccountsProvider();
    const digests = (password: string) => createHash("sha256").update(password).digest("hex");
    // As the engine hands outputs back: keys in its own (sorted) order.
    const stored = {
      digests: {
        matrix_fleet_monitor: digests("c".repeat(40)),
        "matrix-fleet-alerts": digests("b".repeat(40)),
        "matrix-fleet-probe": digests("a".repeat(40)),
      },
      monitorRole: "matrix_fleet_monitor",
      users: ["matrix-fleet-probe", "matrix-fleet-alerts"],
      postgresContainerId: "90a",
    };
    assert.deepEqual(await provider.diff("id", stored, inputs), { changes: false });
    // A new PostgreSQL (restored onto a new Docker host, or a new major from a dump) has no exporter role.
    const newPostgres = { ...inputs, postgresContainerId: "b0b" };
    assert.deepEqual(await provider.diff("id", stored, newPostgres), { changes: true });
    // State written before the container was recorded: the role is made once more (idempotent), then recorded.
    const older = { ...stored, postgresContainerId: undefined };
    assert.deepEqual(await provider.diff("id", older as never, inputs), { changes: true });
    const rotated = { ...inputs, monitorPassword: "d".repeat(40) };
    assert.deepEqual(await provider.diff("id", stored, rotated), { changes: true });
    const fewer = { ...inputs, matrixAccounts: inputs.matrixAccounts.slice(0, 1) };
    assert.deepEqual(await provider.diff("id", stored, fewer), { changes: true });
  });

  describe("an update", () => {
    const standin = useDockerStandin(DOCKER_STANDIN);
    const calls = (): string[] => {
      const file = standin.file("calls");
      const lines = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n") : [];
      fs.rmSync(file, { force: true });
      return lines;
    };
    const provider = new MonitoringAccountsProvider();

    it("onto a new PostgreSQL makes the exporter's role there and leaves the Matrix accounts alone", async () => {
      const created = await provider.create(inputs);
      calls();
      const moved = { ...inputs, postgresContainerId: "b0b" };
      const updated = await provider.update("id", created.outs, moved);
      const ran = calls();
      assert.equal(ran.length, 1, ran.join("\n"));
      assert.match(ran[0]!, /exec -i matrix-produktor-postgres psql/);
      assert.equal(updated.outs.postgresContainerId, "b0b");
    });

    it("with a new password for an account registers it (kept if it exists) and proves the password", async () => {
      const created = await provider.create(inputs);
      calls();
      const rotated = {
        ...inputs,
        matrixAccounts: [
          inputs.matrixAccounts[0]!,
          { user: "matrix-fleet-alerts", password: "e".repeat(40) },
        ],
      };
      await provider.update("id", created.outs, rotated);
      const ran = calls().join("\n");
      assert.match(ran, /register_new_matrix_user .*--exists-ok -u matrix-fleet-alerts/);
      assert.match(ran, /curl .*\/_matrix\/client\/v3\/login/);
    });
  });
});
