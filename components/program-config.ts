import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { engineReadingProblems } from "../config/yaml-readings";
import { analyseStack } from "../checks/analyse";
import { OrgConfig } from "../config/model";
import { ConfigError, Problem, formatProblems, problem } from "../config/problems";
import { placeholderSecrets } from "../facts/secrets";
import { projectConfig } from "../config/stack-config";
import { PROJECT_DIR, readStackFile } from "../config/stack-files";
import {
  adoptedSecretMarkers,
  adoptedSecretValueProblems,
  adoptedSecretValues,
  adoptedSecretsInClear,
} from "../config/adoption-config";

/**
 * The Pulumi program's view of its stack config: the engine hands every value as a string (structured values as
 * JSON), so they are decoded before the same `analyseStack` that `render` uses. A ConfigError becomes a
 * `RunError`: Pulumi prints the message alone, without a stack trace.
 */
export interface ProgramConfig {
  readonly org: OrgConfig;
  /** Existing values of the adopted secrets, marked secret. */
  readonly adoptedSecretValues: pulumi.Output<Record<string, string>>;
  /** The alerts' SMTP password (secret config `monitoringSmtpPassword`), when set. */
  readonly smtpPassword: pulumi.Output<string> | undefined;
  /** Values of secret config `backupCredentials`, marked secret. */
  readonly backupCredentialValues: pulumi.Output<Record<string, string>>;
  /** Preflight's warnings (checks/warnings.ts): logged by the program, so preview and up show them. */
  readonly warnings: readonly Problem[];
}

export function loadProgramConfig(): ProgramConfig {
  const stack = pulumi.getStack();
  const deploying = !pulumi.runtime.isDryRun();
  const values = projectConfig(decodeEngineConfig(pulumi.runtime.allConfig()));
  const adoptedValues = adoptedSecretValues(values.adoptedSecrets);
  values.adoptedSecrets = adoptedSecretMarkers(values.adoptedSecrets);
  const credentialValues = adoptedSecretValues(values.backupCredentials);
  values.backupCredentials = adoptedSecretMarkers(values.backupCredentials);
  // The engine hands npmSecret decrypted; whether the file holds it encrypted is checked on the file below.
  if (typeof values.npmSecret === "string") values.npmSecret = { secure: "(decrypted by the Pulumi engine)" };
  if (typeof values.monitoringSmtpPassword === "string")
    values.monitoringSmtpPassword = { secure: "(decrypted by the Pulumi engine)" };
  const smtpPassword = new pulumi.Config().getSecret("monitoringSmtpPassword");
  const missing = deploying ? missingNpmCredentials(stack) : [];
  try {
    // Preflight judges documents with placeholder secrets: no check depends on a generated value.
    const { org, warnings } = analyseStack(stack, values, {
      projectDir: PROJECT_DIR,
      secrets: placeholderSecrets(),
      deploying,
    });
    const file = ownStackFile(stack);
    const adoptionProblems = [
      ...ownStackFileReadings(stack),
      ...smtpPasswordProblems(stack, org, file, deploying && smtpPassword === undefined),
      ...clearTextProblems(stack, file),
      ...adoptedSecretValueProblems(stack, org.adoption.secrets, adoptedValues),
    ];
    if (missing.length + adoptionProblems.length > 0)
      throw new ConfigError([...missing, ...adoptionProblems]);
    return {
      org,
      adoptedSecretValues: pulumi.secret(adoptedValues),
      smtpPassword,
      backupCredentialValues: pulumi.secret(credentialValues),
      warnings,
    };
  } catch (error) {
    if (error instanceof ConfigError)
      throw new pulumi.RunError(
        formatProblems([...error.problems, ...missing.filter((m) => !error.problems.includes(m))]),
      );
    throw error;
  }
}

/**
 * The alerts' SMTP password: needed at `pulumi up` when the e-mail delivery logs in, and never in clear text in the
 * stack file.
 */
function smtpPasswordProblems(
  stack: string,
  org: OrgConfig,
  file: Record<string, unknown>,
  missing: boolean,
): Problem[] {
  const email = org.components.monitoring ? org.monitoring.alerts.email : undefined;
  const fix = `pulumi config set --secret monitoringSmtpPassword --stack ${stack} (value on stdin)`;
  return [
    ...(missing && email?.username !== undefined
      ? [
          problem(
            stack,
            "monitoringSmtpPassword",
            `is not set, and monitoring.alerts.email logs in to ${email.smarthost} as ${email.username}`,
            `${fix}, or remove monitoring.alerts.email.username`,
          ),
        ]
      : []),
    ...(typeof file.monitoringSmtpPassword === "string"
      ? [
          problem(
            stack,
            "monitoringSmtpPassword",
            `is in clear text in Pulumi.${stack}.yaml: the SMTP password would sit in a reviewed file`,
            `remove it from the file, then set it with: ${fix}`,
          ),
        ]
      : []),
  ];
}

/** Secrets the stack file holds in clear text: the NPM password, adopted secrets, backup credentials. */
function clearTextProblems(stack: string, file: Record<string, unknown>): Problem[] {
  return [
    ...(typeof file.npmSecret === "string"
      ? [
          problem(
            stack,
            "npmSecret",
            `is in clear text in Pulumi.${stack}.yaml: the NPM admin password would sit in a reviewed file`,
            `remove it from the file, then set it with: pulumi config set --secret npmSecret --stack ${stack} (value on stdin)`,
          ),
        ]
      : []),
    ...(["adoptedSecrets", "backupCredentials"] as const).flatMap((key) =>
      adoptedSecretsInClear(file, key).map((name) =>
        problem(
          stack,
          `${key}.${name}`,
          `is in clear text in Pulumi.${stack}.yaml; ${key === "adoptedSecrets" ? "a live secret" : "a credential"} must never sit in a reviewed file`,
          `remove it from the file, then set it again with: pulumi config set --stack ${stack} --secret --path '${key}.${name}' (value on stdin)`,
        ),
      ),
    ),
  ];
}

/** `pulumi up` manages the proxy hosts with the NPM login: both halves must be set (as secrets). */
function missingNpmCredentials(stack: string): Problem[] {
  const config = new pulumi.Config();
  // A preview plans proxy hosts without calling NPM; at `pulumi up` the NPM providers read these two from the
  // stack config themselves (they are no resource input, so never in a resource's state).
  const keys: Array<[key: string, what: string]> = [
    ["npmIdentity", "<NPM admin e-mail>"],
    ["npmSecret", "<NPM admin password>"],
  ];
  return keys
    .filter(([key]) => config.getSecret(key) === undefined)
    .map(([key, what]) =>
      problem(
        stack,
        key,
        "is not set; pulumi up manages the proxy hosts on Nginx Proxy Manager with it",
        `pulumi config set --secret ${key} ${what} --stack ${stack}`,
      ),
    );
}

/** Values of the stack's own file that the engine reads otherwise than render does (config/yaml-readings.ts). */
function ownStackFileReadings(stack: string): ReturnType<typeof engineReadingProblems> {
  try {
    return engineReadingProblems(
      stack,
      fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8"),
    );
  } catch {
    return [];
  }
}

/** The stack's own file, when the program runs from the repository (it does under the Pulumi CLI). */
function ownStackFile(stack: string): Record<string, unknown> {
  try {
    return readStackFile(stack, PROJECT_DIR);
  } catch {
    return {};
  }
}

function decodeEngineConfig(config: Readonly<Record<string, string>>): Record<string, unknown> {
  const decoded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    decoded[key] = /^\s*[[{]/.test(value) ? tryJson(value) : value;
  }
  return decoded;
}

function tryJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
