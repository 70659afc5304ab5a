import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { OrgConfig } from "../lib/model";
import { SECRET_SPECS, SecretName, SecretValues, secretPlaceholder } from "../lib/secrets";

export interface FleetSecretsArgs {
  readonly org: OrgConfig;
}

/** The secrets a stack needs: only those of enabled components. */
export function neededSecrets(org: OrgConfig): SecretName[] {
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
  return needed;
}

/**
 * One `RandomPassword` per secret, each generated once and handed to every consumer. `keepers` ties a secret to
 * its rotation group's config value: bumping `secretRotation.<group>` regenerates exactly that group, and every
 * consumer of it is replaced in the same `pulumi up`.
 */
export class FleetSecrets extends pulumi.ComponentResource {
  /** Every secret value (placeholders for secrets of disabled components), marked secret. */
  readonly values: pulumi.Output<SecretValues>;

  constructor(name: string, args: FleetSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-fleet:secrets:FleetSecrets", name, {}, opts);
    const { org } = args;
    const generated: Partial<Record<SecretName, pulumi.Output<string>>> = {};
    for (const secret of neededSecrets(org)) {
      const spec = SECRET_SPECS[secret];
      const password = new random.RandomPassword(
        secret.replace(/_/g, "-"),
        {
          length: spec.length,
          // Alphanumeric only: these values land in YAML, env files and turnserver.conf unquoted.
          special: false,
          keepers: spec.group === undefined ? {} : { rotation: org.secretRotation[spec.group] },
        },
        { parent: this },
      );
      generated[secret] = password.result;
    }
    const all = Object.fromEntries(
      (Object.keys(SECRET_SPECS) as SecretName[]).map((secret) => [
        secret,
        generated[secret] ?? pulumi.output(secretPlaceholder(secret)),
      ]),
    ) as Record<SecretName, pulumi.Output<string>>;
    this.values = pulumi.secret(pulumi.all(all)).apply((values) => values as SecretValues);
    this.registerOutputs({ values: this.values });
  }
}
