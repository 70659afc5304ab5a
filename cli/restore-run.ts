import { OrgConfig } from "../config/model";
import { BackupManifest } from "../facts/backup";
import { BackupError, BackupHost, keyValues } from "./backup-host";
import { RestoreFindings, judgeRestore } from "./restore-judgement";

/**
 * `./fleet restore`: brings an organisation back from a snapshot onto the Docker host its stack points at, after
 * `pulumi up` made the stack's containers there (a new host: `pulumi up --refresh`). Everything it reads first is
 * read-only; it refuses, naming what it found and the flag or fix, before anything is changed. Then: Synapse
 * stopped, the snapshot's stores restored in place and checked against its SHA256SUMS, the database recreated
 * (UTF8, C locale, from template0) and the dump restored into it in one transaction, Synapse started and waited for
 * until healthy, its signing key compared with the snapshot's.
 */
export interface RestoreOptions {
  /** A snapshot id (or its prefix); default: the newest of the stack. */
  readonly snapshot?: string;
  /** Replace a database that holds users, rooms or events. */
  readonly replaceDatabase?: boolean;
  /** Replace local media (and a signing key that signed them) that the stores hold. */
  readonly replaceFiles?: boolean;
  /** Restore a snapshot that holds no signing key: Synapse makes a new one, and peers see a new key. */
  readonly withoutSigningKey?: boolean;
  /** Extra variables for the scripts (the lab's fault injection). */
  readonly env?: Readonly<Record<string, string>>;
  readonly log?: (line: string) => void;
}

export interface RestoreReport {
  readonly snapshot: string;
  readonly manifest: BackupManifest;
  readonly files: number;
  readonly notes: readonly string[];
  /** Seconds per step and in all. */
  readonly seconds: Readonly<Record<string, number>>;
  /** The key ids Synapse serves after the restore. */
  readonly servedKeyIds: readonly string[];
}

interface Snapshot {
  readonly id: string;
  readonly short_id: string;
  readonly time: string;
}

export async function restoreStack(org: OrgConfig, options: RestoreOptions = {}): Promise<RestoreReport> {
  const log = options.log ?? (() => {});
  const host = new BackupHost(org);
  const started = Date.now();
  const seconds: Record<string, number> = {};
  const timed = async <T>(step: string, run: () => Promise<T>): Promise<T> => {
    const from = Date.now();
    log(`restore ${org.stack}: ${step}`);
    try {
      return await run();
    } finally {
      seconds[step] = Math.round((Date.now() - from) / 100) / 10;
    }
  };
  const backupScript = (args: string[], timeoutMs?: number) =>
    host.script(host.names.container, "restore.sh", args, { env: options.env, timeoutMs });
  const dumpScript = (args: string[]) =>
    host.script(host.names.dumpContainer, "dump-agent.sh", args, { env: options.env });

  await timed("containers", () => requireContainers(host));
  const snapshot = await timed("snapshot", async () =>
    chooseSnapshot(org, await backupScript(["snapshots"]), options.snapshot),
  );
  const manifest = await timed("manifest", async () =>
    readManifest(await backupScript(["manifest", snapshot.id]), snapshot),
  );
  const findings: RestoreFindings = await timed("probe", async () => ({
    database: keyValues((await dumpScript(["probe"])).stdout),
    files: keyValues((await backupScript(["probe"])).stdout),
  }));
  const { notes, replace } = judgeRestore(org, snapshot.short_id, manifest, findings, options);
  for (const note of notes) log(`restore ${org.stack}: ${note}`);

  await backupScript(["begin"]);
  try {
    await timed("stop Synapse", () => host.docker(["stop", "--time", "30", `matrix-${org.stack}-synapse`]));
    const fetched = await timed("files", async () =>
      keyValues((await backupScript(["fetch", snapshot.id, ...(replace ? ["replace"] : [])])).stdout),
    );
    if (fetched.status !== "ok")
      throw new BackupError(`restoring the files failed: ${fetched.error ?? "no answer"}`);
    const database = await timed("database", async () =>
      keyValues((await dumpScript(["restore-db", "/work/snapshot/synapse.dump"])).stdout),
    );
    if (database.status !== "ok")
      throw new BackupError(`restoring the database failed: ${database.message ?? "no answer"}`);
    if (database.flagged !== undefined) notes.push(`flagged: ${database.flagged}`);
    notes.push(
      `database: ${database.users} users, ${database.rooms} rooms, ${database.events} events; ${database.encoding}`,
    );
    await backupScript(["end"]);
    await timed("start Synapse", () => startSynapse(host));
    const servedKeyIds = await timed("signing key", () => servedKeys(host));
    if (manifest.signingKeyId && !servedKeyIds.includes(manifest.signingKeyId))
      throw new BackupError(
        `Synapse serves ${servedKeyIds.join(", ") || "no key"}, not the snapshot's ${manifest.signingKeyId}: check signing_key_path`,
      );
    seconds.total = Math.round((Date.now() - started) / 100) / 10;
    return { snapshot: snapshot.id, manifest, files: Number(fetched.files), notes, seconds, servedKeyIds };
  } catch (error) {
    await backupScript(["end"]).catch(() => undefined);
    // Synapse is started again whatever failed: on an untouched database it serves as before.
    await host.docker(["start", `matrix-${org.stack}-synapse`]).catch(() => undefined);
    throw error;
  }
}

