import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { interpolate, parseComposeProject, parseDotEnv } from "../../adopt/compose-project";
import { PROJECT_DIR } from "../../config/stack-files";
import { orgFor, runTool } from "../helpers";
import { containersOf, envOf, runStack, uploadAt } from "../pulumi-harness";
import { parseTurnserverConf, parseYaml } from "../parse-formats";

const FIXTURE = "test/fixtures/compose-produktor";
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "adopt-cli-"));
after(() => fs.rmSync(workDir, { recursive: true, force: true }));

function adopt(...args: string[]) {
  return runTool("adopt", args);
}

/** A copy of the fixture with one file edited, for a variant of the deployment. */
function fixtureVariant(name: string, file: string, edit: (text: string) => string): string {
  const copy = path.join(workDir, name);
  fs.cpSync(path.join(PROJECT_DIR, FIXTURE), copy, { recursive: true });
  const target = path.join(copy, file);
  fs.writeFileSync(target, edit(fs.readFileSync(target, "utf8")));
  return copy;
}

/** The fixture's secret values, read from its files here, independently of the adopt code. */
function fixtureSecrets(dir = path.join(PROJECT_DIR, FIXTURE)): Record<string, string> {
  const homeserver = parseYaml(fs.readFileSync(path.join(dir, "synapse/homeserver.yaml"), "utf8"));
  const livekit = parseYaml(fs.readFileSync(path.join(dir, "livekit/livekit.yaml"), "utf8"));
  const [[key, secret]] = Object.entries(livekit.keys as Record<string, string>) as [[string, string]];
  const env = parseDotEnv(fs.readFileSync(path.join(dir, ".env"), "utf8"));
  return {
    registration_shared_secret: homeserver.registration_shared_secret as string,
    macaroon_secret_key: homeserver.macaroon_secret_key as string,
    form_secret: homeserver.form_secret as string,
    turn_shared_secret: homeserver.turn_shared_secret as string,
    postgres_password: (homeserver.database as { args: { password: string } }).args.password,
    livekit_api_key: key,
    livekit_api_secret: secret,
    jicofo_auth_password: env.JICOFO_AUTH_PASSWORD!,
    jvb_auth_password: env.JVB_AUTH_PASSWORD!,
  };
}

interface JsonReport {
  stackConfig: Record<string, unknown>;
  configCommands: string[];
  secretCommands: string[];
  secrets: Array<{ name: string; source: string; value?: string }>;
  differences: Array<{
    file: string;
    path: string;
    kind: string;
    theirs?: string;
    ours?: string;
    hint?: string;
    reason?: string;
  }>;
  blockers: string[];
  notes: string[];
}

describe("compose files, read as docker compose reads them (compose-spec)", () => {
  it("interpolates ${VAR}, ${VAR:-default}, ${VAR-default}, $VAR and $$", () => {
    const env = { SET: "value", EMPTY: "" };
    assert.equal(interpolate("${SET}/$SET", env), "value/value");
    // ':-' replaces unset and empty; '-' replaces only unset (compose-spec "Interpolation").
    assert.equal(interpolate("${EMPTY:-d}|${EMPTY-d}|${UNSET-d}", env), "d||d");
    assert.equal(interpolate("$$SET", env), "$SET");
    assert.throws(() => interpolate("${UNSET:?must be set}", env), /UNSET is required/);
  });

  it("names volumes <project>_<key>, takes the project name from .env, and resolves bare environment names", () => {
    const project = parseComposeProject(
      [
        "services:",
        "  db:",
        "    image: postgres:15-alpine",
        "    environment: [POSTGRES_PASSWORD, PGTZ=UTC]",
        "    volumes: [pg:/var/lib/postgresql/data, ext:/backup, ./conf:/etc/conf:ro, /srv/x:/x]",
        "volumes:",
        "  pg: {}",
        "  ext: {external: true, name: legacy_backup}",
      ].join("\n"),
      { COMPOSE_PROJECT_NAME: "Chat.Stack", POSTGRES_PASSWORD: "pw" },
      "ignored",
    );
    assert.equal(project.name, "chatstack");
    const db = project.services[0]!;
    assert.deepEqual(db.environment, { POSTGRES_PASSWORD: "pw", PGTZ: "UTC" });
    assert.deepEqual(db.mounts, [
      { kind: "volume", volume: "chatstack_pg", target: "/var/lib/postgresql/data" },
      { kind: "volume", volume: "legacy_backup", target: "/backup" },
      { kind: "bind", source: "./conf", target: "/etc/conf" },
      { kind: "bind", source: "/srv/x", target: "/x" },
    ]);
  });
});

