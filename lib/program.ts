import * as pulumi from "@pulumi/pulumi";
import { analyseStack } from "./analyse";
import { OrgConfig } from "./model";
import { ConfigError, formatProblems } from "./problems";
import { placeholderSecrets } from "./secrets";
import { projectConfig } from "./stack-config";
import { PROJECT_DIR } from "./stack-files";

/**
 * The Pulumi program's view of its stack config: the engine hands every value as a string (structured values as
 * JSON), so they are decoded before the same `analyseStack` that `render` uses. A ConfigError becomes a
 * `RunError`: Pulumi prints the message alone, without a stack trace.
 */
export function loadProgramConfig(): OrgConfig {
  const stack = pulumi.getStack();
  const values = projectConfig(decodeEngineConfig(pulumi.runtime.allConfig()));
  try {
    // Preflight judges documents with placeholder secrets: no check depends on a generated value.
    return analyseStack(stack, values, {
      projectDir: PROJECT_DIR,
      secrets: placeholderSecrets(),
      deploying: !pulumi.runtime.isDryRun(),
    }).org;
  } catch (error) {
    if (error instanceof ConfigError) throw new pulumi.RunError(formatProblems(error.problems));
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
