import { execFile } from "node:child_process";
import type * as pulumi from "@pulumi/pulumi";
import { backupScriptArgs, parseBackupRun } from "../model/backup-layout";
import {
  ObservedContainer,
  STATEFUL_SERVICES,
  StatefulService,
  WantedImage,
  decidePreUpgradeBackup,
  describeChanges,
} from "../model/pre-upgrade";
import { withoutProviderText } from "./provider-outputs";

/**
 * The backup before an upgrade, as the engine runs it during `pulumi up`: after the new images are pulled and the
 * backup's own containers are up, before PostgreSQL's and Synapse's containers (which depend on it) are replaced.
 * It asks the Docker host what runs (model/pre-upgrade.ts decides) and, when a stateful image changes under a
 * healthy Synapse, runs the backups' own script (`backup.sh pre-upgrade`: the same dump, lock, repository and
 * status as every backup, tagged so the daily retention keeps it). A failed backup fails `up` here, naming its
 * cause, with nothing stateful replaced. Never replaced itself (an update in place): a replacement would make the
 * engine delete its dependents, the stateful containers, first.
 */
export interface PreUpgradeBackupInputs {
  readonly dockerHost: string;
  readonly stack: string;
  readonly containers: Readonly<Record<StatefulService | "backup" | "backupDump", string>>;
  readonly wanted: Readonly<Record<StatefulService, WantedImage>>;
  /** How long the backup may take (a first backup of a large media store takes hours). */
  readonly timeoutSeconds: number;
}

export interface PreUpgradeBackupOutputs {
  /** Whether a snapshot was made, its id, when, how long it took, and why (not). */
  readonly taken: boolean;
  readonly snapshot: string;
  readonly at: string;
  readonly seconds: number;
  readonly reason: string;
}

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The docker CLI against the stack's host; resolves with the exit code (a script's own failure is an answer). */
function dockerRun(host: string, args: readonly string[], timeoutMs: number): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(
      "docker",
      ["-H", host, ...args],
      { timeout: timeoutMs, maxBuffer: 16 << 20 },
      (error, out, err) => {
        if (error === null) resolve({ code: 0, stdout: `${out}`, stderr: `${err}` });
        else if ((error as NodeJS.ErrnoException).code === "ENOENT")
          reject(
            new Error("the docker CLI is not installed where pulumi runs; the pre-upgrade backup needs it"),
          );
        else if (error.killed)
          reject(
            new Error(`docker ${args.slice(0, 3).join(" ")} did not finish within ${timeoutMs / 1000} s`),
          );
        else resolve({ code: Number(error.code ?? 1), stdout: `${out}`, stderr: `${err}` });
      },
    );
  });
}

async function docker(host: string, args: readonly string[]): Promise<string> {
  const ran = await dockerRun(host, args, 60_000);
  if (ran.code !== 0) throw new Error(`docker ${args.slice(0, 3).join(" ")}: ${ran.stderr.trim()}`);
  return ran.stdout;
}

async function observe(host: string, container: string): Promise<ObservedContainer | undefined> {
  const format = "{{.Image}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}";
  const line = await docker(host, ["inspect", "--format", format, container]).catch((error: Error) => {
    if (/no such (object|container)/i.test(error.message)) return undefined;
    throw error;
  });
  if (line === undefined) return undefined;
  const [imageId = "", status = "", health] = line.trim().split(/\s+/);
  const tags = await docker(host, ["image", "inspect", "--format", '{{join .RepoTags " "}}', imageId]).catch(
    () => "",
  );
  return {
    imageId,
    imageNames: tags.trim().split(/\s+/).filter(Boolean),
    status,
    health: health || undefined,
  };
}

