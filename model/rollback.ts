/**
 * Whether Synapse may go back to an older image (docs/upgrades.md, "Rolling back Synapse"): Synapse refuses a
 * database whose `schema_compat_version` is greater than its own `SCHEMA_VERSION` ("Cannot use this database as it
 * is too new for the server to understand", synapse/storage/prepare_database.py), so the decision reads both, never
 * guesses them from version numbers: the database's value with psql, the image's constant from the image itself.
 */
export interface RollbackFacts {
  readonly stack: string;
  readonly image: string;
  /** `SELECT compat_version FROM schema_compat_version` of the organisation's database. */
  readonly databaseCompat: number;
  /** `SELECT version FROM schema_version`. */
  readonly databaseSchema: number;
  /** `synapse.storage.schema.SCHEMA_VERSION` of the image to go back to. */
  readonly imageSchema: number;
  /**
   * The snapshot `pulumi up` took before it last replaced Synapse or PostgreSQL (the backup's status,
   * `lastPreUpgrade`): undefined when there is none, null when the stack has no backups.
   */
  readonly preUpgrade?: PreUpgradeSnapshot | null;
}

export interface PreUpgradeSnapshot {
  readonly snapshot: string;
  /** When it was taken (ISO 8601, UTC). */
  readonly at: string;
  /** The Synapse image that made its data, and the upgrade that followed, in words. */
  readonly synapseImage?: string;
  readonly upgrade?: string;
}

export type RollbackDecision =
  | { readonly kind: "previous-image"; readonly explanation: string; readonly steps: readonly string[] }
  | { readonly kind: "restore-backup"; readonly explanation: string; readonly steps: readonly string[] };

export function rollbackDecision(facts: RollbackFacts): RollbackDecision {
  const { stack, image, databaseCompat, databaseSchema, imageSchema } = facts;
  const state = `the database has schema ${databaseSchema} and compat version ${databaseCompat}; ${image} has SCHEMA_VERSION ${imageSchema}`;
  if (databaseCompat <= imageSchema)
    return {
      kind: "previous-image",
      explanation: `inside the rollback window: ${state} (${databaseCompat} <= ${imageSchema}), so that Synapse runs this database`,
      steps: [
        `pulumi config set --path images.synapse ${image} --stack ${stack}`,
        `pulumi up --stack ${stack}`,
      ],
    };
  return {
    kind: "restore-backup",
    explanation: `outside the rollback window: ${state} (${databaseCompat} > ${imageSchema}), so that Synapse refuses this database as too new; ${restoreExplanation(facts)}`,
    steps: restoreSteps(facts),
  };
}

function restoreExplanation({ image, preUpgrade }: RollbackFacts): string {
  if (preUpgrade === null)
    return "and the stack has no backups (backup.enabled: false): restore your own backup";
  if (preUpgrade === undefined)
    return "and no backup was taken before an upgrade: restore the newest snapshot taken before it (./fleet restore lists them)";
  const made = preUpgrade.synapseImage ? ` of the data ${preUpgrade.synapseImage} made` : "";
  const other =
    preUpgrade.synapseImage && preUpgrade.synapseImage !== image
      ? `; that is not ${image}: to go back to the image that made it, ask again with --to ${preUpgrade.synapseImage}`
      : "";
  return `restore snapshot ${preUpgrade.snapshot}, taken before the upgrade at ${preUpgrade.at}${made} (${preUpgrade.upgrade ?? "before an upgrade"}); what was written after it is not in it${other}`;
}

/**
 * The way back through the snapshot: the image first, so that the restore leaves Synapse stopped (its container runs
 * another image than images.synapse) instead of starting the new Synapse on the old data; then `up` starts the old
 * image on the restored database, its health gate and the upgrade gate checking it.
 */
function restoreSteps({ stack, image, preUpgrade }: RollbackFacts): string[] {
  const snapshot = preUpgrade ? ` --snapshot ${preUpgrade.snapshot}` : " --snapshot <id>";
  if (preUpgrade === null)
    return [`restore the database and media from your own backup, then set ${image} and pulumi up`];
  return [
    `pulumi config set --path images.synapse ${image} --stack ${stack}`,
    `./fleet restore --stack ${stack}${snapshot} --replace-database --replace-files`,
    `pulumi up --stack ${stack}`,
    `npm run verify -- --stack ${stack}`,
  ];
}
