/**
 * Starts and stops the lab's real servers inside the lab namespace: per organisation a PostgreSQL, Synapse,
 * coturn and (with MatrixRTC) LiveKit on the organisation's address, and one nginx front for all proxy hosts.
 * Readiness is probed with bounded waits; everything is stopped by PID.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { TurnSession } from "../verify/turn-client";
import { LAB_NETWORK } from "./overlay";
import { CLIENT_NAMESPACE, LabManifest, LabStack } from "./prepare";
import { LabTarget } from "./target";
import { ProcessGroup, run, waitFor } from "./processes";

export function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "")
    throw new Error(`${name} is not set: run the lab through lab/run.sh`);
  return value;
}

async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return response.ok;
}

export class LabEnvironment {
  readonly processes: ProcessGroup;

  constructor(readonly manifest: LabManifest) {
    this.processes = new ProcessGroup(path.join(manifest.dir, "logs"), path.join(manifest.dir, "pids"));
  }

  stack(name: string): LabStack {
    const found = this.manifest.stacks.find((s) => s.stack === name);
    if (found === undefined) throw new Error(`stack ${name} is not in the lab`);
    return found;
  }

  /** The scenarios' view of this lab: every organisation on one address, files as render wrote them. */
  target(): LabTarget {
    return {
      kind: "process",
      clientNamespace: CLIENT_NAMESPACE,
      organisation: (name) => {
        const stack = this.stack(name);
        return {
          stack: stack.stack,
          serverName: stack.serverName,
          hostnames: stack.hostnames,
          publicAddress: stack.address,
          hostAddress: stack.address,
          caFile: stack.caFile,
        };
      },
      rendered: (name, file) => this.rendered(name, file),
      // medex is not a lab organisation; lk-jwt-service and Jitsi cannot run here.
      verifyFailsHere: {
        produktor: [
          "FAIL federation peer medex-pflegedienst.de",
          "FAIL lk-jwt-service health",
          "FAIL MatrixRTC token via /get_token and a LiveKit join",
          "FAIL MatrixRTC token via /sfu/get and a LiveKit join",
          "FAIL Jitsi web",
          // A peer's user asks our lk-jwt-service (issue #29), which the process lab does not run.
          "FAIL MatrixRTC token for a pro-dukt.de user from our lk-jwt-service",
          // One address per organisation, no router: LiveKit's metrics port answers where clients connect.
          "FAIL metrics ports closed from outside",
        ],
      },
    };
  }

  /** The production file `render` wrote for a stack (before the overlay). */
  rendered(name: string, file: string): string {
    return fs.readFileSync(path.join(this.stack(name).rendered, file), "utf8");
  }

  async startPostgres(stack: LabStack): Promise<void> {
    const dataDir = path.join(stack.dir, "pg");
    await startPostgresCluster(this.processes, `${stack.stack}-postgres`, dataDir, stack.address);
    // The role and database the rendered homeserver.yaml names, with its password and the C collation Synapse needs.
    const db = (
      yaml.load(this.rendered(stack.stack, "synapse/homeserver.yaml")) as {
        database: { args: Record<string, string> };
      }
    ).database.args;
    createSynapseDatabase(dataDir, db.user!, db.password!, db.dbname!);
  }

  async startSynapse(stack: LabStack): Promise<void> {
    await startSynapseProcess(
      this.processes,
      `${stack.stack}-synapse`,
      path.join(stack.dir, "homeserver.yaml"),
      stack.address,
    );
  }

  async startCoturn(stack: LabStack): Promise<void> {
    this.processes.start(`${stack.stack}-coturn`, env("TURNSERVER"), [
      "-c",
      path.join(stack.dir, "turnserver.conf"),
    ]);
    await waitFor(
      `${stack.stack} coturn`,
      async () => {
        const session = await TurnSession.open({ host: stack.address, port: 3478, transport: "udp" }, 1000);
        try {
          await session.binding();
          return true;
        } finally {
          session.close();
        }
      },
      30_000,
      () => this.processes.logOf(`${stack.stack}-coturn`),
    );
  }

  async startLivekit(stack: LabStack): Promise<void> {
    this.processes.start(`${stack.stack}-livekit`, env("LIVEKIT_SERVER"), [
      "--config",
      path.join(stack.dir, "livekit.yaml"),
    ]);
    await waitFor(
      `${stack.stack} livekit`,
      () => httpOk(`http://${stack.address}:7880/`),
      30_000,
      () => this.processes.logOf(`${stack.stack}-livekit`),
    );
  }

  async startNginx(): Promise<void> {
    const conf = path.join(this.manifest.dir, "nginx", "nginx.conf");
    run(env("NGINX"), ["-t", "-q", "-c", conf]);
    this.processes.start("nginx", env("NGINX"), ["-c", conf, "-g", "daemon off;"]);
    const first = this.manifest.stacks[0]!;
    await waitFor(
      "nginx",
      () =>
        httpOk(`https://${first.hostnames[1] ?? first.serverName}/.well-known/matrix/client`).catch(
          () => false,
        ),
      15_000,
      () => this.processes.logOf("nginx"),
    );
  }

  /** Starts everything; servers of different organisations start side by side. */
  async start(): Promise<void> {
    await Promise.all(
      this.manifest.stacks.map(async (stack) => {
        await this.startPostgres(stack);
        const started: Array<Promise<void>> = [this.startSynapse(stack)];
        if (stack.components.coturn) started.push(this.startCoturn(stack));
        if (stack.components.matrixRtc) started.push(this.startLivekit(stack));
        await Promise.all(started);
      }),
    );
    await this.startNginx();
  }

  async stop(): Promise<void> {
    await this.processes.stopAll();
  }
}