/** The backup's two containers running and healthy (just created by the same `up`: bounded wait). */
async function backupReady(inputs: PreUpgradeBackupInputs): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const states = await Promise.all(
      [inputs.containers.backup, inputs.containers.backupDump].map(async (name) => ({
        name,
        state: await observe(inputs.dockerHost, name),
      })),
    );
    const notReady = states.filter(({ state }) => state?.status !== "running" || state.health !== "healthy");
    if (notReady.length === 0) return;
    const stopped = notReady.find(({ state }) => state === undefined || state.status !== "running");
    if (stopped !== undefined || Date.now() > deadline)
      throw new Error(
        notReady
          .map(
            ({ name, state }) =>
              `${name} is ${state ? `${state.status}/${state.health ?? "-"}` : "not there"}`,
          )
          .join(", "),
      );
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

async function run(inputs: PreUpgradeBackupInputs): Promise<PreUpgradeBackupOutputs> {
  const started = Date.now();
  const done = (taken: boolean, reason: string, snapshot = ""): PreUpgradeBackupOutputs => ({
    taken,
    snapshot,
    at: new Date().toISOString(),
    seconds: Math.round((Date.now() - started) / 100) / 10,
    reason,
  });
  const observed = Object.fromEntries(
    await Promise.all(
      STATEFUL_SERVICES.map(
        async (s) => [s, await observe(inputs.dockerHost, inputs.containers[s])] as const,
      ),
    ),
  ) as Record<StatefulService, ObservedContainer | undefined>;
  const decision = decidePreUpgradeBackup(observed, inputs.wanted);
  if (decision.kind === "nothing") return done(false, decision.reason);
  const upgrade = describeChanges(decision.changes);
  if (decision.kind === "skip") return done(false, `${upgrade}: no backup: ${decision.reason}`);
  const failed = (why: string) =>
    new Error(
      `the backup before the upgrade (${upgrade}) failed: ${why}. Nothing stateful was replaced: ` +
        `${inputs.containers.synapse} and ${inputs.containers.postgres} still run their old images. Fix the ` +
        `backup (./fleet backup --stack ${inputs.stack} shows it), then run pulumi up again`,
    );
  await backupReady(inputs).catch((error: Error) => {
    throw failed(error.message);
  });
  const env = { BACKUP_SYNAPSE_IMAGE: decision.synapseImage, BACKUP_UPGRADE: upgrade };
  const args = backupScriptArgs(inputs.containers.backup, "backup.sh", ["pre-upgrade"], env);
  const ran = await dockerRun(inputs.dockerHost, args, inputs.timeoutSeconds * 1000).catch((error: Error) => {
    throw failed(error.message);
  });
  // backup.sh prints its record also when it fails (exit 1): the record names the cause.
  const record = parseBackupRun(ran.stdout);
  if (record === undefined)
    throw failed(
      `backup.sh printed no result (exit ${ran.code}): ${ran.stderr.trim().split("\n").slice(-3).join(" | ")}`,
    );
  if (record.outcome === "failure") throw failed(record.error ?? "no reason given");
  if (record.outcome === "skipped") return done(false, `${upgrade}: nothing to back up: ${record.reason}`);
  return done(
    true,
    `${upgrade}: snapshot ${record.snapshot} of the data ${decision.synapseImage} made`,
    record.snapshot,
  );
}

/** The dynamic provider the engine runs, from a bundled text of this module (provider-text.ts). */
export class PreUpgradeBackupProvider implements pulumi.dynamic.ResourceProvider {
  async create(inputs: PreUpgradeBackupInputs) {
    return { id: inputs.containers.backup, outs: { ...withoutProviderText(inputs), ...(await run(inputs)) } };
  }

  async diff(_id: string, olds: PreUpgradeBackupInputs, news: PreUpgradeBackupInputs) {
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    const changes =
      olds.dockerHost !== news.dockerHost ||
      olds.timeoutSeconds !== news.timeoutSeconds ||
      !same(olds.containers, news.containers) ||
      !same(olds.wanted, news.wanted);
    return { changes, replaces: [], deleteBeforeReplace: false };
  }

  async update(_id: string, _olds: PreUpgradeBackupInputs, news: PreUpgradeBackupInputs) {
    return { outs: { ...withoutProviderText(news), ...(await run(news)) } };
  }
}
