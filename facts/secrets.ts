/** Rotation groups: bumping `secretRotation.<group>` regenerates every secret of the group. */
export type SecretGroup = "turn" | "livekit" | "synapse" | "jitsi" | "monitoring";

/**
 * Every secret a stack can use. One secret is generated once (a `@pulumi/random` resource) and handed to every
 * consumer, so that e.g. Synapse and coturn can never disagree on the TURN secret. Who consumes each is not listed
 * here: summary.md finds it in the rendered documents (config-templates/secret-uses.ts). `alsoGivenTo` names a consumer
 * the components feed from a rendered value rather than from a file of its own.
 */
export const SECRET_SPECS = {
  turn_shared_secret: {
    length: 48,
    group: "turn",
  },
  livekit_api_key: {
    length: 16,
    group: "livekit",
  },
  livekit_api_secret: {
    // LiveKit logs an error for secrets under 32 characters; 48 leaves room.
    length: 48,
    group: "livekit",
  },
  registration_shared_secret: {
    length: 64,
    group: "synapse",
  },
  macaroon_secret_key: { length: 64, group: "synapse" },
  form_secret: { length: 64, group: "synapse" },
  // The database password is set once when PostgreSQL initialises its data volume; rotating it would need an
  // ALTER ROLE in the running database, so it has no rotation group on purpose.
  postgres_password: {
    length: 40,
    group: undefined,
    alsoGivenTo: "the PostgreSQL container's `POSTGRES_PASSWORD` (the same value, components/synapse.ts)",
  },
  jicofo_auth_password: {
    length: 32,
    group: "jitsi",
  },
  jvb_auth_password: { length: 32, group: "jitsi" },
  // Monitoring (issue #27). LiveKit's metrics endpoint sits on the host network: Basic auth keeps it closed even
  // where the Docker host holds the public address itself.
  livekit_metrics_password: { length: 40, group: "monitoring" },
  // postgres-exporter's own role (pg_monitor only): rotatable, its provider sets the password with ALTER ROLE.
  postgres_monitor_password: { length: 40, group: "monitoring" },
  // The call probe's and the alert bot's Matrix accounts (no admin rights); a new value is set in Synapse by
  // components/monitoring-accounts-provider.ts.
  probe_password: {
    length: 40,
    group: "monitoring",
    alsoGivenTo: "the call probe's Matrix account (registered by components/monitoring-accounts-provider.ts)",
  },
  alert_bot_password: {
    length: 40,
    group: "monitoring",
    alsoGivenTo: "the alert bot's Matrix account (registered by components/monitoring-accounts-provider.ts)",
  },
  // The backup repository's password (restic encrypts every snapshot with a key it unlocks). A new value would not
  // open the existing repository, so it has no rotation group: restic's `key add`/`key remove` rotate it, by hand.
  backup_password: {
    length: 48,
    group: undefined,
    alsoGivenTo:
      "the operator: `pulumi stack output --show-secrets backupPassword` (without it the backups are unreadable)",
  },
} as const satisfies Record<string, { length: number; group: SecretGroup | undefined; alsoGivenTo?: string }>;

export type SecretName = keyof typeof SECRET_SPECS;
export const SECRET_NAMES = Object.keys(SECRET_SPECS) as SecretName[];

/** The secrets a stack needs: only those of enabled components. */
export function neededSecrets(org: {
  readonly components: {
    readonly coturn: boolean;
    readonly matrixRtc: boolean;
    readonly jitsi: boolean;
    readonly monitoring: boolean;
  };
  readonly backup: { readonly enabled: boolean };
}): SecretName[] {
  const c = org.components;
  const needed: SecretName[] = [
    "registration_shared_secret",
    "macaroon_secret_key",
    "form_secret",
    "postgres_password",
  ];
  if (c.coturn) needed.push("turn_shared_secret");
  if (c.matrixRtc) needed.push("livekit_api_key", "livekit_api_secret");
  if (c.jitsi) needed.push("jicofo_auth_password", "jvb_auth_password");
  if (c.monitoring) {
    needed.push("postgres_monitor_password", "probe_password", "alert_bot_password");
    if (c.matrixRtc) needed.push("livekit_metrics_password");
  }
  if (org.backup.enabled) needed.push("backup_password");
  return needed;
}

/** The secret values a renderer needs: real values (Pulumi, `--secrets`) or placeholders (review output). */
export type SecretValues = Readonly<Record<SecretName, string>>;

export function secretPlaceholder(name: SecretName): string {
  return `{{secret:${name}}}`;
}

const PLACEHOLDER = /^\{\{secret:[a-z_]+\}\}$/;

export function isSecretPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value);
}

/** Stable placeholders: the same placeholder wherever the same secret is used, so sharing is visible in review. */
export function placeholderSecrets(): SecretValues {
  return Object.fromEntries(SECRET_NAMES.map((name) => [name, secretPlaceholder(name)])) as Record<
    SecretName,
    string
  >;
}

/**
 * Merges operator-supplied values (e.g. from `render --secrets lab-secrets.yaml`) over the placeholders.
 * Returns the names that were unknown so the caller can report them.
 */
export function mergeSecretValues(supplied: Readonly<Record<string, unknown>>): {
  values: SecretValues;
  unknown: string[];
  invalid: string[];
} {
  const values: Record<string, string> = { ...placeholderSecrets() };
  const unknown: string[] = [];
  const invalid: string[] = [];
  for (const [name, value] of Object.entries(supplied)) {
    if (!(name in SECRET_SPECS)) unknown.push(name);
    else if (typeof value !== "string" || value === "") invalid.push(name);
    else values[name] = value;
  }
  return { values: values as SecretValues, unknown, invalid };
}
