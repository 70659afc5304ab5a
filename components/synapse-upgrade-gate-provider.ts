import type * as pulumi from "@pulumi/pulumi";
import { dockerCli } from "./docker-cli";
import { withoutProviderText } from "./provider-outputs";

/**
 * The upgrade gate: after a new Synapse container is healthy (its schema migrations are done, it serves), `pulumi
 * up` still waits until the database holds no background update, so that an upgrade reports success only when
 * Synapse has finished migrating, and the next upgrade never stacks its updates on unfinished ones (Synapse
 * docs/upgrade.md, "Upgrading from a very old version"). Synapse's updater works through the `background_updates`
 * table and deletes each row when its update is done; the admin API's `background_updates/status` shows only the one
 * in progress at that moment (docs/upstream/synapse.md §9), so the table is what is read, with psql inside the
 * PostgreSQL container (local socket; the image trusts local connections). The gate also records the database's
 * schema version and `schema_compat_version`: the oldest Synapse that may run the database again (the rollback
 * window, docs/upgrades.md).
 */
export interface UpgradeGateInputs {
  readonly dockerHost: string;
  readonly postgresContainer: string;
  readonly database: string;
  readonly user: string;
  /** The Synapse container's ID and image: a new Synapse is waited for again. */
  readonly synapseContainerId: string;
  readonly synapseImage: string;
  readonly timeoutSeconds: number;
  /** Between two looks at the table. */
  readonly pollMs: number;
}

export interface UpgradeGateOutputs {
  /** Seconds the gate waited for background updates, and how many it saw pending when it started. */
  readonly waitedSeconds: number;
  readonly pendingAtStart: number;
  /** The first ten of them, by name (what the new Synapse brought, and what was queued before it). */
  readonly pendingNamesAtStart: readonly string[];
  readonly schemaVersion: number;
  readonly schemaCompatVersion: number;
}

/** PostgreSQL's answers while it starts (a replaced container recovering): worth asking again, for a while. */
const STARTING =
  /not yet accepting connections|is starting up|shutting down|Connection refused|is not running/i;

async function query(inputs: UpgradeGateInputs, sql: string): Promise<string[]> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      return await queryOnce(inputs, sql);
    } catch (error) {
      if (!STARTING.test((error as Error).message) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.max(inputs.pollMs, 500)));
    }
  }
}

async function queryOnce(inputs: UpgradeGateInputs, sql: string): Promise<string[]> {
  const out = await dockerCli(inputs.dockerHost, [
    "exec",
    inputs.postgresContainer,
    "psql",
    "-U",
    inputs.user,
    "-d",
    inputs.database,
    "-v",
    "ON_ERROR_STOP=1",
    "-Atc",
    sql,
  ]);
  return out.split("\n").filter((line) => line.trim() !== "");
}

/** The schema version and compat version Synapse recorded in the database. */
export async function schemaState(inputs: UpgradeGateInputs): Promise<{ version: number; compat: number }> {
  const [version] = await query(inputs, "SELECT version FROM schema_version");
  const [compat] = await query(inputs, "SELECT compat_version FROM schema_compat_version");
  return { version: Number(version), compat: Number(compat) };
}

async function waitForBackgroundUpdates(inputs: UpgradeGateInputs): Promise<UpgradeGateOutputs> {
  const started = Date.now();
  let pending = await query(
    inputs,
    "SELECT update_name FROM background_updates ORDER BY ordering, update_name",
  );
  const pendingAtStart = pending.length;
  const namesAtStart = pending.slice(0, 10);
  while (pending.length > 0 && Date.now() - started < inputs.timeoutSeconds * 1000) {
    await new Promise((resolve) => setTimeout(resolve, inputs.pollMs));
    pending = await query(
      inputs,
      "SELECT update_name FROM background_updates ORDER BY ordering, update_name",
    );
  }
  if (pending.length > 0)
    throw new Error(
      `Synapse (${inputs.synapseImage}) still has ${pending.length} background update(s) after ` +
        `${inputs.timeoutSeconds} s: ${pending.slice(0, 10).join(", ")}${pending.length > 10 ? ", ..." : ""}. ` +
        "It keeps running them: run `pulumi up` again when they are done (GET /_synapse/admin/v1/background_updates/status) " +
        "and do not start the next upgrade before",
    );
  const { version, compat } = await schemaState(inputs);
  return {
    waitedSeconds: Math.round((Date.now() - started) / 1000),
    pendingAtStart,
    pendingNamesAtStart: namesAtStart,
    schemaVersion: version,
    schemaCompatVersion: compat,
  };
}

/** The dynamic provider the engine runs for the gate, from a bundled text of this module (provider-text.ts). */
export class UpgradeGateProvider implements pulumi.dynamic.ResourceProvider {
  async create(inputs: UpgradeGateInputs) {
    const outs = await waitForBackgroundUpdates(inputs);
    return { id: inputs.postgresContainer, outs: { ...withoutProviderText(inputs), ...outs } };
  }

  async diff(_id: string, olds: UpgradeGateInputs, news: UpgradeGateInputs) {
    const replaces = (["synapseContainerId", "dockerHost", "postgresContainer", "database"] as const).filter(
      (k) => olds[k] !== news[k],
    );
    const changes =
      replaces.length > 0 ||
      olds.timeoutSeconds !== news.timeoutSeconds ||
      olds.synapseImage !== news.synapseImage ||
      olds.user !== news.user;
    return { changes, replaces };
  }

  async update(_id: string, olds: UpgradeGateInputs & UpgradeGateOutputs, news: UpgradeGateInputs) {
    const { waitedSeconds, pendingAtStart, schemaVersion, schemaCompatVersion } = olds;
    return {
      outs: {
        ...withoutProviderText(news),
        waitedSeconds,
        pendingAtStart,
        schemaVersion,
        schemaCompatVersion,
      },
    };
  }
}
