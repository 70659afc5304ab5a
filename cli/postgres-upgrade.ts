import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../config/stack-files";
import { POSTGRES_DATA_DIR } from "../facts/postgres";
import { imageVersion } from "../facts/versions";
import { dockerName } from "../model/topology";
import { UsageError, parseArgs, runCli } from "./args";
import { loadStack } from "./backup";

const USAGE = `usage: ./fleet postgres-upgrade --stack <name> --to <postgres image> [--work-dir <dir>] [--docker-host <host>]
       ./fleet postgres-upgrade --stack <name> --finish [--work-dir <dir>] [--docker-host <host>]

Moves an organisation's database to a new PostgreSQL major (docs/upgrades.md, "PostgreSQL major versions"):
stops Synapse and PostgreSQL, dumps the database with the old server's own pg_dump into --work-dir, copies the old
data into a volume that is kept (<data volume>-pg<old major>), empties the data volume, initialises the new major
in it with the same user, database and initdb arguments, restores the dump with psql and compares the row counts
of Synapse's main tables. Then: pulumi config set --path images.postgres <image>; pulumi up (PostgreSQL is replaced
onto the restored volume); ./fleet postgres-upgrade --stack <name> --finish (compares the counts on the new server,
then starts Synapse).`;

/** Tables whose row counts must survive the move (users, rooms, what was said in them, media). */
const COUNTED = ["users", "rooms", "events", "room_memberships", "local_media_repository", "devices"];

class Host {
  constructor(
    readonly docker: string,
    /** The database's user and name (an adopted one keeps its own). */
    readonly database: { readonly user: string; readonly name: string },
  ) {}
  run(args: readonly string[], input?: string): string {
    const result = spawnSync("docker", ["-H", this.docker, ...args], {
      encoding: "utf8",
      input,
      maxBuffer: 1 << 30,
      timeout: 3_600_000,
    });
    if (result.status !== 0)
      throw new UsageError(
        `docker ${args.slice(0, 3).join(" ")} ...: ${(result.stderr || result.error?.message || "").trim()}`,
      );
    return result.stdout;
  }
  psql(container: string, sql: string): string {
    const session = ["psql", "-U", this.database.user, "-d", this.database.name, "-v", "ON_ERROR_STOP=1"];
    return this.run(["exec", container, ...session, "-Atc", sql]).trim();
  }
  counts(container: string): Record<string, number> {
    return Object.fromEntries(
      COUNTED.map((t) => [t, Number(this.psql(container, `SELECT count(*) FROM ${t}`))]),
    );
  }
  /** Whether the server in `container` accepts connections. */
  ready(container: string): boolean {
    return (
      spawnSync("docker", ["-H", this.docker, "exec", container, "pg_isready", "-U", this.database.user])
        .status === 0
    );
  }
  waitFor(what: string, ok: () => boolean, seconds: number): void {
    const deadline = Date.now() + seconds * 1000;
    while (!ok()) {
      if (Date.now() > deadline) throw new UsageError(`${what} did not happen within ${seconds} s`);
      execFileSync("sleep", ["1"]);
    }
  }
}

const say = (line: string) => process.stderr.write(`postgres-upgrade: ${line}\n`);

interface Inspected {
  Config: { Image: string; Env: string[] };
  Mounts: Array<{ Destination: string; Name?: string; Source: string; Type: string }>;
}

interface Database {
  readonly pg: string;
  readonly image: string;
  /** The data volume's name, or the bind-mounted directory. */
  readonly data: string;
  readonly oldMajor: number;
  readonly newMajor: number;
  /** POSTGRES_USER, _DB, _PASSWORD, _INITDB_ARGS as the container runs with them. */
  readonly env: string[];
}

