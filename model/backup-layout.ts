import * as path from "node:path";
import { OrgConfig, StateStoreId } from "../config/model";
import { BACKUP_PATHS } from "../facts/backup";
import { SYNAPSE_PATHS, isUnder } from "../facts/synapse";
import { dockerName, synapseMounts } from "./topology";

/**
 * Where the backup container sees the stack's state: each store at `/stores/<store id>`, so a path Synapse knows
 * (its signing key, its media store) is translated through Synapse's mounts into the same file in the backup
 * container, adopted layouts included. Pure.
 */

export interface BackupMount {
  readonly store: StateStoreId;
  /** The store's mount point in the backup container. */
  readonly target: string;
}

/** The stores a backup reads and a restore writes: Synapse's (data, and media on a mount of its own), Jitsi's. */
export function backupMounts(org: OrgConfig): BackupMount[] {
  const stores: StateStoreId[] = [
    ...synapseMounts(org).map((m) => m.store),
    ...(org.components.jitsi ? (["jitsiProsody", "jitsiTranscripts"] as const) : []),
  ];
  return stores.map((store) => ({ store, target: `${BACKUP_PATHS.stores}/${store}` }));
}

/** A path inside the Synapse container, as the backup container sees it (through the store mounted there). */
export function backupPathOf(org: OrgConfig, synapsePath: string): string {
  const mount = synapseMounts(org)
    .filter((m) => isUnder(synapsePath, m.target))
    .sort((a, b) => b.target.length - a.target.length)[0];
  if (mount === undefined)
    throw new Error(`${synapsePath} is on no store of Synapse's (${SYNAPSE_PATHS.dataDir}, media)`);
  return path.posix.join(BACKUP_PATHS.stores, mount.store, path.posix.relative(mount.target, synapsePath));
}

/** The Docker names of the backup's containers and volumes. */
export function backupNames(org: Pick<OrgConfig, "stack">) {
  return {
    container: dockerName(org.stack, "backup"),
    dumpContainer: dockerName(org.stack, "backup-dump"),
    workVolume: dockerName(org.stack, "backup-work"),
    repositoryVolume: dockerName(org.stack, "backup-repository"),
  };
}

/** One run as backup.sh records it (config-templates/backup/backup.sh, `finish`): its last line of stdout. */
export interface BackupRunRecord {
  readonly at: string;
  readonly epoch: number;
  readonly trigger: "manual" | "scheduled" | "pre-upgrade";
  readonly outcome: "success" | "skipped" | "failure";
  readonly seconds: number;
  readonly snapshot?: string;
  readonly dataAdded?: number;
  readonly totalBytes?: number;
  readonly files?: number;
  readonly dumpBytes?: number;
  readonly signingKeyId?: string;
  readonly error?: string;
  readonly reason?: string;
  /** A pre-upgrade run: the Synapse image that made the data, and the upgrade that followed (in words). */
  readonly synapseImage?: string;
  readonly upgrade?: string;
}

/**
 * The `docker exec` arguments that run one of the backup's scripts in its container, with `env` set for this run
 * only. The one way every caller runs them: `./fleet backup` and `restore`, and `pulumi up` before an upgrade.
 */
export function backupScriptArgs(
  container: string,
  script: "backup.sh" | "restore.sh" | "dump-agent.sh",
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): string[] {
  const vars = Object.entries(env).flatMap(([key, value]) => ["-e", `${key}=${value}`]);
  return ["exec", ...vars, container, "sh", `${BACKUP_PATHS.scripts}/${script}`, ...args];
}

/** backup.sh's answer: the JSON record on its last line of stdout, or undefined when there is none. */
export function parseBackupRun(stdout: string): BackupRunRecord | undefined {
  const line = stdout.trim().split("\n").pop() ?? "";
  try {
    const run = JSON.parse(line) as BackupRunRecord;
    return typeof run === "object" && run !== null && typeof run.outcome === "string" ? run : undefined;
  } catch {
    return undefined;
  }
}

/** Where the repository is, in words safe to print (never a credential: those come from secret config). */
export function repositoryLabel(org: OrgConfig): string {
  const repository = org.backup.repository;
  if (repository.kind === "volume") return `volume ${backupNames(org).repositoryVolume} on the Docker host`;
  if (repository.kind === "directory") return `directory ${repository.path} on the Docker host`;
  if (org.backup.credentials.includes("RESTIC_REPOSITORY"))
    return `${repository.backend} location from backupCredentials.RESTIC_REPOSITORY`;
  return repository.location;
}

/** The ssh destination (`user@host`) and port of an sftp repository (`sftp:user@host:/path`, `sftp://user@host:port//path`). */
export function sftpDestination(location: string): { destination: string; port: number } | undefined {
  const url = /^sftp:\/\/([^/]+?)(?::(\d+))?\//.exec(location);
  if (url !== null) return { destination: url[1]!, port: url[2] === undefined ? 22 : Number(url[2]) };
  const short = /^sftp:([^:/]+):/.exec(location);
  return short === null ? undefined : { destination: short[1]!, port: 22 };
}
