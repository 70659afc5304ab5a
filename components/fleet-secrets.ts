import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { OrgConfig } from "../config/model";
import { SECRET_SPECS, SecretName, SecretValues, neededSecrets, secretPlaceholder } from "../facts/secrets";

export interface FleetSecretsArgs {
  readonly org: OrgConfig;
  /** Values of the adopted secrets (`org.adoption.secrets`), from secret config; checked by `loadProgramConfig`. */
  readonly adoptedValues?: pulumi.Input<Readonly<Record<string, string>>>;
}

/**
 * One `RandomPassword` per secret, each generated once and handed to every consumer. `keepers` ties a secret to
 * its rotation group's config value: bumping `secretRotation.<group>` regenerates exactly that group, and every
 * consumer of it is replaced in the same `pulumi up`.
 *
 * An adopted secret keeps the value the running deployment already uses and gets no RandomPassword, so nothing
 * changes for users or TURN/LiveKit credentials at cut-over. Rotating it later means removing it from
 * `adoptedSecrets`: the next `pulumi up` generates a new value and replaces its consumers.
 */
export class FleetSecrets extends pulumi.ComponentResource {
  /** Every secret value (placeholders for secrets of disabled components), marked secret. */
  readonly values: pulumi.Output<SecretValues>;
  /** The same values one by one, so that each document can depend on exactly the secrets it contains. */
  readonly byName: Readonly<Record<SecretName, pulumi.Output<string>>>;
  /** The resource that generates each generated secret (adopted ones have none): consumers are replaced with it. */
  readonly generators: Readonly<Partial<Record<SecretName, random.RandomPassword>>>;

  constructor(name: string, args: FleetSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-fleet:secrets:FleetSecrets", name, {}, opts);
    const { org } = args;
    const generated: Partial<Record<SecretName, pulumi.Output<string>>> = {};
    const generators: Partial<Record<SecretName, random.RandomPassword>> = {};
    const adopted = new Set(org.adoption.secrets);
    const adoptedValues = pulumi.secret(pulumi.output(args.adoptedValues ?? {}));
    for (const secret of neededSecrets(org)) {
      if (adopted.has(secret)) {
        generated[secret] = adoptedValues.apply((values) => {
          const value = values[secret];
          if (value === undefined) throw new Error(`adopted secret ${secret} has no value`);
          return value;
        });
        continue;
      }
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
      generators[secret] = password;
    }
    const all = Object.fromEntries(
      (Object.keys(SECRET_SPECS) as SecretName[]).map((secret) => [
        secret,
        generated[secret] ?? pulumi.output(secretPlaceholder(secret)),
      ]),
    ) as Record<SecretName, pulumi.Output<string>>;
    this.byName = all;
    this.generators = generators;
    this.values = pulumi.secret(pulumi.all(all)).apply((values) => values as SecretValues);
    this.registerOutputs({ values: this.values });
  }
}
