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
    explanation: `outside the rollback window: ${state} (${databaseCompat} > ${imageSchema}), so that Synapse refuses this database as too new`,
    steps: [
      `restore the backup taken before the upgrade (./fleet restore --stack ${stack}, docs/backups.md), then`,
      `pulumi config set --path images.synapse ${image} --stack ${stack}`,
      `pulumi up --stack ${stack}`,
    ],
  };
}
