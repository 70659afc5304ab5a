import * as pulumi from "@pulumi/pulumi";
import { analyseStack } from "./analyse";
import { OrgConfig } from "./model";
import { NpmCredentialInputs } from "../components/proxy-hosts";
import { ConfigError, formatProblems, problem } from "./problems";
import { placeholderSecrets } from "./secrets";
import { projectConfig } from "./stack-config";
import { PROJECT_DIR } from "./stack-files";

/**
 * The Pulumi program's view of its stack config: the engine hands every value as a string (structured values as
 * JSON), so they are decoded before the same `analyseStack` that `render` uses. A ConfigError becomes a
 * `RunError`: Pulumi prints the message alone, without a stack trace.
 */
export interface ProgramConfig {
  readonly org: OrgConfig;
  readonly npmCredentials: NpmCredentialInputs;
}

export function loadProgramConfig(): ProgramConfig {
  const stack = pulumi.getStack();
  const deploying = !pulumi.runtime.isDryRun();
  const values = projectConfig(decodeEngineConfig(pulumi.runtime.allConfig()));
  const config = new pulumi.Config();
  const identity = config.getSecret("npmIdentity");
  const secret = config.getSecret("npmSecret");
  // A preview plans proxy hosts without calling NPM; `pulumi up` needs the admin credentials.
  const missing = deploying
    ? [
        ...(identity === undefined
          ? [
              problem(
                stack,
                "npmIdentity",
                "is not set; pulumi up manages the proxy hosts on Nginx Proxy Manager with it",
                `pulumi config set --secret npmIdentity <NPM admin e-mail> --stack ${stack}`,
              ),
            ]
          : []),
        ...(secret === undefined
          ? [
              problem(
                stack,
                "npmSecret",
                "is not set; pulumi up manages the proxy hosts on Nginx Proxy Manager with it",
                `pulumi config set --secret npmSecret <NPM admin password> --stack ${stack}`,
              ),
            ]
          : []),
      ]
    : [];
  try {
    // Preflight judges documents with placeholder secrets: no check depends on a generated value.
    const { org } = analyseStack(stack, values, {
      projectDir: PROJECT_DIR,
      secrets: placeholderSecrets(),
      deploying,
    });
    if (missing.length > 0) throw new ConfigError(missing);
    return {
      org,
      npmCredentials: { identity: identity ?? pulumi.secret(""), secret: secret ?? pulumi.secret("") },
    };
  } catch (error) {
    if (error instanceof ConfigError)
      throw new pulumi.RunError(
        formatProblems([...error.problems, ...missing.filter((m) => !error.problems.includes(m))]),
      );
    throw error;
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
