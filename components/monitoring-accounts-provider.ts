import type * as pulumi from "@pulumi/pulumi";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { withoutProviderText } from "./provider-outputs";

/**
 * The monitoring's accounts, made where the data lives: the call probe's and the alert bot's Matrix accounts (no
 * admin rights) with Synapse's own `register_new_matrix_user` inside the Synapse container, which reads the
 * registration secret from homeserver.yaml there, and postgres-exporter's PostgreSQL role (member of pg_monitor only)
 * with psql inside the PostgreSQL container. Passwords go over stdin, never on a command line; the docker CLI reaches
 * ssh:// hosts the way the Docker provider does (components/docker-cli.ts).
 *
 * An account that exists with another password (a rotation, or a stack destroyed and created again on its retained
 * database) gets the generated one the way Synapse's own `hash_password` tool is meant for ("so that passwords can be
 * reset"): the hash made by that tool inside the Synapse container, written to Synapse's `users` table with psql.
 * Only the monitoring's own two accounts are ever touched.
 */
export interface MatrixAccount {
  readonly user: string;
  readonly password: string;
}

export interface AccountsInputs {
  readonly dockerHost: string;
  readonly synapseContainer: string;
  readonly synapsePort: number;
  readonly serverName: string;
  readonly matrixAccounts: readonly MatrixAccount[];
  readonly postgresContainer: string;
  readonly database: { readonly user: string; readonly name: string };
  readonly monitorRole: string;
  readonly monitorPassword: string;
  /**
   * The ID of the PostgreSQL container the exporter's role was made in. A role lives in PostgreSQL's cluster, not in
   * a database's dump: a cluster made again (a lost Docker host restored from its backup, a new major restored from
   * a dump) has none, so a new container gets the role again. The Matrix accounts are data of the database, which
   * its backup brings back; made on a new host's empty database, they would make it look used to `./fleet restore`.
   */
  readonly postgresContainerId: string;
}

/** What the state keeps: no password, only a digest of each, so a changed one is seen by `diff`. */
export interface AccountsOutputs {
  readonly users: readonly string[];
  readonly monitorRole: string;
  readonly digests: Readonly<Record<string, string>>;
  readonly postgresContainerId: string;
}

function dockerWithInput(host: string, args: readonly string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "docker",
      ["-H", host, ...args],
      { timeout: 60_000, maxBuffer: 1 << 20 },
      (error, out, err) => {
        if (error === null) resolve(`${out}`);
        else
          reject(
            new Error(
              `docker -H ${host} ${args.slice(0, 3).join(" ")} …: ${`${err}`.trim() || error.message}`,
            ),
          );
      },
    );
    child.stdin?.end(input);
  });
}

const digest = (value: string) => createHash("sha256").update(value).digest("hex");

function outputsOf(inputs: AccountsInputs): AccountsOutputs {
  return {
    users: inputs.matrixAccounts.map((a) => a.user),
    monitorRole: inputs.monitorRole,
    digests: Object.fromEntries([
      ...inputs.matrixAccounts.map((a) => [a.user, digest(a.password)]),
      [inputs.monitorRole, digest(inputs.monitorPassword)],
    ]),
    postgresContainerId: inputs.postgresContainerId,
  };
}

/** Registers one non-admin account (kept if it exists) and proves its password with a login. */
async function ensureMatrixAccount(inputs: AccountsInputs, account: MatrixAccount): Promise<void> {
  const local = `http://localhost:${inputs.synapsePort}`;
  await dockerWithInput(
    inputs.dockerHost,
    [
      "exec",
      "-i",
      inputs.synapseContainer,
      "register_new_matrix_user",
      "-c",
      "/config/homeserver.yaml",
      "--no-admin",
      "--exists-ok",
      "-u",
      account.user,
      "--password-file",
      "/dev/stdin",
      local,
    ],
    account.password,
  );
  if (await logsIn(inputs, account)) return;
  await resetPassword(inputs, account);
  if (!(await logsIn(inputs, account)))
    throw new Error(
      `@${account.user}:${inputs.serverName} does not accept the password this stack generated for it, not even after it was reset in Synapse's users table (password_config in homeserver.yaml?)`,
    );
}

