/**
 * Checks a shell command shown in the handbook against what really exists: `./fleet` and its commands (read from the
 * script itself), the `npm run` scripts of package.json and, for those that start an operator tool, the tool's own
 * options (each tool exports them), `pulumi` subcommands and the stack-config keys `pulumi config` names (from the
 * parser's recorder), scripts and files that exist, and environment variables the code reads. A renamed flag,
 * script, command or key makes a page's command fail here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError, parseArgs } from "../cli/args";
import { stackConfigKeys } from "../config/json-schema";
import { PROJECT_DIR, listStacks } from "../config/stack-files";

type Spec = Readonly<Record<string, "value" | "flag">>;

/** The operator tools (cli/*.ts) with the options each exports as `OPTIONS`, the ones it parses. */
async function toolOptions(root: string): Promise<Record<string, Spec>> {
  const tools: Record<string, Spec> = {};
  for (const file of fs.readdirSync(path.join(root, "cli")).filter((f) => f.endsWith(".ts"))) {
    const module = (await import(path.join(root, "cli", file))) as { OPTIONS?: Spec };
    if (module.OPTIONS !== undefined) tools[`cli/${file}`] = module.OPTIONS;
  }
  return tools;
}

/** Pulumi CLI v3.274 commands and the subcommands of those that have them (`pulumi --help`, `pulumi <cmd> --help`). */
const PULUMI_COMMANDS: Readonly<Record<string, readonly string[]>> = {
  about: [],
  cancel: [],
  config: ["cp", "env", "get", "refresh", "rm", "rm-all", "set", "set-all"],
  console: [],
  convert: [],
  destroy: [],
  import: [],
  install: [],
  login: [],
  logout: [],
  logs: [],
  new: [],
  plugin: ["install", "ls", "rm"],
  preview: [],
  refresh: [],
  stack: [
    "change-secrets-provider",
    "export",
    "graph",
    "history",
    "import",
    "init",
    "ls",
    "output",
    "rename",
    "rm",
    "select",
    "tag",
    "unselect",
  ],
  state: ["delete", "edit", "move", "protect", "rename", "repair", "unprotect", "upgrade"],
  up: [],
  version: [],
  whoami: [],
};

/** The Pulumi flags the pages use; a new one is added here after reading `pulumi <cmd> --help`. */
const PULUMI_FLAGS = new Set([
  "--stack",
  "-s",
  "--yes",
  "-y",
  "--diff",
  "--refresh",
  "--path",
  "--secret",
  "--show-secrets",
  "--all",
  "--json",
  "--non-interactive",
  "--skip-preview",
  "--run-program",
  "--cwd",
  "-C",
]);

/** Programs that are not this repository's, shown as operators run them (their options are their own business). */
const EXTERNAL = new Set([
  "docker",
  "docker-compose",
  "curl",
  "jq",
  "cp",
  "cd",
  "cat",
  "ip",
  "git",
  "xargs",
  "ssh",
  "openssl",
  "certbot",
  "sysctl",
  "systemctl",
  "pg_dump",
  "pg_restore",
  "psql",
  "restic",
  "borg",
  "tar",
  "echo",
  "grep",
]);

const PLACEHOLDER = /‹[^›]*›|<[^>]*>|…|\.\.\./;

export class CommandChecker {
  private readonly fleetCommands: Map<string, string>;
  private readonly scripts: Record<string, string>;
  private readonly configKeys: string[];
  private readonly stacks: string[];
  private readonly sources: string;

