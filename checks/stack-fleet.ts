import { OrgConfig } from "../config/model";
import { ConfigError, Problem, problem } from "../config/problems";
import { ParsedStack, parseStackConfig } from "../config/stack-config";
import { listStacks, readStackFile } from "../config/stack-files";
import { FleetIndex, indexFleet } from "./fleet-index";

/**
 * Every stack file of a project, read and parsed once, and the fleet checks indexed over them once: what one
 * command needs to analyse any number of its stacks. Before, each stack's analysis read and parsed every other
 * stack file and compared every pair of stacks, so `render --stack all` grew with the square of the fleet.
 */
export interface StackFleet {
  /** Stack names, sorted (the order the fleet checks see the other stacks in). */
  readonly stacks: readonly string[];
  /** A stack file's values; throws the ConfigError `readStackFile` throws for it (bad YAML, no such stack). */
  values(stack: string): Record<string, unknown>;
  /** The fleet's parse of `stack`, when `values` is that stack's file as `values()` returned it. */
  parsedFile(stack: string, values: Readonly<Record<string, unknown>>): ParsedStack | undefined;
  /**
   * The fleet problems involving `org`, its current config standing in for its file. Stack files that cannot be
   * read or parsed take no part in the fleet checks (each fails its own analysis), as before the fleet was indexed.
   */
  problemsFor(org: OrgConfig): Problem[];
}

interface Member {
  readonly stack: string;
  readonly values: Record<string, unknown> | undefined;
  readonly readError: ConfigError | undefined;
  readonly parsed: ParsedStack | undefined;
}

/** Reads every `Pulumi.<stack>.yaml` of `projectDir` once. */
export function readStackFleet(projectDir: string): StackFleet {
  const members = listStacks(projectDir).map((stack) => {
    try {
      return member(stack, readStackFile(stack, projectDir));
    } catch (error) {
      if (error instanceof ConfigError)
        return { stack, values: undefined, readError: error, parsed: undefined };
      throw error;
    }
  });
  return stackFleet(members, (stack) => readStackFile(stack, projectDir));
}

/** A fleet of stack files held in memory (stack name -> the values of its file), in the given order. */
export function stackFleetOf(files: Iterable<readonly [string, Record<string, unknown>]>): StackFleet {
  const members = [...files].map(([stack, values]) => member(stack, values));
  return stackFleet(members, (stack) => {
    throw new ConfigError([problem(stack, "", `no stack ${stack} in this fleet`, "use one of its stacks")]);
  });
}

function member(stack: string, values: Record<string, unknown>): Member {
  return { stack, values, readError: undefined, parsed: parseStackConfig(stack, values) };
}

function stackFleet(
  members: readonly Member[],
  missing: (stack: string) => Record<string, unknown>,
): StackFleet {
  const byStack = new Map(members.map((m) => [m.stack, m]));
  const configs = members.flatMap((m) => (m.parsed?.config === undefined ? [] : [m.parsed.config]));
  let index: FleetIndex | undefined;
  return {
    stacks: members.map((m) => m.stack),
    values(stack) {
      const found = byStack.get(stack);
      if (found === undefined) return missing(stack);
      if (found.readError !== undefined) throw found.readError;
      return found.values!;
    },
    parsedFile(stack, values) {
      const found = byStack.get(stack);
      return found !== undefined && found.values === values ? found.parsed : undefined;
    },
    problemsFor(org) {
      // The fleet as read serves every stack whose config is its file's; a config from elsewhere (the Pulumi
      // engine's) is indexed once with the others, in place of its file.
      if (byStack.get(org.stack)?.parsed?.config === org) {
        index ??= indexFleet(configs);
        return index.problemsFor(org.stack);
      }
      const others = configs.filter((c) => c.stack !== org.stack);
      return indexFleet([org, ...others]).problemsFor(org.stack);
    },
  };
}
