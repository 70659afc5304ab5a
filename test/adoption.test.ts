import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { describe, it } from "node:test";
import { adoptedSecretValueProblems } from "../config/adoption-config";
import { renderSummary } from "../config-templates/summary";
import { buildStackPlan } from "../config-templates/plan";
import { SecretName, neededSecrets, placeholderSecrets } from "../facts/secrets";
import { describeProblems, orgFor, parseProblems } from "./helpers";
import { parseTurnserverConf, parseYaml } from "./parse-formats";
import {
  RecordedResource,
  containersOf,
  envOf,
  isSecretValue,
  runStack,
  unwrap,
  uploadAt,
} from "./pulumi-harness";

const encrypted = { secure: "v1:dGVzdA==" };

/** produktor taken over from its compose layout: data directory bind-mounted, database volume by name. */
const ADOPTION = {
  adopt: {
    volumes: {
      postgresData: "chat_postgres-data",
      synapseData: "/srv/chat/synapse",
      jitsiProsody: "chat_prosody",
      jitsiTranscripts: "/srv/chat/jitsi/transcripts",
    },
    synapse: {
      signingKeyPath: "/data/produktor.io.signing.key",
      mediaStorePath: "/data/media_store",
    },
    database: { user: "synapse_user", name: "synapse" },
  },
  // Adopted prosody storage keeps its accounts, so their passwords come along (checked by the config).
  adoptedSecrets: { jicofo_auth_password: encrypted, jvb_auth_password: encrypted },
};
const PROSODY_PASSWORDS = { jicofo_auth_password: "existing-jicofo", jvb_auth_password: "existing-jvb" };

function adoptedOrg(secrets: readonly SecretName[]) {
  return orgFor("produktor", {
    ...ADOPTION,
    adoptedSecrets: {
      ...ADOPTION.adoptedSecrets,
      ...Object.fromEntries(secrets.map((name) => [name, encrypted])),
    },
  });
}

/** Existing values as a compose deployment might have them (Synapse's generator uses symbols too). */
function existingValues(names: readonly SecretName[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, `existing-${name}-~@^&*.,;:=+_`.replace("_", "")]));
}

function resourcesOfType(resources: readonly RecordedResource[], type: string) {
  return resources.filter((r) => r.type === type);
}