async function requireContainers(host: BackupHost): Promise<void> {
  for (const service of ["postgres", "synapse", "backup", "backup-dump"]) {
    const state = await host.state(service);
    if (state?.status !== "running" && !(service === "synapse" && state !== undefined))
      throw new BackupError(
        `matrix-${host.org.stack}-${service} is ${state?.status ?? "not there"} on ${host.org.docker.host}: deploy the stack there first (a new host: pulumi up --refresh --stack ${host.org.stack}), then restore`,
      );
  }
}

function chooseSnapshot(org: OrgConfig, listed: { code: number; stdout: string }, wanted?: string): Snapshot {
  const error = keyValues(listed.stdout).error;
  if (listed.code !== 0 || error !== undefined)
    throw new BackupError(`the repository cannot be read: ${error ?? listed.stdout.trim()}`);
  const snapshots = (JSON.parse(listed.stdout) as Snapshot[]).sort((a, b) => a.time.localeCompare(b.time));
  if (snapshots.length === 0)
    throw new BackupError(`the repository holds no snapshot of ${org.stack}: nothing to restore from`);
  if (wanted === undefined) return snapshots[snapshots.length - 1]!;
  const found = snapshots.filter((s) => s.id.startsWith(wanted));
  if (found.length !== 1)
    throw new BackupError(
      `${found.length === 0 ? "no" : "more than one"} snapshot ${found.length === 0 ? "is" : "starts with"} ${wanted}; the stack's snapshots: ${snapshots.map((s) => `${s.short_id} (${s.time.slice(0, 19)})`).join(", ")}`,
    );
  return found[0]!;
}

function readManifest(result: { code: number; stdout: string }, snapshot: Snapshot): BackupManifest {
  try {
    if (result.code === 0) return JSON.parse(result.stdout) as BackupManifest;
  } catch {
    // reported below
  }
  throw new BackupError(
    `snapshot ${snapshot.short_id} has no readable manifest (${keyValues(result.stdout).error ?? "not made by matrix-fleet's backup"})`,
  );
}

/** Starts Synapse and waits (at most 5 minutes) until Docker reports it healthy. */
async function startSynapse(host: BackupHost): Promise<void> {
  await host.docker(["start", `matrix-${host.org.stack}-synapse`]);
  for (let waited = 0; waited < 300; waited += 2) {
    const state = await host.state("synapse");
    if (state?.health === "healthy") return;
    if (state?.status !== "running" && waited > 20)
      throw new BackupError(
        `Synapse is ${state?.status} after the restore: docker logs matrix-${host.org.stack}-synapse`,
      );
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  throw new BackupError(`Synapse did not become healthy within 300 s after the restore`);
}

/** The key ids Synapse serves (`/_matrix/key/v2/server`, asked inside its container). */
async function servedKeys(host: BackupHost): Promise<string[]> {
  const answer = await host.docker([
    "exec",
    `matrix-${host.org.stack}-synapse`,
    "curl",
    "-fsS",
    `http://localhost:${host.org.ports.synapse}/_matrix/key/v2/server`,
  ]);
  if (answer.code !== 0) throw new BackupError(`Synapse does not serve its keys: ${answer.stderr.trim()}`);
  return Object.keys((JSON.parse(answer.stdout) as { verify_keys: Record<string, unknown> }).verify_keys);
}
