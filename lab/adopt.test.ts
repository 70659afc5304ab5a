/**
 * Adoption against the real Synapse: medex as it runs today under Docker Compose (config and signing key that
 * Synapse generated itself, a data directory bind-mounted at /data, a database role of its own), taken over with
 * `npm run adopt`, rendered by matrix-fleet and restarted from that. The server key, the users' sessions and the
 * registration secret must survive; a renderer that forgot the adopted layout or secrets fails here.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as yaml from "js-yaml";
import { SECRET_NAMES } from "../facts/secrets";
import { PROJECT_DIR } from "../config/stack-files";
import { createSynapseDatabase, env, startPostgresCluster, startSynapseProcess } from "./environment";
import { applyFault } from "./faults";
import { MatrixError, Session, call, login, registerWithSharedSecret } from "./matrix-client";
import { LAB_ADDRESSES, labPaths, overlaySynapse } from "./overlay";
import { LAB_DIR } from "./prepare";
import { ProcessGroup, run } from "./processes";

const STACK = "medex";
const SERVER_NAME = "medex-pflegedienst.de";
const ADDRESS = LAB_ADDRESSES[STACK]!;
const DIR = path.join(LAB_DIR, "adopt");
const COMPOSE = path.join(DIR, "compose");
const SYNAPSE_DATA = path.join(COMPOSE, "synapse");
const BASE_URL = `http://${ADDRESS}:8008`;
/** Not matrix-fleet's default role: adoption must carry it over. */
const DB_USER = "synapse_medex";

const processes = new ProcessGroup(path.join(LAB_DIR, "logs"), path.join(LAB_DIR, "pids"));
let synapseRuns = 0;

type Doc = Record<string, unknown>;

interface ServerKeys {
  readonly verify_keys: Record<string, { key: string }>;
}

/** What the compose-era server showed before the cut-over. */
const before_ = {
  keys: undefined as ServerKeys | undefined,
  session: undefined as Session | undefined,
  keyFileSha: "",
  registrationSecret: "",
};

/** `value` merged into `existing` key by key (objects); anything else replaces it. */
function mergedSetting(existing: unknown, value: unknown): unknown {
  const isObject = (v: unknown): v is Doc => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(existing) || !isObject(value)) return value;
  const merged: Doc = { ...existing };
  for (const [key, inner] of Object.entries(value)) merged[key] = mergedSetting(existing[key], inner);
  return merged;
}