describe("adoption config", () => {
  it("without adopt, a stack keeps matrix-fleet's own layout and adopts nothing", () => {
    const { adoption } = orgFor("produktor");
    assert.deepEqual(adoption, {
      stores: {},
      signingKeyPath: "/data/keys/produktor.io.signing.key",
      mediaStorePath: "/media_store",
      database: { user: "synapse", name: "synapse" },
      secrets: [],
    });
  });

  it("reads volumes, host directories, paths, the database identity and the adopted secret names", () => {
    const org = adoptedOrg(["turn_shared_secret", "postgres_password"]);
    assert.deepEqual(org.adoption.stores, {
      postgresData: { kind: "volume", name: "chat_postgres-data" },
      synapseData: { kind: "hostPath", path: "/srv/chat/synapse" },
      jitsiProsody: { kind: "volume", name: "chat_prosody" },
      jitsiTranscripts: { kind: "hostPath", path: "/srv/chat/jitsi/transcripts" },
    });
    assert.deepEqual(org.adoption.secrets, [
      "turn_shared_secret",
      "postgres_password",
      "jicofo_auth_password",
      "jvb_auth_password",
    ]);
    const homeserver = buildStackPlan(org, placeholderSecrets()).synapse.homeserver as Record<
      string,
      unknown
    >;
    assert.equal(homeserver.signing_key_path, "/data/produktor.io.signing.key");
    assert.equal(homeserver.media_store_path, "/data/media_store");
    const args = (homeserver.database as { args: Record<string, unknown> }).args;
    assert.equal(args.user, "synapse_user");
    assert.equal(args.dbname, "synapse");
  });

  it("reports every adoption mistake at once, each with its key and a fix", () => {
    const problems = parseProblems("moda1", {
      adopt: {
        volumes: {
          postgresData: "../pg",
          synapseData: "/srv/chat//synapse",
          synapseMedia: "chat_media",
          jitsiProsody: "chat_prosody",
          postgresDta: "x",
        },
        synapse: { signingKeyPath: "/config/key", mediaStorePath: "/data/media_store" },
        database: { user: "Synapse-User" },
      },
      adoptedSecrets: {
        turn_shared_secret: "in-clear-text",
        livekit_api_key: encrypted,
        macaroon_secret_key: encrypted,
        form_secrt: encrypted,
      },
    });
    const text = describeProblems(problems);
    const expected: Array<[string, RegExp]> = [
      ["adopt.volumes.postgresData", /neither a Docker volume name nor an absolute host directory/],
      ["adopt.volumes.synapseData", /not a plain absolute directory/],
      ["adopt.volumes.jitsiProsody", /components.jitsi is off/],
      ["adopt.volumes.postgresDta", /did you mean 'adopt.volumes.postgresData'/],
      ["adopt.synapse.signingKeyPath", /outside the mounted state/],
      ["adopt.synapse.mediaStorePath", /outside \/media_store where adopt.volumes.synapseMedia is mounted/],
      ["adopt.database.user", /not a plain PostgreSQL identifier/],
      ["adoptedSecrets.turn_shared_secret", /not encrypted \(got clear text\)/],
      // moda1 runs no MatrixRTC: a LiveKit key has no consumer there.
      ["adoptedSecrets.livekit_api_key", /no enabled component uses it/],
      ["adoptedSecrets.form_secrt", /did you mean 'adoptedSecrets.form_secret'/],
    ];
    for (const [key, message] of expected) {
      const found = problems.find((p) => p.key === `matrix-fleet:${key}`);
      assert.ok(found, `expected a problem at ${key}; got:\n${text}`);
      assert.match(`${found.message} ${found.fix}`, message, key);
      assert.notEqual(found.fix, "", key);
    }
    assert.ok(!text.includes("in-clear-text"), "a clear-text secret is never repeated in the report");
  });

  it("adopted prosody storage needs the jicofo and jvb passwords it already holds", () => {
    const problems = parseProblems("produktor", { adopt: { volumes: { jitsiProsody: "chat_prosody" } } });
    assert.deepEqual(
      problems.map((p) => p.key),
      ["matrix-fleet:adoptedSecrets.jicofo_auth_password", "matrix-fleet:adoptedSecrets.jvb_auth_password"],
      describeProblems(problems),
    );
  });

  it("refuses half of LiveKit's key pair", () => {
    const problems = parseProblems("produktor", { adoptedSecrets: { livekit_api_key: encrypted } });
    assert.equal(problems.length, 1, describeProblems(problems));
    assert.equal(problems[0]!.key, "matrix-fleet:adoptedSecrets.livekit_api_secret");
  });

  it("checks adopted values without showing them", () => {
    const problems = adoptedSecretValueProblems(
      "produktor",
      ["turn_shared_secret", "form_secret", "macaroon_secret_key", "postgres_password"],
      {
        turn_shared_secret: "abc#def",
        form_secret: "two words",
        macaroon_secret_key: "fine~@^&*.,;:=+#",
      },
    );
    assert.deepEqual(
      problems.map((p) => p.key),
      [
        "matrix-fleet:adoptedSecrets.turn_shared_secret",
        "matrix-fleet:adoptedSecrets.form_secret",
        "matrix-fleet:adoptedSecrets.postgres_password",
      ],
    );
    const text = describeProblems(problems);
    assert.ok(!text.includes("abc#def") && !text.includes("two words"), text);
  });
});

/**
 * The volumes of the state stores: every volume but the backup's own and the monitoring's (metrics, silences) (its work volume and a new repository, which
 * a stack creates whether it adopts or not: a compose deployment has no matrix-fleet repository to take over).
 */
function stateVolumes(resources: Parameters<typeof resourcesOfType>[0]) {
  return resourcesOfType(resources, "docker:index/volume:Volume").filter(
    (v) => !/-backup-(work|repository)$/.test(v.name) && !/-monitoring-/.test(v.name),
  );
}