  private constructor(
    private readonly root: string,
    private readonly tools: Readonly<Record<string, Spec>>,
  ) {
    this.fleetCommands = fleetCommands(fs.readFileSync(path.join(root, "fleet"), "utf8"));
    this.scripts = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).scripts;
    this.configKeys = [...stackConfigKeys().keys()];
    this.stacks = listStacks(root);
    this.sources = sourceText(root);
  }

  static async create(root = PROJECT_DIR): Promise<CommandChecker> {
    return new CommandChecker(root, await toolOptions(root));
  }

  /** What is wrong with one simple command (its words); empty when it is one that exists as written. */
  problems(words: readonly string[]): string[] {
    let rest = [...words];
    const problems: string[] = [];
    while (rest.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(rest[0]!)) {
      problems.push(...this.variable(rest[0]!.split("=")[0]!));
      rest = rest.slice(1);
    }
    const [program, ...args] = rest;
    if (program === undefined) return problems;
    if (program === "export") return [...problems, ...args.flatMap((a) => this.variable(a.split("=")[0]!))];
    if (program === "./fleet") return [...problems, ...this.fleet(args)];
    if (program === "npm") return [...problems, ...this.npm(args)];
    if (program === "pulumi") return [...problems, ...this.pulumi(args)];
    if (program === "bash" || program === "source") return [...problems, ...this.script(args)];
    if (program === "node") return [...problems, ...this.script(withoutNodeOptions(args))];
    if (EXTERNAL.has(program)) return problems;
    return [
      ...problems,
      `unknown program '${program}' (not ./fleet, npm, pulumi, a script here or a known tool)`,
    ];
  }

  private variable(name: string): string[] {
    return new RegExp(`\\b${name}\\b`).test(this.sources) ? [] : [`no code here reads the variable ${name}`];
  }

  private exists(file: string): boolean {
    return !PLACEHOLDER.test(file) && fs.existsSync(path.join(this.root, file));
  }

  private script(args: readonly string[]): string[] {
    const [file, ...rest] = args;
    if (file === undefined || file.startsWith("-")) return ["no script given"];
    if (!this.exists(file)) return [`no script ${file}`];
    if (file === "lab/deploy/run.sh")
      return rest.filter((f) => !this.exists(f)).map((f) => `no test file ${f}`);
    return [];
  }

  private fleet(args: readonly string[]): string[] {
    const [command, ...rest] = args;
    if (command === undefined) return [];
    const body = this.fleetCommands.get(command);
    if (body === undefined) return [`./fleet has no command '${command}'`];
    const tool = /\b(cli\/[\w-]+\.ts) "\$@"/.exec(body)?.[1];
    if (tool !== undefined) return this.tool(tool, rest);
    if (command === "demo") return demoArguments(rest);
    if (command === "lab")
      return rest[0] === "--process" && rest.length === 1 ? [] : this.script(["lab/deploy/run.sh", ...rest]);
    return rest.length === 0 ? [] : [`./fleet ${command} takes no arguments, got ${rest.join(" ")}`];
  }

  private npm(args: readonly string[]): string[] {
    const [command, ...rest] = args;
    if (command === "ci" || command === "install") return [];
    if (command === "test") return this.npmScript("test", rest);
    if (command !== "run") return [`npm ${command ?? ""}: not a command the pages use`];
    const words = rest.filter((a) => a !== "--silent" && a !== "-s");
    const [script, ...scriptArgs] = words;
    if (script === undefined) return [];
    return this.npmScript(script, scriptArgs);
  }

  private npmScript(script: string, args: readonly string[]): string[] {
    const command = this.scripts[script];
    if (command === undefined) return [`package.json has no script '${script}'`];
    const toolArgs = args[0] === "--" ? args.slice(1) : args;
    if (toolArgs.length === 0) return [];
    const tool = /^node --import tsx (cli\/[\w-]+\.ts)$/.exec(command)?.[1];
    if (tool === undefined) return [`npm run ${script} passes no arguments to a tool (${command})`];
    return this.tool(tool, toolArgs);
  }

  private tool(file: string, args: readonly string[]): string[] {
    const spec = this.tools[file];
    if (spec === undefined) return [`${file} exports no OPTIONS: export the options it parses`];
    try {
      const { values } = parseArgs(args, spec);
      const stack = values.stack;
      if (stack !== undefined && !PLACEHOLDER.test(stack) && stack !== "all" && !this.stacks.includes(stack))
        return [`no stack ${stack}`];
      return [];
    } catch (error) {
      if (error instanceof UsageError) return [`${file}: ${error.message}`];
      throw error;
    }
  }

  private pulumi(args: readonly string[]): string[] {
    const positional = args.filter((a, i) => !a.startsWith("-") && !isFlagValue(args, i));
    const [command, sub] = positional;
    if (command === undefined) return [];
    const subcommands = PULUMI_COMMANDS[command];
    if (subcommands === undefined) return [`pulumi has no command '${command}'`];
    if (subcommands.length > 0 && sub !== undefined && !subcommands.includes(sub))
      return [`pulumi ${command} has no subcommand '${sub}'`];
    const problems = args
      .filter((a) => a.startsWith("-") && !PULUMI_FLAGS.has(a.split("=")[0]!))
      .map((a) => `pulumi flag ${a} is not one the pages are known to use (PULUMI_FLAGS)`);
    if (command === "config" && sub !== undefined && ["set", "get", "rm"].includes(sub)) {
      const key = positional[2];
      if (key !== undefined) problems.push(...this.configKey(key, args.includes("--path")));
    }
    return problems;
  }

  private configKey(key: string, withPath: boolean): string[] {
    const bare = key.replace(/^matrix-fleet:/, "").replace(/\[\d+\]/g, "");
    if (!withPath && bare.includes(".")) return [`pulumi config ${key}: a nested key needs --path`];
    if (bare.startsWith("overrides.")) return [];
    const known = this.configKeys.some(
      (k) => k === bare || (PLACEHOLDER.test(bare) && k.startsWith(bare.replace(PLACEHOLDER, ""))),
    );
    return known ? [] : [`no stack-config key ${key}`];
  }
}