function inspectDatabase(stack: string, host: Host, target: string): Database {
  const pg = dockerName(stack, "postgres");
  const inspected = (JSON.parse(host.run(["inspect", pg])) as Inspected[])[0]!;
  const mount = inspected.Mounts.find((m) => m.Destination === POSTGRES_DATA_DIR);
  if (mount === undefined) throw new UsageError(`${pg} has no mount at ${POSTGRES_DATA_DIR}`);
  const oldMajor = Math.floor(Number(host.psql(pg, "SHOW server_version_num")) / 10000);
  const newMajor = imageVersion(target)?.major;
  if (newMajor === undefined) throw new UsageError(`the major of '${target}' cannot be read from its tag`);
  if (newMajor <= oldMajor)
    throw new UsageError(`${pg} runs PostgreSQL ${oldMajor}; '${target}' (${newMajor}) is not a newer major`);
  return {
    pg,
    image: inspected.Config.Image,
    data: mount.Type === "volume" ? mount.Name! : mount.Source,
    oldMajor,
    newMajor,
    env: inspected.Config.Env.filter((e) => /^POSTGRES_(USER|DB|PASSWORD|INITDB_ARGS)=/.test(e)),
  };
}

/** Copies the old major's data into a kept volume, then empties the data store for the new major. */
function setAside(stack: string, host: Host, db: Database): string {
  const keep = `${db.data}-pg${db.oldMajor}`;
  say(`keeping the PostgreSQL ${db.oldMajor} data in volume ${keep}`);
  host.run(["volume", "create", "--label", `org.matrix-fleet.stack=${stack}`, keep]);
  const shell = (mounts: string[], script: string) => shellIn(host, db.image, mounts, script);
  shell([`${db.data}:/from:ro`, `${keep}:/to`], "cp -a /from/. /to/ && test -s /to/PG_VERSION");
  say(`emptying ${db.data} for PostgreSQL ${db.newMajor}`);
  shell([`${db.data}:/d`], "find /d -mindepth 1 -delete");
  return keep;
}

/** A throwaway shell of `image` on `mounts`, without network. */
function shellIn(host: Host, image: string, mounts: readonly string[], script: string): string {
  const volumes = mounts.flatMap((m) => ["-v", m]);
  return host.run([
    "run",
    "--rm",
    "--network",
    "none",
    "--entrypoint",
    "/bin/sh",
    ...volumes,
    image,
    "-c",
    script,
  ]);
}

/** After a failed restore: the old major's data back in the data store, PostgreSQL and Synapse started again. */
function putBack(stack: string, host: Host, db: Database, keep: string): void {
  say(`putting PostgreSQL ${db.oldMajor}'s data back into ${db.data}`);
  shellIn(
    host,
    db.image,
    [`${keep}:/from:ro`, `${db.data}:/d`],
    "find /d -mindepth 1 -delete && cp -a /from/. /d/",
  );
  host.run(["start", db.pg]);
  host.run(["start", dockerName(stack, "synapse")]);
}

/** The new major, initialised in the data store by its own entrypoint, with the dump restored; the row counts. */
function restore(host: Host, db: Database, target: string, dump: string): Record<string, number> {
  const temporary = `${db.pg}-upgrade`;
  host.run([
    "run",
    "-d",
    "--name",
    temporary,
    "--network",
    "none",
    ...db.env.flatMap((e) => ["-e", e]),
    "-v",
    `${db.data}:${POSTGRES_DATA_DIR}`,
    target,
  ]);
  try {
    // The entrypoint's first start runs a socket-only server to create the database; wait for the real one.
    host.waitFor(
      `PostgreSQL ${db.newMajor}'s first start`,
      () => /init process complete/.test(host.run(["logs", temporary])) && host.ready(temporary),
      300,
    );
    say(`restoring into PostgreSQL ${db.newMajor} with psql`);
    host.run(
      [
        "exec",
        "-i",
        temporary,
        "psql",
        "-U",
        host.database.user,
        "-d",
        host.database.name,
        "-v",
        "ON_ERROR_STOP=1",
        "-q",
      ],
      fs.readFileSync(dump, "utf8"),
    );
    return host.counts(temporary);
  } finally {
    spawnSync("docker", ["-H", host.docker, "rm", "-f", temporary]);
  }
}