describe("adoption under the mock engine", () => {
  it("creates no stateful volume: adopted volumes are read, adopted directories bind-mounted, media stays in /data", async () => {
    const run = await runStack(adoptedOrg([]), { adoptedSecretValues: PROSODY_PASSWORDS });
    const volumes = stateVolumes(run.resources);
    assert.deepEqual(
      volumes.map((v) => v.readId).sort(),
      ["chat_postgres-data", "chat_prosody"],
      "every volume resource is a read of an adopted volume; none is created",
    );
    const containers = containersOf(run);
    const mountsOf = (service: string) =>
      unwrap(containers.get(`matrix-produktor-${service}`)!.mounts) as Array<Record<string, unknown>>;
    assert.deepEqual(mountsOf("postgres"), [
      { type: "volume", source: "chat_postgres-data", target: "/var/lib/postgresql/data" },
    ]);
    assert.deepEqual(
      mountsOf("synapse"),
      [{ type: "bind", source: "/srv/chat/synapse", target: "/data" }],
      "media lives inside the adopted data directory, so no media volume is mounted (or created)",
    );
    assert.deepEqual(mountsOf("jitsi-prosody"), [
      { type: "volume", source: "chat_prosody", target: "/var/lib/prosody" },
    ]);
    assert.deepEqual(mountsOf("jitsi-web"), [
      { type: "bind", source: "/srv/chat/jitsi/transcripts", target: "/usr/share/jitsi-meet/transcripts" },
    ]);
    const postgres = envOf(containers.get("matrix-produktor-postgres")!);
    assert.equal(postgres.POSTGRES_USER, "synapse_user");
    const entrypoint = (unwrap(containers.get("matrix-produktor-synapse")!.entrypoints) as string[]).join(
      " ",
    );
    assert.match(entrypoint, /mkdir -p \/data && chown 991:991 \/data && exec \/start.py/);
  });

  it("looks for every adopted store on the Docker host before any service resource, each with its message", async () => {
    const run = await runStack(adoptedOrg([]), { adoptedSecretValues: PROSODY_PASSWORDS });
    const checks = run.resources.filter((r) => r.name.endsWith("-adopted-stores"));
    assert.deepEqual(
      checks.map((c) => c.name),
      ["produktor-adopted-stores"],
    );
    const inputs = checks[0]!.inputs as {
      dockerHost: string;
      stores: Array<{ kind: string; source: string; missing: string }>;
    };
    assert.equal(inputs.dockerHost, "ssh://deploy@192.0.2.10");
    assert.deepEqual(
      inputs.stores.map((s) => `${s.kind} ${s.source}`),
      [
        "volume chat_postgres-data",
        "directory /srv/chat/synapse",
        "volume chat_prosody",
        "directory /srv/chat/jitsi/transcripts",
      ],
    );
    assert.equal(
      inputs.stores[0]!.missing,
      "[stack produktor] matrix-fleet:adopt.volumes.postgresData: Docker volume 'chat_postgres-data' does not exist on ssh://deploy@192.0.2.10; the stack would read PostgreSQL data (/var/lib/postgresql/data) from it and never creates it\n" +
        "    fix: set adopt.volumes.postgresData to the name `docker volume ls` shows on that host (compose prefixes its project name, e.g. chat_pgdata; npm run adopt prints it), or restore the volume from the backup",
    );
    assert.match(
      inputs.stores[1]!.missing,
      /^\[stack produktor\] matrix-fleet:adopt\.volumes\.synapseData: directory \/srv\/chat\/synapse does not exist on ssh:\/\/deploy@192\.0\.2\.10; Docker would refuse to bind-mount it \(it never creates an adopted directory empty\)/,
    );
    assert.match(inputs.stores[1]!.missing, /\n {4}fix: set adopt\.volumes\.synapseData to the directory/);
    // Every service resource waits for it, directly or through what it depends on (explicitly or by its parent).
    const byName = new Map(run.resources.map((r) => [r.name, r]));
    // A stateful container's dependsOn is a promise (it waits for the backup before an upgrade, made after it): the
    // SDK hands it on as an Output.
    const resolved = (value: unknown): Promise<unknown> =>
      pulumi.Output.isInstance(value)
        ? new Promise((resolve) => (value as pulumi.Output<unknown>).apply((v) => resolve(v)))
        : Promise.resolve(value);
    const waits = async (name: string, seen = new Set<string>()): Promise<boolean> => {
      if (name === "produktor-adopted-stores") return true;
      if (seen.has(name)) return false;
      seen.add(name);
      const options = byName.get(name)?.options ?? {};
      const raw = await resolved(options.dependsOn);
      const deps = (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) as pulumi.Resource[];
      for (const d of deps) if (await waits((d as unknown as { __name: string }).__name, seen)) return true;
      return false;
    };
    const services = run.resources.filter(
      (r) =>
        r.type === "docker:index/container:Container" ||
        r.type === "docker:index/volume:Volume" ||
        r.type === "docker:index/remoteImage:RemoteImage",
    );
    assert.ok(services.length > 10);
    for (const r of services)
      assert.ok(await waits(r.name), `${r.name} does not wait for the adopted stores' check`);
  });

  it("a stack that adopts nothing looks for nothing", async () => {
    const run = await runStack(orgFor("produktor"));
    assert.deepEqual(
      run.resources.filter((r) => r.name.endsWith("-adopted-stores")).map((r) => r.name),
      [],
    );
  });

  it("a first preview (outputs unknown) reads the same volumes and still creates none", async () => {
    const run = await runStack(adoptedOrg([]), { preview: true, adoptedSecretValues: PROSODY_PASSWORDS });
    const volumes = stateVolumes(run.resources);
    assert.deepEqual(volumes.map((v) => v.readId).sort(), ["chat_postgres-data", "chat_prosody"]);
  });

  it("existing secret values reach every consumer unchanged, stay secret, and get no RandomPassword", async () => {
    // Which container consumes a secret does not depend on adoption: the plain stack shows where each goes.
    const baselineOrg = orgFor("produktor");
    const names = neededSecrets(baselineOrg);
    // Where each generated secret lands without adoption: the consumers the adopted value must reach.
    const baseline = containersOf(await runStack(baselineOrg));
    const baselineValues = (await runStack(baselineOrg)).stack.secrets.values;
    const generated = await new Promise<Record<string, string>>((resolve) =>
      baselineValues.apply((v) => resolve({ ...v })),
    );
    const consumersOf = (containers: Map<string, Record<string, unknown>>, value: string) =>
      [...containers.entries()]
        .filter(([, inputs]) => JSON.stringify(unwrap(inputs)).includes(JSON.stringify(value).slice(1, -1)))
        .map(([name]) => name)
        .sort();

    const existing = existingValues(names);
    const run = await runStack(adoptedOrg(names), { adoptedSecretValues: existing });
    assert.deepEqual(resourcesOfType(run.resources, "random:index/randomPassword:RandomPassword"), []);
    const containers = containersOf(run);
    for (const name of names) {
      const expected = consumersOf(baseline, generated[name]!);
      assert.ok(expected.length > 0, `${name} has consumers`);
      assert.deepEqual(
        consumersOf(containers, existing[name]!),
        expected,
        `${name} reaches the same consumers`,
      );
      assert.deepEqual(consumersOf(containers, generated[name]!), [], `${name}: no generated value left`);
      for (const consumer of expected) {
        const inputs = containers.get(consumer)!;
        const carrying = Object.entries(inputs).filter(([, value]) =>
          JSON.stringify(unwrap(value)).includes(JSON.stringify(existing[name]).slice(1, -1)),
        );
        for (const [input, value] of carrying) {
          assert.ok(isSecretValue(value), `${consumer}.${input} carries ${name} and must be secret`);
        }
      }
    }
    // Read the way the servers read them.
    const homeserver = parseYaml(
      uploadAt(containers.get("matrix-produktor-synapse")!, "/config/homeserver.yaml"),
    );
    const coturn = parseTurnserverConf(
      uploadAt(containers.get("matrix-produktor-coturn")!, "/etc/coturn/turnserver.conf"),
    );
    assert.equal(homeserver.turn_shared_secret, existing.turn_shared_secret);
    assert.equal(homeserver.macaroon_secret_key, existing.macaroon_secret_key);
    assert.deepEqual(coturn.get("static-auth-secret"), [existing.turn_shared_secret]);
    assert.equal(
      envOf(containers.get("matrix-produktor-postgres")!).POSTGRES_PASSWORD,
      existing.postgres_password,
    );
  });

  it("adopting some secrets still generates the others, and a rotation bump leaves adopted ones alone", async () => {
    const org = orgFor("produktor", {
      ...ADOPTION,
      adoptedSecrets: {
        ...ADOPTION.adoptedSecrets,
        turn_shared_secret: encrypted,
        registration_shared_secret: encrypted,
      },
      // The synapse group is adopted in part: the bump rotates macaroon_secret_key and form_secret only.
      secretRotation: { synapse: "2" },
    });
    const run = await runStack(org, {
      adoptedSecretValues: {
        ...PROSODY_PASSWORDS,
        turn_shared_secret: "existing-turn",
        registration_shared_secret: "existing-registration",
      },
    });
    const passwords = resourcesOfType(run.resources, "random:index/randomPassword:RandomPassword").map(
      (r) => r.name,
    );
    assert.ok(!passwords.includes("turn-shared-secret"), passwords.join(", "));
    assert.ok(passwords.includes("macaroon-secret-key"), passwords.join(", "));
    const homeserver = parseYaml(
      uploadAt(containersOf(run).get("matrix-produktor-synapse")!, "/config/homeserver.yaml"),
    );
    assert.equal(homeserver.turn_shared_secret, "existing-turn");
    assert.equal(homeserver.registration_shared_secret, "existing-registration");
    assert.match(String(homeserver.macaroon_secret_key), /^mock/);
    const keepers = run.resources.find((r) => r.name === "macaroon-secret-key")?.inputs.keepers;
    assert.deepEqual(keepers, { rotation: "2" }, "the generated secrets of the group follow the bump");
  });

  it("a bump of a group whose every secret is adopted is refused: it would rotate nothing", () => {
    const problems = parseProblems("produktor", {
      ...ADOPTION,
      adoptedSecrets: { ...ADOPTION.adoptedSecrets, turn_shared_secret: encrypted },
      secretRotation: { turn: "2" },
    });
    const found = problems.find((p) => p.key === "matrix-fleet:secretRotation.turn");
    assert.ok(found, describeProblems(problems));
    assert.match(found.message, /turn_shared_secret is adopted .* the bump rotates nothing/);
    assert.match(found.fix, /remove adoptedSecrets\.turn_shared_secret .* generates new values/);
  });

  it("later changes (every rotation group bumped, Element rebranded) leave every adopted store as it was", async () => {
    const stores = (run: Awaited<ReturnType<typeof runStack>>) => {
      const containers = containersOf(run);
      return {
        reads: stateVolumes(run.resources).map((v) => [v.name, v.readId]),
        mounts: ["postgres", "synapse", "jitsi-prosody", "jitsi-web"].map((service) =>
          unwrap(containers.get(`matrix-produktor-${service}`)!.mounts),
        ),
      };
    };
    const before = stores(await runStack(adoptedOrg([]), { adoptedSecretValues: PROSODY_PASSWORDS }));
    const changed = orgFor("produktor", {
      ...ADOPTION,
      // Not jitsi: its two secrets are both adopted here, and a bump that rotates nothing is refused.
      secretRotation: { turn: "2", livekit: "2", synapse: "2" },
      element: { brand: "Produktor Chat" },
    });
    const after = stores(await runStack(changed, { adoptedSecretValues: PROSODY_PASSWORDS }));
    assert.deepEqual(after, before);
    assert.ok(
      before.reads.every(([, id]) => id !== undefined),
      "no volume is ever created",
    );
  });
});

describe("the rendered summary says where state lives and which secrets are adopted", () => {
  it("names adopted stores and secrets, and the volumes the stack creates otherwise", () => {
    const summary = renderSummary(buildStackPlan(adoptedOrg(["turn_shared_secret"]), placeholderSecrets()));
    assert.match(
      summary,
      /\| postgresData \| .* \| adopted volume `chat_postgres-data` \(read, never owned\) \|/,
    );
    assert.match(
      summary,
      /\| synapseData \| .* \| adopted directory `\/srv\/chat\/synapse` \(bind mount\) \|/,
    );
    assert.doesNotMatch(summary, /synapseMedia/, "media lives inside the adopted data directory");
    assert.match(summary, /Signing key `\/data\/produktor.io.signing.key`, media `\/data\/media_store`/);
    assert.match(summary, /\| `turn_shared_secret` \| adopted \|/);
    assert.match(summary, /\| `form_secret` \| generated \|/);
    const plain = renderSummary(buildStackPlan(orgFor("moda1"), placeholderSecrets()));
    assert.match(
      plain,
      /\| synapseMedia \| .* \| volume `matrix-moda1-synapse-media` \(created, protected\) \|/,
    );
  });
});