/** Whether Synapse lets the account log in with its password (on one fixed device: no device piles up). */
async function logsIn(inputs: AccountsInputs, account: MatrixAccount): Promise<boolean> {
  const login = JSON.stringify({
    type: "m.login.password",
    identifier: { type: "m.id.user", user: account.user },
    password: account.password,
    device_id: "MATRIX_FLEET_PROVISIONING",
  });
  const answer = await dockerWithInput(
    inputs.dockerHost,
    [
      "exec",
      "-i",
      inputs.synapseContainer,
      "curl",
      "-sS",
      "-X",
      "POST",
      "--data-binary",
      "@-",
      `http://localhost:${inputs.synapsePort}/_matrix/client/v3/login`,
    ],
    login,
  );
  return answer.includes('"access_token"');
}

/** Synapse's `hash_password` (bcrypt rounds and pepper from homeserver.yaml), written to its `users` table. */
async function resetPassword(inputs: AccountsInputs, account: MatrixAccount): Promise<void> {
  const hash = (
    await dockerWithInput(
      inputs.dockerHost,
      ["exec", "-i", inputs.synapseContainer, "hash_password", "-c", "/config/homeserver.yaml"],
      `${account.password}\n`,
    )
  ).trim();
  if (!/^\$2[aby]?\$\d+\$[./A-Za-z0-9]{53}$/.test(hash)) throw new Error(`hash_password gave no bcrypt hash`);
  const userId = `@${account.user}:${inputs.serverName}`.replace(/'/g, "''");
  await psql(inputs, `UPDATE users SET password_hash = '${hash}' WHERE name = '${userId}';`);
}

function psql(inputs: AccountsInputs, sql: string): Promise<string> {
  return dockerWithInput(
    inputs.dockerHost,
    [
      "exec",
      "-i",
      inputs.postgresContainer,
      "psql",
      "-q",
      "-v",
      "ON_ERROR_STOP=1",
      "-U",
      inputs.database.user,
      "-d",
      inputs.database.name,
    ],
    sql,
  );
}

/** Creates postgres-exporter's role if missing, and (re)sets its password and its one membership. */
async function ensureMonitorRole(inputs: AccountsInputs): Promise<void> {
  const role = inputs.monitorRole;
  const password = inputs.monitorPassword.replace(/'/g, "''");
  const sql = [
    `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role}; END IF; END $$;`,
    `ALTER ROLE ${role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}';`,
    `GRANT pg_monitor TO ${role};`,
  ].join("\n");
  await psql(inputs, sql);
}

async function provision(inputs: AccountsInputs): Promise<AccountsOutputs> {
  await ensureMonitorRole(inputs);
  for (const account of inputs.matrixAccounts) await ensureMatrixAccount(inputs, account);
  return outputsOf(inputs);
}

/** The dynamic provider the engine runs, from a bundled text of this module (provider-text.ts). */
export class MonitoringAccountsProvider implements pulumi.dynamic.ResourceProvider {
  async create(inputs: AccountsInputs) {
    return { id: `${inputs.synapseContainer}-accounts`, outs: await provision(withoutProviderText(inputs)) };
  }

  async diff(_id: string, olds: AccountsOutputs, news: AccountsInputs) {
    // Field by field: the engine hands the old outputs back with their keys in its own order.
    const next = outputsOf(news);
    const same = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>> | undefined) =>
      b !== undefined &&
      Object.keys(a).length === Object.keys(b).length &&
      Object.keys(a).every((k) => a[k] === b[k]);
    const changes =
      next.monitorRole !== olds.monitorRole ||
      next.users.join(",") !== (olds.users ?? []).join(",") ||
      !same(next.digests, olds.digests) ||
      next.postgresContainerId !== olds.postgresContainerId;
    return { changes };
  }

  async update(_id: string, olds: AccountsOutputs, news: AccountsInputs) {
    const inputs = withoutProviderText(news);
    const next = outputsOf(inputs);
    const accountsChanged =
      next.users.join(",") !== (olds.users ?? []).join(",") ||
      Object.keys(next.digests).some((k) => k !== next.monitorRole && next.digests[k] !== olds.digests?.[k]);
    if (accountsChanged) return { outs: await provision(inputs) };
    // Only the role's password or the PostgreSQL container changed: the Matrix accounts are left alone.
    await ensureMonitorRole(inputs);
    return { outs: next };
  }

  /** The accounts and the role stay: deactivating an account needs an admin, and the data is the organisation's. */
  async delete(): Promise<void> {}
}
