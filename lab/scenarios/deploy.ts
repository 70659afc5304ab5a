/**
 * `pulumi up` for real: the lab organisations deployed by the real engine onto their sites' Docker engines, and
 * what the components promise, checked on what Docker runs: health, idempotence, blast radius, secrecy of the
 * state; and at the end of a lab run, destroy with protected volumes (a service that never becomes healthy is the
 * failed upgrade of lab/scenarios/upgrade.ts). Registered by lab/deploy/lab.test.ts, which runs inside the lab's
 * hub namespace.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CommandResult, plannedSteps } from "../../tools/engine/workspace";
import { LabFleet } from "../deploy/fleet";
import { docker } from "../deploy/sites";
import { call, get, login, post, registerWithSharedSecret } from "../matrix-client";
import { preUpgradeRecord } from "./upgrade-backup";

/** The organisations the Docker lab deploys. */
export const DEPLOYED_STACKS = ["produktor", "pro-dukt", "moda1"] as const;
const STACKS = DEPLOYED_STACKS;
let fleet: LabFleet;

interface ContainerState {
  readonly name: string;
  readonly id: string;
  readonly status: string;
  readonly health: string | undefined;
}

/** The containers a site's engine runs for a stack, by name. */
export function containers(fleet: LabFleet, stack: string): Map<string, ContainerState> {
  const ids = docker(fleet.site(stack), ["ps", "-aq", "--filter", `label=org.matrix-fleet.stack=${stack}`])
    .split("\n")
    .filter((id) => id !== "");
  if (ids.length === 0) return new Map();
  const states = JSON.parse(docker(fleet.site(stack), ["inspect", ...ids])) as Array<{
    Id: string;
    Name: string;
    State: { Status: string; Health?: { Status: string } };
  }>;
  return new Map(
    states.map((c) => {
      const name = c.Name.replace(/^\//, "").replace(`matrix-${stack}-`, "");
      return [name, { name, id: c.Id, status: c.State.Status, health: c.State.Health?.Status }];
    }),
  );
}

/** Resources a preview plans to touch, as `op type::name`, leaving out what stays the same. */
async function plannedChanges(fleet: LabFleet, stack: string): Promise<string[]> {
  const result = await fleet.preview(stack, { json: true });
  assert.equal(result.code, 0, LabFleet.failure(result));
  return plannedSteps(result.stdout)
    .filter((step) => step.op !== "same")
    .map((step) => `${step.op} ${step.type.split(":").pop()}::${step.name}`)
    .sort();
}

/** The containers whose ID changed between two snapshots (replaced), by service name. */
function replaced(before: Map<string, ContainerState>, after: Map<string, ContainerState>): string[] {
  return [...after.values()]
    .filter((c) => before.get(c.name)?.id !== c.id)
    .map((c) => c.name)
    .sort();
}

/** Deploys the fleet (the first scenarios), then checks idempotence, blast radius and the state's secrecy. */
export function deployScenarios(current: () => LabFleet): void {
  describe("the lab fleet", () => {
    it("is configured", () => {
      fleet = current();
    });
  });
  describe("pulumi up of the lab organisations onto their Docker engines", () => {
    // The first ups run at once, as an operator's terminals would: each stack has its own Docker host, and most of
    // an up is waiting for health checks, so together they take little more than the slowest alone.
    let firstUps: Map<string, Promise<CommandResult>> | undefined;
    const firstUp = (stack: string): Promise<CommandResult> => {
      firstUps ??= new Map(
        STACKS.map((s) => {
          const up = fleet.up(s);
          up.catch(() => undefined); // awaited by its own test; not an unhandled rejection before that
          return [s, up];
        }),
      );
      return firstUps.get(stack)!;
    };
    for (const stack of STACKS) {
      it(`${stack}: creates everything and returns once every container with a healthcheck is healthy`, async () => {
        const result = await firstUp(stack);
        assert.equal(result.code, 0, LabFleet.failure(result));
        console.log(`# ${stack}: the first up's slowest: ${LabFleet.slowest(result)}`);
        const running = containers(fleet, stack);
        assert.ok(running.size >= 4, `${stack} runs ${running.size} containers`);
        for (const c of running.values()) {
          assert.equal(c.status, "running", `${c.name} is ${c.status}`);
          if (c.health !== undefined)
            assert.equal(c.health, "healthy", `${c.name} is ${c.health} when up returned`);
        }
      });
    }

    for (const stack of STACKS) {
      it(`${stack}: a second up changes nothing (no perpetual diff), and neither up took a backup before it`, async () => {
        await secondUpChangesNothing(fleet, stack);
        // Nothing ran on the new Docker host before the first up, and the second changed no image.
        const record = await preUpgradeRecord(fleet, stack);
        assert.equal(record.taken, false, record.reason);
        assert.match(record.reason, /do not run on this Docker host yet/);
      });
    }
  });

  describe("blast radius, planned and deployed", () => {
    it("changing Element's brand replaces exactly Element Web, in the preview and in the up", async () => {
      await fleet.set("produktor", "element.brand", "Produktor Chat (lab)");
      assert.deepEqual(await plannedChanges(fleet, "produktor"), [
        "replace Container::produktor-element-element-web",
        "replace ContainerHealthGate::produktor-elementWeb-healthy",
      ]);
      const before = containers(fleet, "produktor");
      const result = await fleet.up("produktor");
      assert.equal(result.code, 0, LabFleet.failure(result));
      assert.deepEqual(replaced(before, containers(fleet, "produktor")), ["element-web"]);
    });

    it("bumping secretRotation.livekit replaces exactly LiveKit and lk-jwt-service (and their key pair)", async () => {
      await livekitRotationReplacesItsConsumers(fleet, "2");
    });
  });

  describe("secrets in the state", () => {
    it("`pulumi stack export` holds no generated secret in clear (checked against the values the services run with)", async () => {
      await stateHoldsNoSecretInClear(fleet);
    });
  });
}

/** The idempotence property (a scenario, and the check a program fault must break: lab/deploy/faults.test.ts). */
export async function secondUpChangesNothing(fleet: LabFleet, stack: string): Promise<void> {
  assert.deepEqual(await plannedChanges(fleet, stack), [], "the preview of an unchanged stack plans changes");
  const before = containers(fleet, stack);
  const result = await fleet.up(stack);
  assert.equal(result.code, 0, LabFleet.failure(result));
  assert.match(result.stdout, /\d+ unchanged/);
  assert.doesNotMatch(result.stdout, / (created|updated|replaced|deleted)\b/);
  assert.deepEqual(replaced(before, containers(fleet, stack)), []);
}

/** The blast-radius property of a secret rotation, planned and deployed. */
export async function livekitRotationReplacesItsConsumers(fleet: LabFleet, rotation: string): Promise<void> {
  await fleet.set("produktor", "secretRotation.livekit", rotation);
  const planned = await plannedChanges(fleet, "produktor");
  const touched = [...new Set(planned.map((p) => p.split(" ")[1]))].sort();
  assert.deepEqual(touched, [
    "Container::produktor-livekit-livekit",
    "Container::produktor-lk-jwt-lk-jwt",
    "ContainerHealthGate::produktor-livekit-healthy",
    "RandomPassword::livekit-api-key",
    "RandomPassword::livekit-api-secret",
  ]);
  const before = containers(fleet, "produktor");
  const result = await fleet.up("produktor");
  assert.equal(result.code, 0, LabFleet.failure(result));
  assert.deepEqual(replaced(before, containers(fleet, "produktor")), ["livekit", "lk-jwt"]);
}

/** The secrecy property: no secret the services run with is in clear in the state. */
export async function stateHoldsNoSecretInClear(fleet: LabFleet): Promise<void> {
  const homeserver = fleet.homeserver("produktor") as Record<string, unknown> & {
    database: { args: { password: string } };
  };
  const livekit = docker(fleet.site("produktor"), [
    "exec",
    "matrix-produktor-livekit",
    "cat",
    "/etc/livekit.yaml",
  ]);
  const keys = /keys:\n\s+'?([^:'\s]+)'?:\s+'?([^'\s]+)'?/.exec(livekit);
  assert.ok(keys, "LiveKit's key pair in its livekit.yaml");
  const secrets: Record<string, string> = {
    registration_shared_secret: String(homeserver.registration_shared_secret),
    macaroon_secret_key: String(homeserver.macaroon_secret_key),
    form_secret: String(homeserver.form_secret),
    turn_shared_secret: String(homeserver.turn_shared_secret),
    postgres_password: homeserver.database.args.password,
    livekit_api_key: keys[1]!,
    livekit_api_secret: keys[2]!,
  };
  for (const [name, value] of Object.entries(secrets))
    assert.ok(value.length >= 16, `${name} was read (${value.length} chars)`);
  const exported = await fleet.workspace.pulumi(["stack", "export", "--stack", "produktor"]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.ok(exported.stdout.length > 10_000, "the export holds the deployment");
  for (const [name, value] of Object.entries(secrets))
    assert.ok(!exported.stdout.includes(value), `${name} is in clear in pulumi stack export`);
}

/** Last in a lab run: they break and destroy what the other scenarios use. */
export function lifecycleScenarios(): void {
  describe("destroy, protected state and a new up on the same volumes", () => {
    const base = "https://synapse.server.moda1.uk";
    it("destroy stops at the protected volumes; unprotected, it leaves them; a new up has the same key, users and rooms", async () => {
      const secret = String(fleet.homeserver("moda1").registration_shared_secret);
      // Directly on the Docker host: moda1 proxies no admin API.
      const direct = `http://${fleet.site("moda1").dockerLan}:8008`;
      const registered = await registerWithSharedSecret(
        direct,
        secret,
        "alice-destroy",
        "alice-password-1",
        false,
      );
      const alice = { ...registered, baseUrl: base };
      const room = await post(alice, "/_matrix/client/v3/createRoom", { name: "kept across destroy" });
      const keyBefore = await call(base, "GET", "/_matrix/key/v2/server");

      const refused = await fleet.workspace.pulumi([
        "destroy",
        "--stack",
        "moda1",
        "--yes",
        "--non-interactive",
      ]);
      assert.notEqual(refused.code, 0, "destroy went through protected volumes");
      assert.match(`${refused.stdout}${refused.stderr}`, /protect/);
      const volumes = () =>
        docker(fleet.site("moda1"), ["volume", "ls", "--format", "{{.Name}}"])
          .split("\n")
          .filter((v) => v.startsWith("matrix-moda1-"))
          .sort();
      // The monitoring's volumes (metrics, silences) are not protected, but retained on the host all the same.
      const monitoringVolumes = ["alertmanager-data", "prometheus-data", "textfile-metrics"];
      const kept = (backupWork: string[]) =>
        [
          "backup-repository",
          ...backupWork,
          "postgres-data",
          "synapse-data",
          "synapse-media",
          ...monitoringVolumes,
        ]
          .map((v) => `matrix-moda1-${v}`)
          .sort();
      assert.deepEqual(volumes(), kept(["backup-work"]));

      // The runbook (docs/deploying.md, "Destroying and recreating a stack"): keep the database password, unprotect, destroy.
      const exported = await fleet.workspace.pulumi([
        "stack",
        "export",
        "--stack",
        "moda1",
        "--show-secrets",
      ]);
      const password = databasePassword(exported.stdout);
      const unprotect = await fleet.workspace.pulumi([
        "state",
        "unprotect",
        "--all",
        "--stack",
        "moda1",
        "--yes",
      ]);
      assert.equal(unprotect.code, 0, unprotect.stderr);
      const destroyed = await fleet.workspace.pulumi([
        "destroy",
        "--stack",
        "moda1",
        "--yes",
        "--non-interactive",
      ]);
      assert.equal(destroyed.code, 0, LabFleet.failure(destroyed));
      assert.equal(containers(fleet, "moda1").size, 0, "destroy removed the containers");
      // The backup's work volume (status, spool, cache) goes; the repository stays, like the state.
      assert.deepEqual(volumes(), kept([]));

      await fleet.workspace.configSet("moda1", "adoptedSecrets.postgres_password", password, {
        secret: true,
        path: true,
      });
      const again = await fleet.up("moda1");
      assert.equal(again.code, 0, LabFleet.failure(again));
      const keyAfter = await call(base, "GET", "/_matrix/key/v2/server");
      assert.deepEqual(
        (keyAfter as { verify_keys: unknown }).verify_keys,
        (keyBefore as { verify_keys: unknown }).verify_keys,
        "the server signing key changed",
      );
      // The monitoring's accounts were in the kept database with the old generated passwords: the new ones are set.
      const probes = await call(
        `http://${fleet.site("moda1").dockerLan}:8008`,
        "GET",
        "/_matrix/client/versions",
      );
      assert.ok(probes, "Synapse answers after the new up");
      const aliceAgain = await login(base, "alice-destroy", "alice-password-1");
      const joined = (await get(aliceAgain, "/_matrix/client/v3/joined_rooms")) as { joined_rooms: string[] };
      assert.deepEqual(joined.joined_rooms, [room.room_id]);
    });
  });
}

/** The generated database password in a `pulumi stack export --show-secrets` document. */
function databasePassword(exportJson: string): string {
  const resources = (
    JSON.parse(exportJson) as {
      deployment: { resources: Array<{ urn: string; outputs?: { result?: unknown } }> };
    }
  ).deployment.resources;
  const found = resources.find((r) => r.urn.endsWith("RandomPassword::postgres-password"));
  const value = found?.outputs?.result;
  const plain =
    typeof value === "object" && value !== null ? (value as { plaintext?: string }).plaintext : value;
  const text = typeof plain === "string" && plain.startsWith('"') ? (JSON.parse(plain) as string) : plain;
  if (typeof text !== "string" || text === "") throw new Error("no postgres-password in the stack export");
  return text;
}