function upgrade(stack: string, host: Host, target: string, workDir: string): void {
  const db = inspectDatabase(stack, host, target);
  fs.mkdirSync(workDir, { recursive: true });
  const dump = path.join(workDir, `${stack}-pg${db.oldMajor}.sql`);
  say(`stopping ${dockerName(stack, "synapse")}: nothing writes while the database moves`);
  host.run(["stop", dockerName(stack, "synapse")]);
  const before = host.counts(db.pg);
  say(`rows before: ${JSON.stringify(before)}`);
  say(`dumping with PostgreSQL ${db.oldMajor}'s pg_dump into ${dump}`);
  fs.writeFileSync(
    dump,
    host.run([
      "exec",
      db.pg,
      "pg_dump",
      "-U",
      host.database.user,
      "-d",
      host.database.name,
      "--format=plain",
    ]),
    { mode: 0o600 },
  );
  fs.writeFileSync(path.join(workDir, `${stack}-counts.json`), JSON.stringify(before));
  host.run(["stop", db.pg]);
  const keep = setAside(stack, host, db);
  let after: Record<string, number>;
  try {
    after = restore(host, db, target, dump);
  } catch (error) {
    putBack(stack, host, db, keep);
    throw new UsageError(
      `${(error as Error).message}; PostgreSQL ${db.oldMajor}'s data is back in ${db.data} and the organisation runs as before`,
    );
  }
  say(`rows after: ${JSON.stringify(after)}`);
  if (JSON.stringify(after) !== JSON.stringify(before))
    throw new UsageError(
      `the restored database differs: ${JSON.stringify(before)} before, ${JSON.stringify(after)} after; the old data is in ${keep}`,
    );
  process.stdout.write(
    `${stack}: the database is on PostgreSQL ${db.newMajor} in ${db.data} (PostgreSQL ${db.oldMajor}'s data kept in ${keep}, dump ${dump}). Next:\n` +
      `  pulumi config set --path images.postgres ${target} --stack ${stack}\n  pulumi up --stack ${stack}\n` +
      `  ./fleet postgres-upgrade --stack ${stack} --finish\n`,
  );
}

function finish(stack: string, host: Host, workDir: string): void {
  const pg = dockerName(stack, "postgres");
  const synapse = dockerName(stack, "synapse");
  const before = JSON.parse(fs.readFileSync(path.join(workDir, `${stack}-counts.json`), "utf8")) as Record<
    string,
    number
  >;
  // Counted before Synapse starts: from its first second it writes (users, the monitoring's alert bot and call
  // probe), so only the rows of the database PostgreSQL was replaced onto can be compared with the dump's.
  const running = host.run(["inspect", "--format", "{{.State.Running}}", synapse]).trim() === "true";
  host.waitFor(`${pg} accepting connections`, () => host.ready(pg), 120);
  const after = host.counts(pg);
  if (running) say(`${synapse} was already running: its writes count too, so the rows are not compared`);
  else if (JSON.stringify(after) !== JSON.stringify(before))
    throw new UsageError(
      `rows differ after the move: ${JSON.stringify(before)} before, ${JSON.stringify(after)} now; ${synapse} stays stopped`,
    );
  host.run(["start", synapse]);
  host.waitFor(
    "Synapse healthy",
    () => host.run(["inspect", "--format", "{{.State.Health.Status}}", synapse]).trim() === "healthy",
    300,
  );
  const version = host.psql(pg, "SHOW server_version");
  process.stdout.write(
    `${stack}: Synapse runs on PostgreSQL ${version}; ${running ? "rows when --finish began" : "rows as before the move"}: ${JSON.stringify(after)}\n`,
  );
}

/** The options this tool parses (the handbook's command check reads them). */
export const OPTIONS = {
  stack: "value",
  to: "value",
  finish: "flag",
  "work-dir": "value",
  "project-dir": "value",
  "docker-host": "value",
  help: "flag",
} as const;

async function main(argv: readonly string[]): Promise<number> {
  const { values, flags } = parseArgs(argv, OPTIONS);
  if (flags.has("help")) {
    console.log(USAGE);
    return 0;
  }
  if (values.stack === undefined) throw new UsageError("--stack is required");
  if ((values.to === undefined) === !flags.has("finish"))
    throw new UsageError("give either --to <postgres image> or --finish");
  const projectDir = path.resolve(values["project-dir"] ?? PROJECT_DIR);
  const { docker, adoption } = loadStack(values.stack, projectDir);
  const host = new Host(values["docker-host"] ?? docker.host, adoption.database);
  const workDir = path.resolve(values["work-dir"] ?? path.join(projectDir, "postgres-upgrade"));
  if (flags.has("finish")) finish(values.stack, host, workDir);
  else upgrade(values.stack, host, values.to!, workDir);
  return 0;
}

if (require.main === module) runCli("postgres-upgrade", USAGE, () => main(process.argv.slice(2)));