/**
 * A PostgreSQL cluster of its own on a lab address, as the postgres container would run it: password (scram)
 * logins over TCP from the lab network.
 */
export async function startPostgresCluster(
  processes: ProcessGroup,
  name: string,
  dataDir: string,
  address: string,
): Promise<void> {
  const pgBin = env("PG_BIN");
  fs.mkdirSync(dataDir, { recursive: true });
  // The postgres user must reach its data directory: open every lab directory on the way.
  const labRoot = path.resolve(__dirname, "..", ".lab");
  for (let dir = dataDir; dir.startsWith(labRoot); dir = path.dirname(dir)) fs.chmodSync(dir, 0o755);
  run("chown", ["-R", "postgres:postgres", dataDir]);
  run("runuser", [
    "-u",
    "postgres",
    "--",
    path.join(pgBin, "initdb"),
    "-D",
    dataDir,
    "-U",
    "postgres",
    "--auth-local=trust",
    "--auth-host=scram-sha-256",
    "--encoding=UTF8",
    "--locale=C",
  ]);
  fs.appendFileSync(path.join(dataDir, "pg_hba.conf"), `host all all ${LAB_NETWORK} scram-sha-256\n`);
  processes.start(name, "runuser", [
    "-u",
    "postgres",
    "--",
    path.join(pgBin, "postgres"),
    "-D",
    dataDir,
    "-h",
    address,
    "-p",
    "5432",
    "-k",
    dataDir,
  ]);
  await waitFor(
    name,
    () => {
      try {
        run(path.join(pgBin, "pg_isready"), ["-h", dataDir, "-p", "5432"]);
        return true;
      } catch {
        return false;
      }
    },
    30_000,
    () => processes.logOf(name),
  );
}

/** A role and its database with the C collation Synapse requires (docs/postgres.md). */
export function createSynapseDatabase(dataDir: string, user: string, password: string, dbname: string): void {
  const psql = (sql: string) =>
    run("runuser", [
      "-u",
      "postgres",
      "--",
      path.join(env("PG_BIN"), "psql"),
      "-h",
      dataDir,
      "-p",
      "5432",
      "-v",
      "ON_ERROR_STOP=1",
      "-c",
      sql,
    ]);
  psql(`CREATE ROLE "${user}" LOGIN PASSWORD '${password.replace(/'/g, "''")}'`);
  psql(
    `CREATE DATABASE "${dbname}" OWNER "${user}" ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`,
  );
}

/** Starts Synapse on a config file and waits for /health on the address it listens on. */
export async function startSynapseProcess(
  processes: ProcessGroup,
  name: string,
  configFile: string,
  address: string,
): Promise<void> {
  processes.start(
    name,
    env("SYNAPSE_PYTHON"),
    ["-m", "synapse.app.homeserver", "--config-path", configFile],
    {
      cwd: path.dirname(configFile),
    },
  );
  await waitFor(
    name,
    () => httpOk(`http://${address}:8008/health`),
    180_000,
    () => processes.logOf(name),
  );
}
