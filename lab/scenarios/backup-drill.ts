/**
 * What the restore drill (backups.ts) and its faults (backup-faults.ts) share: the drill's state, the organisation
 * as the operator tools read it, and the assertions a fault must be able to break.
 */
import assert from "node:assert/strict";
import { BackupRun } from "../../cli/backup-host";
import { loadStack } from "../../cli/backup";
import { OrgConfig } from "../../config/model";
import { backupChecks } from "../../verify/backup-checks";
import { CheckResult, newVerifyContext } from "../../verify/context";
import { targetOfStack } from "../../cli/verify-target-of";
import { LabFleet } from "../deploy/fleet";
import { BACKUP_DRILL_STACK, docker } from "../deploy/sites";
import { call } from "../matrix-client";
import { DrillSeed, seesEvent, send } from "./backup-drill-data";

export const DRILL_STACK = BACKUP_DRILL_STACK;
export const PEER = "produktor";

/** What the drill shares with its faults. */
export interface Drill {
  fleet: LabFleet;
  org: OrgConfig;
  seed: DrillSeed;
  first: BackupRun;
  second: BackupRun;
  /** The fresh engine's `pulumi up --refresh` and the restore, in seconds: the RTO. */
  rto: { up: number; restore: number };
}

/** The organisation as `./fleet backup`/`restore` read it: the lab workspace's stack file (lab addresses). */
export function drillOrg(fleet: LabFleet, stack = DRILL_STACK): OrgConfig {
  return loadStack(stack, fleet.workspace.dir);
}

/** verify's backup check alone (the whole verify runs in ./fleet restore). */
export async function verifyBackups(org: OrgConfig): Promise<CheckResult> {
  const ctx = newVerifyContext(targetOfStack(org), {});
  await backupChecks(ctx);
  const result = ctx.results.find((r) => r.name === "backups");
  assert.ok(result, "verify has a backups check");
  return result;
}

/** The signing key assertion: the server serves exactly the key ids (and keys) it served before the backup. */
export async function signingKeyUnchanged(drill: Drill): Promise<void> {
  const served = (await call(`https://${drill.org.hosts.homeserver}`, "GET", "/_matrix/key/v2/server")) as {
    verify_keys: Record<string, { key: string }>;
  };
  assert.deepEqual(
    served.verify_keys,
    drill.seed.verifyKeys,
    "the server's signing key changed: every peer knows it by its old key",
  );
}

/** Federation both ways with the peer, new events only: pro-dukt's reach produktor, produktor's reach pro-dukt. */
export async function peerAcceptsNewEvents(drill: Drill, label: string): Promise<void> {
  const room = drill.seed.rooms.federated;
  const anna = drill.seed.users[0]!.sessions[1]!;
  // Sent first from the restored side: the peer resets its backoff for a destination that talks to it again.
  const out = await send(anna, room, {
    msgtype: "m.text",
    body: `after the restore (${label}), to the peer`,
  });
  assert.ok(
    await seesEvent(drill.seed.peer, room, out, 60_000),
    `${PEER} did not receive ${out} within 60 s`,
  );
  const back = await send(drill.seed.peer, room, { msgtype: "m.text", body: `the peer answers (${label})` });
  assert.ok(await seesEvent(anna, room, back, 60_000), `${DRILL_STACK} did not receive ${back} within 60 s`);
}

/** The secrets a stack's services run with, read from them: Synapse's, the database's, the repository's password. */
export function runningSecrets(fleet: LabFleet, stack = DRILL_STACK): Record<string, string> {
  const homeserver = fleet.homeserver(stack) as Record<string, unknown> & {
    database: { args: { password: string } };
  };
  const env = JSON.parse(
    docker(fleet.site(stack), ["inspect", "--format", "{{json .Config.Env}}", `matrix-${stack}-backup`]),
  ) as string[];
  const resticPassword = env.find((e) => e.startsWith("RESTIC_PASSWORD="))?.slice("RESTIC_PASSWORD=".length);
  assert.ok(
    resticPassword !== undefined && resticPassword.length >= 32,
    "the backup container's RESTIC_PASSWORD",
  );
  const secrets: Record<string, string> = {
    backup_password: resticPassword,
    postgres_password: homeserver.database.args.password,
  };
  for (const key of [
    "registration_shared_secret",
    "macaroon_secret_key",
    "form_secret",
    "turn_shared_secret",
  ])
    if (typeof homeserver[key] === "string") secrets[key] = homeserver[key] as string;
  return secrets;
}

/** Fails naming the secret and the place when any of the values is in `text`. */
export function assertNoSecretIn(
  text: string,
  secrets: Readonly<Record<string, string>>,
  where: string,
): void {
  assert.ok(text.length > 0, `${where} was read`);
  for (const [name, value] of Object.entries(secrets))
    assert.ok(!text.includes(value), `${name} is in clear in ${where}`);
}