describe("npm run adopt on a compose deployment modelled on produktor's", () => {
  const args = ["--stack", "produktor", "--compose", FIXTURE, "--host-dir", "/srv/chat"];
  const text = adopt(...args);
  const json = adopt(...args, "--json");
  const report = JSON.parse(json.stdout || "{}") as JsonReport;
  const secrets = fixtureSecrets();

  it("exits 0: nothing blocks the cut-over", () => {
    assert.equal(text.status, 0, text.stderr + text.stdout);
    assert.deepEqual(report.blockers, []);
  });

  it("(a) adopts the database volume, the data directory with key and media, the transcripts, the role, and postgres 15", () => {
    assert.deepEqual(report.stackConfig, {
      adopt: {
        volumes: {
          // compose-spec: a volume without `name:` is <project>_<key>; the project is COMPOSE_PROJECT_NAME.
          postgresData: "chat_postgres-data",
          synapseData: "/srv/chat/synapse",
          jitsiTranscripts: "/srv/chat/jitsi-cfg/transcripts",
        },
        synapse: {
          signingKeyPath: "/data/produktor.io.signing.key",
          mediaStorePath: "/data/media_store",
        },
        database: { user: "synapse_user" },
      },
      // PostgreSQL 15 data needs a PostgreSQL 15 server; matrix-fleet's default is 16.
      images: { postgres: "postgres:15-alpine" },
      // The compose era's NPM hosts are taken over in place only when listed (issue #28).
      proxy: {
        adoptHosts: [
          "chat.produktor.io",
          "produktor.io",
          "element.produktor.io",
          "matrix-rtc.produktor.io",
          "meet.produktor.io",
          "admin.produktor.io",
        ],
      },
    });
    assert.match(text.stdout, /^\s+matrix-fleet:adopt:$/m);
    assert.match(
      text.stdout,
      /pulumi config set --stack produktor --path 'proxy\.adoptHosts\[0\]' chat\.produktor\.io/,
    );
    assert.ok(
      report.notes.some((n) =>
        /proxy\.adoptHosts lists every proxy host of the stack .*the preview shows adopt: true/.test(n),
      ),
    );
  });

  it("(b) prints one config command per setting and one piped secret command per secret", () => {
    assert.ok(
      report.configCommands.includes(
        "pulumi config set --stack produktor --path adopt.volumes.postgresData chat_postgres-data",
      ),
      report.configCommands.join("\n"),
    );
    assert.equal(report.secretCommands.length, 9, report.secretCommands.join("\n"));
    assert.ok(
      report.secretCommands.includes(
        "npm run --silent adopt -- --stack produktor --compose test/fixtures/compose-produktor --host-dir /srv/chat " +
          "--print-secret turn_shared_secret | pulumi config set --stack produktor --secret --path adoptedSecrets.turn_shared_secret",
      ),
      report.secretCommands.join("\n"),
    );
    for (const command of report.secretCommands) assert.ok(text.stdout.includes(command), command);
  });

  it("never shows a secret value unless asked", () => {
    for (const [name, value] of Object.entries(secrets)) {
      assert.ok(!text.stdout.includes(value), `${name} appears in the text report`);
      assert.ok(!json.stdout.includes(value), `${name} appears in the JSON report`);
    }
    const shown = adopt(...args, "--show-secrets");
    for (const [name, value] of Object.entries(secrets)) {
      assert.ok(shown.stdout.includes(value), `${name} is shown with --show-secrets`);
    }
  });

  it("--print-secret writes exactly the value, for the pipe into pulumi config set", () => {
    for (const name of ["turn_shared_secret", "macaroon_secret_key", "livekit_api_secret"]) {
      const printed = adopt(...args, "--print-secret", name);
      assert.equal(printed.status, 0, printed.stderr);
      assert.equal(printed.stdout, secrets[name]);
    }
  });

  it("(c) lists what would change, with how to keep it or why it is intended; secrets never appear as differences", () => {
    const find = (file: string, p: string) => report.differences.find((d) => d.file === file && d.path === p);
    assert.deepEqual(find("homeserver.yaml", "auto_join_rooms"), {
      file: "homeserver.yaml",
      path: "auto_join_rooms",
      kind: "dropped",
      theirs: '["#lobby:produktor.io"]',
      hint: "overrides.synapse.auto_join_rooms",
    });
    assert.deepEqual(find("homeserver.yaml", "max_upload_size"), {
      file: "homeserver.yaml",
      path: "max_upload_size",
      kind: "changed",
      theirs: "100M",
      ours: "50M",
      hint: "synapse.maxUploadSize",
    });
    const url = find("lk-jwt-service environment", "LIVEKIT_URL");
    assert.equal(url?.theirs, "ws://livekit:7880");
    assert.equal(url?.ours, "wss://matrix-rtc.produktor.io/livekit/sfu");
    assert.match(url?.reason ?? "", /known failure/);
    assert.match(find("livekit.yaml", "rtc.use_external_ip")?.reason ?? "", /known failure/);
    assert.equal(find("images", "images.synapse")?.theirs, "matrixdotorg/synapse:v1.140.0");
    // The adopted secrets are the same on both sides, so no secret path is a difference; what is new is the
    // monitoring's metrics password, which compose never had (generated at the first up).
    for (const d of report.differences.filter(
      (d) => !(d.kind === "added" && d.path === "prometheus.password"),
    )) {
      assert.ok(
        !/secret|password|^keys\./.test(d.path),
        `secret setting listed as a difference: ${d.file} ${d.path}`,
      );
    }
    assert.match(
      text.stdout,
      /dropped\s+auto_join_rooms = \["#lobby:produktor.io"\]\n\s+keep theirs with: overrides.synapse.auto_join_rooms/,
    );
  });

  it("notes what it cannot adopt", () => {
    assert.ok(
      report.notes.some((n) => /prosody keeps no state/.test(n)),
      report.notes.join("\n"),
    );
  });

  it("the printed config and secrets, applied, deploy the running state: volumes read, values unchanged", async () => {
    const shown = JSON.parse(adopt(...args, "--json", "--show-secrets").stdout) as JsonReport;
    const values = Object.fromEntries(shown.secrets.map((s) => [s.name, s.value!]));
    const org = orgFor("produktor", {
      ...shown.stackConfig,
      adoptedSecrets: Object.fromEntries(shown.secrets.map((s) => [s.name, { secure: "v1:test" }])),
    });
    const run = await runStack(org, { adoptedSecretValues: values });
    const volumes = run.resources.filter((r) => r.type === "docker:index/volume:Volume");
    assert.deepEqual(
      volumes.filter((v) => v.readId !== undefined).map((v) => v.readId),
      ["chat_postgres-data"],
    );
    // The only state volume created is prosody's: the running prosody kept no state on a mount (see the notes).
    // The backup's work volume and repository are new (a compose deployment has no matrix-fleet repository), and so
    // are the monitoring's own (metrics, silences).
    assert.deepEqual(
      volumes.filter((v) => v.readId === undefined).map((v) => v.name),
      [
        "produktor-jitsi-prosody-data",
        "produktor-backup-work",
        "produktor-backup-repository",
        "produktor-monitoring-prometheus-data",
        "produktor-monitoring-alertmanager-data",
        "produktor-monitoring-textfile-metrics",
      ],
    );
    const containers = containersOf(run);
    const homeserver = parseYaml(
      uploadAt(containers.get("matrix-produktor-synapse")!, "/config/homeserver.yaml"),
    );
    assert.equal(homeserver.macaroon_secret_key, secrets.macaroon_secret_key);
    assert.equal(homeserver.signing_key_path, "/data/produktor.io.signing.key");
    const coturn = parseTurnserverConf(
      uploadAt(containers.get("matrix-produktor-coturn")!, "/etc/coturn/turnserver.conf"),
    );
    assert.deepEqual(coturn.get("static-auth-secret"), [secrets.turn_shared_secret]);
    assert.equal(envOf(containers.get("matrix-produktor-lk-jwt")!).LIVEKIT_KEY, secrets.livekit_api_key);
  });
});

