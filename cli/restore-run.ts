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
 * until healthy, its signing key compared with the snapshot's. When Synapse's container runs another image than the
 * stack's images.synapse (a rollback: the image set back before the restore, docs/upgrades.md), Synapse stays
 * stopped: starting the newer Synapse would migrate the restored database forward again; `pulumi up` starts the
 * configured image on it.
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
  /** The key ids Synapse serves after the restore (none when it was left stopped). */
  readonly servedKeyIds: readonly string[];
  /** Set when Synapse was left stopped: the image its container runs, and the one the stack config names. */
  readonly synapseLeftStopped?: { readonly running: string; readonly configured: string };
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
  const leftStopped = await timed("image", () => otherImage(host));
  if (leftStopped !== undefined)
    notes.push(
      `Synapse's container runs ${leftStopped.running}, the stack config names ${leftStopped.configured}: Synapse stays stopped after the restore, and pulumi up --stack ${org.stack} starts ${leftStopped.configured} on the restored database`,
    );
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
    const servedKeyIds = leftStopped === undefined ? await startWithKey(host, manifest, timed) : [];
    seconds.total = Math.round((Date.now() - started) / 100) / 10;
    const files = Number(fetched.files);
    return {
      snapshot: snapshot.id,
      manifest,
      files,
      notes,
      seconds,
      servedKeyIds,
      synapseLeftStopped: leftStopped,
    };
  } catch (error) {
    await backupScript(["end"]).catch(() => undefined);
    // Synapse is started again whatever failed: on an untouched database it serves as before.
    await host.docker(["start", `matrix-${org.stack}-synapse`]).catch(() => undefined);
    throw error;
  }
}

/** Starts Synapse, waits until it is healthy, and checks that it serves the snapshot's signing key. */
async function startWithKey(
  host: BackupHost,
  manifest: BackupManifest,
  timed: <T>(step: string, run: () => Promise<T>) => Promise<T>,
): Promise<string[]> {
  await timed("start Synapse", () => startSynapse(host));
  const servedKeyIds = await timed("signing key", () => servedKeys(host));
  if (manifest.signingKeyId && !servedKeyIds.includes(manifest.signingKeyId))
    throw new BackupError(
      `Synapse serves ${servedKeyIds.join(", ") || "no key"}, not the snapshot's ${manifest.signingKeyId}: check signing_key_path`,
    );
  return servedKeyIds;
}

/**
 * The image Synapse's container runs and the stack's images.synapse, when they differ (by image ID on the host; an
 * image the host does not have differs): after a rollback set the older image, the container still runs the newer.
 */
async function otherImage(host: BackupHost): Promise<{ running: string; configured: string } | undefined> {
  const configured = host.org.images.synapse;
  const container = `matrix-${host.org.stack}-synapse`;
  const running = await host.docker(["inspect", "--format", "{{.Image}}", container]);
  const wanted = await host.docker(["image", "inspect", "--format", "{{.Id}}", configured]);
  if (running.code === 0 && wanted.code === 0 && running.stdout.trim() === wanted.stdout.trim())
    return undefined;
  const tags = await host.docker([
    "image",
    "inspect",
    "--format",
    '{{join .RepoTags " "}}',
    running.stdout.trim(),
  ]);
  const name = tags.code === 0 ? tags.stdout.trim().split(/\s+/)[0] : undefined;
  return { running: name || running.stdout.trim() || "no image", configured };
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