function sha256(file: string): string {
  return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function adopt(...args: string[]) {
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(PROJECT_DIR, "cli/adopt.ts"), ...args],
    { cwd: PROJECT_DIR, encoding: "utf8", timeout: 60_000 },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Synapse started on a homeserver.yaml through the lab overlay, with the given container mounts. */
async function startSynapse(configText: string, mounts: Record<string, string>): Promise<string> {
  const name = `medex-synapse-${++synapseRuns}`;
  const paths = {
    ...labPaths(LAB_DIR, STACK, []),
    dir: path.join(DIR, name),
    synapseMounts: mounts,
  };
  fs.mkdirSync(paths.dir, { recursive: true });
  const configFile = path.join(paths.dir, "homeserver.yaml");
  const overlaid = overlaySynapse(configText, paths);
  // As the Synapse component's bootstrap does: the signing key's directory exists, Synapse fills a missing key.
  fs.mkdirSync(path.dirname(String((yaml.load(overlaid) as Doc).signing_key_path)), { recursive: true });
  fs.writeFileSync(configFile, overlaid);
  await startSynapseProcess(processes, name, configFile, ADDRESS);
  return name;
}

/** The compose deployment: what `docker compose up` would have left on the host after two years. */
function writeComposeDeployment(postgresPassword: string): void {
  fs.mkdirSync(SYNAPSE_DATA, { recursive: true });
  fs.writeFileSync(
    path.join(COMPOSE, "docker-compose.yml"),
    yaml.dump({
      services: {
        db: {
          image: "postgres:15-alpine",
          environment: {
            POSTGRES_USER: DB_USER,
            POSTGRES_PASSWORD: "${POSTGRES_PASSWORD}",
            POSTGRES_DB: "synapse",
          },
          volumes: ["pgdata:/var/lib/postgresql/data"],
        },
        synapse: {
          image: "matrixdotorg/synapse:v1.157.1",
          environment: { SYNAPSE_CONFIG_PATH: "/data/homeserver.yaml" },
          volumes: ["./synapse:/data"],
        },
      },
      volumes: { pgdata: {} },
    }),
  );
  fs.writeFileSync(
    path.join(COMPOSE, ".env"),
    `COMPOSE_PROJECT_NAME=medex\nPOSTGRES_PASSWORD=${postgresPassword}\n`,
  );
  // Synapse generates config, log config and signing key itself, as the image's `generate` does under /data.
  run(env("SYNAPSE_PYTHON"), [
    "-m",
    "synapse.app.homeserver",
    "--server-name",
    SERVER_NAME,
    "--config-path",
    path.join(SYNAPSE_DATA, "homeserver.yaml"),
    "--data-directory",
    SYNAPSE_DATA,
    "--generate-config",
    "--report-stats=no",
  ]);
  const file = path.join(SYNAPSE_DATA, "homeserver.yaml");
  // Container paths, as the image wrote them; then the operator's switch to the db service.
  const generated = yaml.load(fs.readFileSync(file, "utf8").split(SYNAPSE_DATA).join("/data")) as Doc;
  generated.database = {
    name: "psycopg2",
    args: { user: DB_USER, password: postgresPassword, dbname: "synapse", host: "db", cp_min: 1, cp_max: 5 },
  };
  generated.federation_domain_whitelist = ["produktor.io", "pro-dukt.de"];
  fs.writeFileSync(file, yaml.dump(generated, { lineWidth: -1 }));
}

describe("adopting medex from its compose layout", () => {
  before(
    async () => {
      fs.rmSync(DIR, { recursive: true, force: true });
      const postgresPassword = randomBytes(16).toString("hex");
      writeComposeDeployment(postgresPassword);
      const pgData = path.join(DIR, "pg");
      await startPostgresCluster(processes, "medex-postgres", pgData, ADDRESS);
      createSynapseDatabase(pgData, DB_USER, postgresPassword, "synapse");

      const composeConfig = fs.readFileSync(path.join(SYNAPSE_DATA, "homeserver.yaml"), "utf8");
      const name = await startSynapse(composeConfig, { "/data": SYNAPSE_DATA });
      before_.registrationSecret = String((yaml.load(composeConfig) as Doc).registration_shared_secret);
      const password = randomBytes(12).toString("hex");
      await registerWithSharedSecret(BASE_URL, before_.registrationSecret, "nurse-anna", password, false);
      before_.session = await login(BASE_URL, "nurse-anna", password);
      before_.keys = (await call(BASE_URL, "GET", "/_matrix/key/v2/server")) as unknown as ServerKeys;
      before_.keyFileSha = sha256(path.join(SYNAPSE_DATA, `${SERVER_NAME}.signing.key`));
      await processes.stopOne(name);
    },
    { timeout: 300_000 },
  );
  after(async () => processes.stopAll());

  type Report = {
    stackConfig: Doc;
    secretCommands: string[];
    blockers: string[];
    secrets: Array<{ name: string }>;
  };
  let cached: Report | undefined;
  /** `npm run adopt --json` on the compose directory, once (each scenario may run alone under a name filter). */
  function adoptReport(): Report {
    if (cached !== undefined) return cached;
    const result = adopt("--stack", STACK, "--compose", COMPOSE, "--json");
    assert.equal(result.status, 0, result.stderr + result.stdout);
    cached = JSON.parse(result.stdout) as Report;
    return cached;
  }

  it("adopt finds the data directory, the key inside it, the database role, and no blocker", () => {
    const report = adoptReport();
    assert.deepEqual(report.blockers, []);
    assert.deepEqual((report.stackConfig.adopt as Doc).volumes, {
      postgresData: "medex_pgdata",
      synapseData: SYNAPSE_DATA,
    });
    assert.deepEqual((report.stackConfig.adopt as Doc).synapse, {
      signingKeyPath: `/data/${SERVER_NAME}.signing.key`,
      mediaStorePath: "/data/media_store",
    });
    assert.deepEqual((report.stackConfig.adopt as Doc).database, { user: DB_USER });
    assert.deepEqual(report.secrets.map((s) => s.name).sort(), [
      "form_secret",
      "macaroon_secret_key",
      "postgres_password",
      "registration_shared_secret",
    ]);
  });

  it("medex restarted from the rendered, adopted config keeps its server key, its users' sessions and its registration secret", async () => {
    const report = adoptReport();
    // The operator's steps: merge (a) into the stack file, pipe each secret into the (encrypted) stack config.
    const project = path.join(DIR, "project");
    fs.mkdirSync(project, { recursive: true });
    for (const file of fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi\..*yaml$/.test(f)))
      fs.copyFileSync(path.join(PROJECT_DIR, file), path.join(project, file));
    const stackFile = path.join(project, `Pulumi.${STACK}.yaml`);
    const stackDoc = yaml.load(fs.readFileSync(stackFile, "utf8")) as { config: Doc };
    // Merged key by key, as `pulumi config set --path` (the report's commands) merges: proxy.adoptHosts joins the
    // stack's proxy section instead of replacing it.
    for (const [key, value] of Object.entries(report.stackConfig))
      stackDoc.config[`matrix-fleet:${key}`] = mergedSetting(stackDoc.config[`matrix-fleet:${key}`], value);
    // Stands in for `pulumi config set --secret`: the stack file gets encrypted markers, the values go to render.
    const secretValues: Record<string, string> = Object.fromEntries(
      SECRET_NAMES.map((n) => [n, randomBytes(24).toString("hex")]),
    );
    const adopted: Doc = {};
    for (const command of report.secretCommands) {
      const name = /--print-secret (\S+)/.exec(command)![1]!;
      const printed = adopt("--stack", STACK, "--compose", COMPOSE, "--print-secret", name);
      assert.equal(printed.status, 0, printed.stderr);
      secretValues[name] = printed.stdout;
      adopted[name] = { secure: "v1:lab" };
    }
    stackDoc.config["matrix-fleet:adoptedSecrets"] = adopted;
    fs.writeFileSync(stackFile, yaml.dump(stackDoc, { lineWidth: -1 }));
    const secretsFile = path.join(DIR, "secrets.yaml");
    fs.writeFileSync(secretsFile, yaml.dump(secretValues), { mode: 0o600 });

    const out = path.join(DIR, "rendered");
    const rendered = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(PROJECT_DIR, "cli/render.ts"),
        "--stack",
        STACK,
        "--project-dir",
        project,
        "--secrets",
        secretsFile,
        "--out",
        out,
      ],
      { cwd: PROJECT_DIR, encoding: "utf8", timeout: 60_000 },
    );
    assert.equal(rendered.status, 0, rendered.stderr + rendered.stdout);
    applyFault(process.env.LAB_FAULT, STACK, path.join(out, STACK));
    const homeserverText = fs.readFileSync(path.join(out, STACK, "synapse/homeserver.yaml"), "utf8");
    const homeserver = yaml.load(homeserverText) as Doc;

    // Docker's mounts for the adopted stack: the data directory where adopt found it; uploads under /config.
    const configDir = path.join(DIR, "config");
    fs.mkdirSync(configDir, { recursive: true });
    fs.copyFileSync(path.join(out, STACK, "synapse/log.config"), path.join(configDir, "log.config"));
    const adoptedData = ((report.stackConfig.adopt as Doc).volumes as Doc).synapseData as string;
    const name = await startSynapse(homeserverText, {
      "/data": adoptedData,
      "/media_store": path.join(DIR, "media_store"),
      "/config": configDir,
    });

    const keys = (await call(BASE_URL, "GET", "/_matrix/key/v2/server")) as unknown as ServerKeys;
    assert.deepEqual(
      keys.verify_keys,
      before_.keys!.verify_keys,
      `server key changed (${Object.keys(before_.keys!.verify_keys).join()} -> ${Object.keys(keys.verify_keys).join()}): ` +
        `the rendered signing_key_path (${String(homeserver.signing_key_path)}) is not the adopted key`,
    );
    assert.equal(sha256(path.join(SYNAPSE_DATA, `${SERVER_NAME}.signing.key`)), before_.keyFileSha);

    const whoami = await call(BASE_URL, "GET", "/_matrix/client/v3/account/whoami", {
      token: before_.session!.accessToken,
    }).catch((error: unknown) => {
      throw new Error(`the compose-era access token was refused after the cut-over: ${String(error)}`);
    });
    assert.equal(whoami.user_id, `@nurse-anna:${SERVER_NAME}`);

    try {
      await registerWithSharedSecret(
        BASE_URL,
        before_.registrationSecret,
        "nurse-ben",
        randomBytes(12).toString("hex"),
        false,
      );
    } catch (error) {
      const status = error instanceof MatrixError ? error.status : String(error);
      assert.fail(
        `registration with the compose-era registration_shared_secret failed (${status}): the rendered registration_shared_secret is not the adopted one`,
      );
    }
    await processes.stopOne(name);
  });
});