describe("npm run adopt on a layout with Synapse's data in a named volume", () => {
  const copy = fixtureVariant("named-volume", "docker-compose.yml", (text) =>
    text
      .replace("      - ./synapse:/data", "      - synapse-data:/data")
      .replace("volumes:\n  postgres-data: {}", "volumes:\n  postgres-data: {}\n  synapse-data: {}"),
  );

  it("asks for a copy of homeserver.yaml out of the volume, and blocks until it has one", () => {
    const result = adopt("--stack", "produktor", "--compose", copy, "--json");
    assert.equal(result.status, 1);
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.ok(
      report.notes.some((n) => n.includes("docker compose cp synapse:/data/homeserver.yaml homeserver.yaml")),
      report.notes.join("\n"),
    );
    assert.ok(
      report.blockers.some((b) => /homeserver.yaml was not found in compose service synapse/.test(b)),
      report.blockers.join("\n"),
    );
  });

  it("with the copy next to the compose file, adopts the volume by its compose name", () => {
    fs.copyFileSync(path.join(copy, "synapse/homeserver.yaml"), path.join(copy, "homeserver.yaml"));
    const result = adopt("--stack", "produktor", "--compose", copy, "--json");
    assert.equal(result.status, 0, result.stdout);
    const adoptSection = (JSON.parse(result.stdout) as JsonReport).stackConfig.adopt as Record<
      string,
      Record<string, string>
    >;
    assert.equal(adoptSection.volumes!.synapseData, "chat_synapse-data");
    assert.equal(adoptSection.synapse!.signingKeyPath, "/data/produktor.io.signing.key");
    assert.equal(adoptSection.synapse!.mediaStorePath, "/data/media_store");
  });
});