/** A `node` command's arguments from its script on: `--import tsx`, `--test` and the like dropped. */
function withoutNodeOptions(args: readonly string[]): string[] {
  const rest = [...args];
  while (rest[0]?.startsWith("-")) rest.splice(0, ["--import", "--require", "-r"].includes(rest[0]) ? 2 : 1);
  return rest;
}

function isFlagValue(args: readonly string[], index: number): boolean {
  const previous = args[index - 1];
  return previous === "--stack" || previous === "-s" || previous === "--cwd" || previous === "-C";
}

function demoArguments(args: readonly string[]): string[] {
  if (args.length === 0 || (args.length === 1 && args[0] === "down")) return [];
  if (args[0] === "--hold" && args.length === 2 && /^(\d+|‹[^›]+›)$/.test(args[1]!)) return [];
  return [`./fleet demo takes --hold <seconds> or down, got ${args.join(" ")}`];
}

/** The commands of the `fleet` script (its `case "$command" in` labels) with the body of each. */
export function fleetCommands(script: string): Map<string, string> {
  const commands = new Map<string, string>();
  const body = script.slice(script.indexOf('case "$command" in'));
  for (const match of body.matchAll(/^ {2}([\w|\s-]+)\)\n([\s\S]*?)^ {4};;/gm)) {
    for (const name of match[1]!.split("|").map((n) => n.trim())) commands.set(name, match[2]!);
  }
  return commands;
}

/** The text of the code (scripts, TypeScript, workflows) an environment variable must appear in. */
function sourceText(root: string): string {
  const files = [
    "fleet",
    ".ci/run",
    ".github/workflows/pr.yml",
    "Pulumi.yaml",
    ...[
      "cli",
      "lab",
      "lab/deploy",
      "lab/demo",
      "lab/scenarios",
      "bench",
      "tools/engine",
      "verify",
      "components",
      "test",
    ].flatMap((dir) =>
      fs
        .readdirSync(path.join(root, dir))
        .filter((f) => /\.(ts|sh|mjs)$/.test(f) && !f.startsWith("handbook"))
        .map((f) => `${dir}/${f}`),
    ),
  ];
  return files.map((f) => fs.readFileSync(path.join(root, f), "utf8")).join("\n");
}
