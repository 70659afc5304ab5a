/**
 * The backup before an upgrade (issue #26): when it is taken (model/pre-upgrade.ts), how the engine runs it
 * (components/pre-upgrade-backup-provider.ts, its bundled text against a `docker` CLI stand-in that plays the
 * host's containers and backup.sh), and where it sits in the program: after the new images and the backup's own
 * containers, before PostgreSQL's and Synapse's containers, never replaced itself.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type {
  PreUpgradeBackupInputs,
  PreUpgradeBackupProvider,
} from "../components/pre-upgrade-backup-provider";
import { providerText } from "../components/provider-text";
import { ObservedContainer, decidePreUpgradeBackup } from "../model/pre-upgrade";
import { orgFor } from "./helpers";
import { runStack } from "./pulumi-harness";
import { useDockerStandin } from "./docker-standin";

const OLD = `sha256:${"a".repeat(64)}`;
const NEW = `sha256:${"b".repeat(64)}`;
const PG = `sha256:${"c".repeat(64)}`;
const healthy = (imageId: string, name: string): ObservedContainer => ({
  imageId,
  imageNames: [name],
  status: "running",
  health: "healthy",
});
const wanted = {
  synapse: { image: "matrixdotorg/synapse:v1.163.2", imageId: NEW },
  postgres: { image: "postgres:16.10-alpine", imageId: `${PG}` },
};

describe("when a backup is taken before an upgrade", () => {
  const pg = healthy(PG, "postgres:16.10-alpine");

  it("takes one when Synapse's image changes under a healthy Synapse, naming the image that made the data", () => {
    const decision = decidePreUpgradeBackup(
      { synapse: healthy(OLD, "matrixdotorg/synapse:v1.157.1"), postgres: pg },
      wanted,
    );
    assert.deepEqual(decision, {
      kind: "backup",
      synapseImage: "matrixdotorg/synapse:v1.157.1",
      changes: [
        { service: "synapse", from: "matrixdotorg/synapse:v1.157.1", to: "matrixdotorg/synapse:v1.163.2" },
      ],
    });
  });

  it("takes one when only PostgreSQL's image changes (the Docker provider's image ID may carry the name)", () => {
    const decision = decidePreUpgradeBackup(
      {
        synapse: healthy(NEW, "matrixdotorg/synapse:v1.163.2"),
        postgres: healthy(OLD, "postgres:16.9-alpine"),
      },
      { ...wanted, postgres: { image: "postgres:16.10-alpine", imageId: `${PG}postgres:16.10-alpine` } },
    );
    assert.equal(decision.kind, "backup");
    assert.deepEqual(decision.kind === "backup" && decision.changes.map((c) => c.service), ["postgres"]);
  });

  it("takes none on a first deploy, a new Docker host, or when the images stay", () => {
    assert.equal(decidePreUpgradeBackup({ synapse: undefined, postgres: undefined }, wanted).kind, "nothing");
    assert.equal(
      decidePreUpgradeBackup({ synapse: healthy(NEW, "s"), postgres: pg }, wanted).kind,
      "nothing",
    );
  });

  it("takes none under a Synapse that is not healthy (a failed upgrade, a restore that left it stopped)", () => {
    for (const synapse of [
      { ...healthy(OLD, "broken"), status: "restarting", health: "unhealthy" },
      { ...healthy(OLD, "new"), status: "exited", health: "unhealthy" },
      { ...healthy(OLD, "new"), health: "starting" },
    ]) {
      const decision = decidePreUpgradeBackup({ synapse, postgres: pg }, wanted);
      assert.equal(decision.kind, "skip", JSON.stringify(synapse));
      assert.match(decision.kind === "skip" ? decision.reason : "", /stays the way back/);
    }
  });
});

// `docker inspect` answers from $STATE/<container> ("<image id> <status> <health>", absent: no such container),
// `docker image inspect` gives a tag, and `docker exec ... backup.sh pre-upgrade` prints $STATE/backup-record and
// exits with $STATE/backup-exit.
const DOCKER_STANDIN = `#!/bin/sh
state="$MATRIX_FLEET_STANDIN_STATE"
echo "$*" >>"$state/calls"
shift 2
case "$1" in
  inspect) name=$(eval echo "\\$$#"); [ -f "$state/$name" ] && { cat "$state/$name"; exit 0; }
    echo "Error: No such object: $name" >&2; exit 1 ;;
  image) echo "tag-of-$(eval echo "\\$$#" | cut -c8-11)" ;;
  exec) cat "$state/backup-record"; exit "$(cat "$state/backup-exit")" ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac
`;

describe("the pre-upgrade backup as the engine runs it", () => {
  const standin = useDockerStandin(DOCKER_STANDIN);
  const write = (file: string, text: string) => fs.writeFileSync(standin.file(file), text);
  const provider = () =>
    load<PreUpgradeBackupProvider>(
      providerText("components/pre-upgrade-backup-provider", "PreUpgradeBackupProvider"),
    );
  const inputs: PreUpgradeBackupInputs = {
    dockerHost: "unix:///standin.sock",
    stack: "lab",
    containers: {
      synapse: "matrix-lab-synapse",
      postgres: "matrix-lab-postgres",
      backup: "matrix-lab-backup",
      backupDump: "matrix-lab-backup-dump",
    },
    wanted,
    timeoutSeconds: 10,
  };
  const deployed = (synapseImage: string, synapseState = "running healthy") => {
    for (const f of fs.readdirSync(standin.dir)) if (f.startsWith("matrix-lab-")) fs.rmSync(standin.file(f));
    write("matrix-lab-synapse", `${synapseImage} ${synapseState}\n`);
    write("matrix-lab-postgres", `${PG} running healthy\n`);
    write("matrix-lab-backup", `${OLD} running healthy\n`);
    write("matrix-lab-backup-dump", `${PG} running healthy\n`);
    write("calls", "");
  };
  const calls = () => fs.readFileSync(standin.file("calls"), "utf8");

  it("on a first deploy asks the host, finds nothing, and takes no backup", async () => {
    write("calls", "");
    for (const f of fs.readdirSync(standin.dir)) if (f.startsWith("matrix-lab-")) fs.rmSync(standin.file(f));
    const created = await provider().create(inputs);
    assert.equal(created.outs.taken, false);
    assert.match(created.outs.reason, /do not run on this Docker host yet/);
    assert.doesNotMatch(calls(), /backup\.sh/);
  });

  it("runs backup.sh pre-upgrade in the backup container, naming the image that made the data", async () => {
    deployed(OLD);
    write(
      "backup-record",
      '{"at":"2033-05-18T03:30:00Z","epoch":2000000000,"trigger":"pre-upgrade","outcome":"success","seconds":4,"snapshot":"0123abcd"}\n',
    );
    write("backup-exit", "0");
    const updated = await provider().update("id", inputs, inputs);
    assert.equal(updated.outs.taken, true);
    assert.equal(updated.outs.snapshot, "0123abcd");
    assert.match(
      updated.outs.reason,
      /synapse tag-of-aaaa -> matrixdotorg\/synapse:v1\.163\.2: snapshot 0123abcd/,
    );
    assert.match(
      calls(),
      /exec -e BACKUP_SYNAPSE_IMAGE=tag-of-aaaa -e BACKUP_UPGRADE=synapse tag-of-aaaa -> matrixdotorg\/synapse:v1\.163\.2 matrix-lab-backup sh \/backup\/backup\.sh pre-upgrade/,
    );
  });

  it("fails `up` when the backup fails, naming its cause and that nothing stateful was replaced", async () => {
    deployed(OLD);
    write(
      "backup-record",
      '{"at":"x","epoch":1,"trigger":"pre-upgrade","outcome":"failure","seconds":0,"error":"a restore is in progress on this stack"}\n',
    );
    write("backup-exit", "1");
    await assert.rejects(provider().update("id", inputs, inputs), (error: Error) => {
      assert.match(
        error.message,
        /the backup before the upgrade \(synapse tag-of-aaaa -> .*\) failed: a restore is in progress/,
      );
      assert.match(
        error.message,
        /Nothing stateful was replaced: matrix-lab-synapse and matrix-lab-postgres still run/,
      );
      assert.match(error.message, /\.\/fleet backup --stack lab/);
      return true;
    });
  });

  it("fails `up` when the backup container does not run, before asking it for anything", async () => {
    deployed(OLD);
    write("matrix-lab-backup-dump", `${PG} exited unhealthy\n`);
    await assert.rejects(provider().update("id", inputs, inputs), /failed: matrix-lab-backup-dump is exited/);
    assert.doesNotMatch(calls(), /backup\.sh/);
  });

  it("takes none under a Synapse that never became healthy, and says which snapshot stays the way back", async () => {
    deployed(OLD, "restarting unhealthy");
    const updated = await provider().update("id", inputs, inputs);
    assert.equal(updated.outs.taken, false);
    assert.match(updated.outs.reason, /no backup: Synapse is restarting\/unhealthy/);
    assert.doesNotMatch(calls(), /backup\.sh/);
  });

  it("is updated in place when an image changes, never replaced (its dependents would be deleted first)", async () => {
    const p = provider();
    assert.deepEqual(await p.diff("id", inputs, inputs), {
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    const changed = { ...inputs, wanted: { ...wanted, synapse: { ...wanted.synapse, imageId: OLD } } };
    assert.deepEqual(await p.diff("id", inputs, changed), {
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });
});

describe("the pre-upgrade backup in the program (mock engine)", () => {
  const resolved = (value: unknown): Promise<unknown> =>
    pulumi.Output.isInstance(value)
      ? new Promise((resolve) => (value as pulumi.Output<unknown>).apply((v) => resolve(v)))
      : Promise.resolve(value);
  const dependsOn = async (options: pulumi.CustomResourceOptions): Promise<string[]> => {
    const raw = await resolved(options.dependsOn);
    const list = (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) as Array<{ __name: string }>;
    return list.map((r) => r.__name);
  };

  it("PostgreSQL and Synapse wait for it; it waits for the new images and the backup's containers", async () => {
    const run = await runStack(orgFor("pro-dukt"));
    const byName = new Map(run.resources.map((r) => [r.name, r]));
    for (const container of ["pro-dukt-synapse-postgres", "pro-dukt-synapse-synapse"])
      assert.ok(
        (await dependsOn(byName.get(container)!.options)).includes("pro-dukt-pre-upgrade-backup"),
        `${container} does not wait for the pre-upgrade backup`,
      );
    assert.deepEqual(await dependsOn(byName.get("pro-dukt-pre-upgrade-backup")!.options), [
      "pro-dukt-backup-backup",
      "pro-dukt-backup-dump",
    ]);
    const inputs = byName.get("pro-dukt-pre-upgrade-backup")!.inputs as {
      wanted: PreUpgradeBackupInputs["wanted"];
    };
    assert.deepEqual(inputs.wanted.synapse, {
      image: orgFor("pro-dukt").images.synapse,
      imageId: `${orgFor("pro-dukt").images.synapse}@sha256:mock`,
    });
    for (const image of run.resources.filter((r) => r.type === "docker:index/remoteImage:RemoteImage"))
      assert.equal(
        image.options.deleteBeforeReplace,
        false,
        `${image.name} is deleted before its replacement`,
      );
  });

  it("exists only with backups on", async () => {
    const org = orgFor("pro-dukt");
    const run = await runStack({ ...org, backup: { ...org.backup, enabled: false } });
    assert.equal(run.resources.filter((r) => r.name.endsWith("pre-upgrade-backup")).length, 0);
  });
});

function load<T>(text: string): T {
  const module = { exports: {} as { handler?: () => T } };
  new Function("module", "exports", "require", text)(module, module.exports, require);
  return module.exports.handler!();
}