describe("npm run adopt names what it cannot find (issue #28)", () => {
  it("an unset compose variable is named with where compose writes an empty string, not reported as a missing value", () => {
    const project = parseComposeProject(
      "services:\n  db:\n    image: postgres:${PG_TAG}\n    environment:\n      POSTGRES_PASSWORD: ${PG_PASS:-}\n      X: ${SET}\n",
      { SET: "value" },
      "chat",
    );
    // ${PG_PASS:-} has a default (empty), so compose does not warn about it; ${PG_TAG} has none.
    assert.deepEqual(project.unsetVariables, [{ name: "PG_TAG", where: "services.db.image" }]);
  });

  it("a Synapse service whose image variable is unset: the blocker names the services, the variable and where it is used", () => {
    const copy = fixtureVariant("unset-image", "docker-compose.yml", (text) =>
      text
        .replace(
          "  synapse:\n    image: matrixdotorg/synapse:v1.140.0",
          "  homeserver:\n    image: ${SYNAPSE_IMAGE}",
        )
        .replace("POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}", "POSTGRES_PASSWORD: ${PG_PASS}"),
    );
    const result = adopt("--stack", "produktor", "--compose", copy, "--json");
    assert.equal(result.status, 1);
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.ok(
      report.blockers.some(
        (b) =>
          /no compose service runs a Synapse image/.test(b) &&
          b.includes("homeserver (no image)") &&
          b.includes("services.homeserver.image uses SYNAPSE_IMAGE, which is not set"),
      ),
      report.blockers.join("\n"),
    );
    for (const [name, where] of <Array<[string, string]>>[
      ["SYNAPSE_IMAGE", "services.homeserver.image"],
      ["PG_PASS", "services.db.environment.POSTGRES_PASSWORD"],
    ])
      assert.ok(
        report.notes.some((n) => n.includes(`compose variable ${name} is not set`) && n.includes(where)),
        report.notes.join("\n"),
      );
  });
});

describe("npm run adopt refuses what would lose identity or hide a live fault", () => {
  it("a server_name that differs from the stack's blocks the cut-over (exit 1)", () => {
    const result = adopt("--stack", "pro-dukt", "--compose", FIXTURE, "--host-dir", "/srv/chat");
    assert.equal(result.status, 1);
    assert.match(
      result.stdout,
      /BLOCKERS[\s\S]*server_name is produktor.io in the running Synapse but serverName is pro-dukt.de/,
    );
  });

  it("copies of one secret that disagree are reported without their values", () => {
    const copy = fixtureVariant("mismatch", "coturn/turnserver.conf", (text) =>
      text.replace(/static-auth-secret=.*/, "static-auth-secret=stale-turn-secret"),
    );
    const result = adopt("--stack", "produktor", "--compose", copy, "--json");
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.ok(
      report.notes.some((n) =>
        /turn_shared_secret: turnserver.conf static-auth-secret differs from homeserver.yaml/.test(n),
      ),
      report.notes.join("\n"),
    );
    assert.ok(!result.stdout.includes("stale-turn-secret"));
    assert.equal(
      report.secrets.find((s) => s.name === "turn_shared_secret")?.source,
      "homeserver.yaml turn_shared_secret",
    );
  });

  it("an unset macaroon_secret_key is adopted as what Synapse used instead: registration_shared_secret", () => {
    const copy = fixtureVariant("no-macaroon", "synapse/homeserver.yaml", (text) =>
      text.replace(/^macaroon_secret_key: .*\n/m, ""),
    );
    const report = JSON.parse(
      adopt("--stack", "produktor", "--compose", copy, "--json").stdout,
    ) as JsonReport;
    assert.match(report.secrets.find((s) => s.name === "macaroon_secret_key")?.source ?? "", /fallback/);
    const printed = adopt("--stack", "produktor", "--compose", copy, "--print-secret", "macaroon_secret_key");
    assert.equal(printed.stdout, fixtureSecrets().registration_shared_secret);
  });

  it("a signing key that is not on a mount blocks the cut-over", () => {
    const copy = fixtureVariant("keyless", "synapse/homeserver.yaml", (text) =>
      text.replace('signing_key_path: "/data/', 'signing_key_path: "/keys/'),
    );
    const result = adopt("--stack", "produktor", "--compose", copy);
    assert.equal(result.status, 1);
    assert.match(
      result.stdout,
      /signing key \(\/keys\/produktor.io.signing.key\) is not on a volume or bind mount/,
    );
  });
});
