/**
 * matrix-fleet: one organisation per Pulumi stack. Load the stack config, refuse anything preflight finds (all
 * problems at once, before a single resource exists), compose the organisation, export what operators need.
 */
import * as pulumi from "@pulumi/pulumi";
import { formatWarning } from "./checks/warnings";
import { HomeserverStack } from "./components/homeserver-stack";
import { loadProgramConfig } from "./components/program-config";
import { formatUnjudged, unjudgedOverrides } from "./config-templates/unjudged-overrides";
import { backupOutputs } from "./model/operator-outputs";

const { org, adoptedSecretValues, smtpPassword, backupCredentialValues, warnings } = loadProgramConfig();
// Shown in every preview's and up's diagnostics: what reaches a deployed file without matrix-fleet's judgement.
for (const line of unjudgedOverrides(org).map(formatUnjudged))
  pulumi.log.warn(`unjudged override, written as given and not checked: ${line}`);
// Preflight's warnings (e.g. calls larger than the host carries): shown, never refused.
for (const warning of warnings) pulumi.log.warn(formatWarning(warning).replace(/^warning: /, ""));
const fleet = new HomeserverStack(org.stack, {
  org,
  adoptedSecretValues,
  smtpPassword,
  backupCredentialValues,
});

export const urls = fleet.urls;
export const routerChecklist = fleet.routerChecklist;
export const firstAdminCommand = fleet.firstAdminCommand;
export const proxyHosts = fleet.proxyHosts.definitions;
/** Where this organisation's data lives: owned (protected, retained) volumes, adopted volumes or directories. */
export const stateStores = pulumi.all(
  fleet.stores.map((store) =>
    pulumi.all([store.id, store.kind, store.source]).apply(([id, kind, source]) => ({ id, kind, source })),
  ),
);
/** Where the backups go, how often, how long they are kept, and the commands that read the password and restore. */
export const backup = backupOutputs(org);
/** The backup repository's password (secret): without it the backups cannot be read. Keep a copy off the host. */
export const backupPassword = org.backup.enabled
  ? pulumi.secret(fleet.secrets.byName.backup_password)
  : undefined;
/** The backup the last `pulumi up` took before it replaced Synapse or PostgreSQL with another image, or why it took none. */
export const preUpgradeBackup = fleet.preUpgradeBackup && {
  taken: fleet.preUpgradeBackup.taken,
  snapshot: fleet.preUpgradeBackup.snapshot,
  at: fleet.preUpgradeBackup.at,
  reason: fleet.preUpgradeBackup.reason,
};
/** The database's schema version and the oldest Synapse schema that may run it again (the rollback window). */
export const synapseSchema = {
  version: fleet.upgradeGate.schemaVersion,
  compatVersion: fleet.upgradeGate.schemaCompatVersion,
};
