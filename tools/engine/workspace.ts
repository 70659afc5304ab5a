/**
 * A throwaway Pulumi workspace for running the real engine against this repository's program: a temporary
 * directory with its own Pulumi.yaml (the project's, with `main:` pointing back at the repository and a local
 * file backend inside the directory), copies of the stack files, and a random passphrase. `pulumi stack init`
 * and `pulumi config set` then write into the copies, so the tracked stack files are never touched and nothing
 * is left behind once the workspace is disposed.
 *
 * The engine itself (CLI, language host, plugins) comes from tools/engine/install.sh, whose env file the caller
 * has sourced (./fleet does): PULUMI_HOME with the plugins installed, and the binaries on PATH.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";

/** The repository whose program the workspace runs. */
export const PROGRAM_DIR = path.resolve(__dirname, "..", "..");

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time of the command in milliseconds. */
  readonly ms: number;
}

export interface WorkspaceOptions {
  /** The program to run (default: this repository). */
  readonly programDir?: string;
  /** Stacks whose files are copied in (default: every Pulumi.<stack>.yaml of the program directory). */
  readonly stacks?: readonly string[];
  /** Stack files kept elsewhere than the program directory, by stack name. */
  readonly stackFiles?: Readonly<Record<string, string>>;
  /** Extra environment for every pulumi command (e.g. DOCKER_HOST for a lab engine). */
  readonly env?: Readonly<Record<string, string>>;
  /** Where the temporary directory goes (default: the OS temp directory). */
  readonly parent?: string;
  /** Streams the CLI's output to this process's stderr as it comes (long `up`s print progress). */
  readonly echo?: boolean;
}

export class EngineUnavailableError extends Error {}

/** Fails early, with what to run, when the engine's env file was not sourced. */
export function requireEngine(): void {
  if (process.env.PULUMI_HOME === undefined || process.env.PULUMI_ENGINE_BIN === undefined) {
    throw new EngineUnavailableError(
      "the real Pulumi engine is not set up in this shell: run through ./fleet (it builds the engine with " +
        "tools/engine/install.sh and sources its env file)",
    );
  }
}

export class EngineWorkspace {
  readonly dir: string;
  readonly stacks: readonly string[];
  private readonly env: NodeJS.ProcessEnv;
  private readonly echo: boolean;

  private constructor(dir: string, stacks: readonly string[], env: NodeJS.ProcessEnv, echo: boolean) {
    this.dir = dir;
    this.stacks = stacks;
    this.env = env;
    this.echo = echo;
  }

  /** Creates the directory, the project file and an initialised stack for each stack file copied in. */
  static async create(options: WorkspaceOptions = {}): Promise<EngineWorkspace> {
    requireEngine();
    const dir = fs.mkdtempSync(path.join(options.parent ?? os.tmpdir(), "matrix-fleet-engine-"));
    const programDir = options.programDir ?? PROGRAM_DIR;
    const stacks = options.stacks ?? stackFilesIn(programDir);
    const project = yaml.load(fs.readFileSync(path.join(programDir, "Pulumi.yaml"), "utf8")) as Record<
      string,
      unknown
    >;
    const workspaceProject = {
      ...project,
      main: path.relative(dir, programDir) || ".",
      backend: { url: `file://${path.join(dir, "state")}` },
    };
    fs.mkdirSync(path.join(dir, "state"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), yaml.dump(workspaceProject));
    for (const stack of stacks) {
      const source = options.stackFiles?.[stack] ?? path.join(programDir, `Pulumi.${stack}.yaml`);
      if (fs.existsSync(source)) fs.copyFileSync(source, path.join(dir, `Pulumi.${stack}.yaml`));
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...options.env,
      PULUMI_CONFIG_PASSPHRASE: randomBytes(24).toString("hex"),
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      // The plugin that runs dynamic providers (the NPM proxy hosts) ships inside @pulumi/pulumi: the copy the
      // program loads, found as node finds it (a program in a subdirectory uses the repository's node_modules).
      PATH: `${path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [programDir] }))}:${process.env.PATH ?? ""}`,
    };
    // The backend URL comes from the workspace's Pulumi.yaml; a URL in the caller's environment must not win.
    delete env.PULUMI_BACKEND_URL;
    delete env.PULUMI_ACCESS_TOKEN;
    const workspace = new EngineWorkspace(dir, stacks, env, options.echo ?? false);
    for (const stack of stacks) {
      const init = await workspace.pulumi(["stack", "init", stack, "--non-interactive"]);
      if (init.code !== 0) {
        workspace.dispose();
        throw new Error(`pulumi stack init ${stack} failed:\n${init.stderr || init.stdout}`);
      }
    }
    return workspace;
  }

  /** Runs the pulumi CLI in the workspace. Never throws for a non-zero exit: callers judge the result. */
  pulumi(args: readonly string[], input?: string): Promise<CommandResult> {
    return this.command("pulumi", args, input);
  }

  /**
   * A command line as an operator types it (pipes, `pulumi config set` fed by another tool), run by bash with
   * pipefail in the workspace directory and the engine's environment. Never throws for a non-zero exit.
   */
  shell(commandLine: string): Promise<CommandResult> {
    return this.command("bash", ["-o", "pipefail", "-c", commandLine]);
  }

  private command(program: string, args: readonly string[], input?: string): Promise<CommandResult> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn(program, [...args], { cwd: this.dir, env: this.env, stdio: "pipe" });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk;
        if (this.echo) process.stderr.write(chunk);
      });
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk;
        if (this.echo) process.stderr.write(chunk);
      });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr, ms: Date.now() - started }));
      child.stdin.end(input ?? "");
    });
  }

  /** The same, synchronously: for short commands (`pulumi config --json`) where a caller cannot await. */
  pulumiSync(args: readonly string[]): CommandResult {
    const started = Date.now();
    const result = spawnSync("pulumi", [...args], {
      cwd: this.dir,
      env: this.env,
      encoding: "utf8",
      timeout: 60_000,
    });
    return {
      code: result.status ?? 1,
      stdout: result.stdout ?? "",
      stderr: result.stderr ?? "",
      ms: Date.now() - started,
    };
  }

  /** `pulumi config set` in the workspace's copy of the stack file; `--path` for nested keys. */
  async configSet(
    stack: string,
    key: string,
    value: string,
    options: { secret?: boolean; path?: boolean } = {},
  ): Promise<void> {
    const args = ["config", "set", "--stack", stack, "--non-interactive"];
    if (options.path ?? key.includes(".")) args.push("--path");
    args.push(options.secret ? "--secret" : "--plaintext", key);
    // The value goes on stdin, so that a secret never appears on a command line.
    const result = await this.pulumi([...args, "--"], value);
    if (result.code !== 0) throw new Error(`pulumi config set ${key} failed:\n${result.stderr}`);
  }

  /** `pulumi preview` of one stack; `json` gives the machine-readable plan. */
  preview(stack: string, options: { json?: boolean; diff?: boolean } = {}): Promise<CommandResult> {
    const args = ["preview", "--stack", stack, "--non-interactive"];
    if (options.json) args.push("--json");
    else if (options.diff) args.push("--diff");
    return this.pulumi(args);
  }

  /** The whole stack file copy (after stack init and config set). */
  stackFile(stack: string): string {
    return fs.readFileSync(path.join(this.dir, `Pulumi.${stack}.yaml`), "utf8");
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function stackFilesIn(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
}

/** One step of `pulumi preview --json`: what the engine plans for one resource. */
export interface PlannedStep {
  readonly op: string;
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** The resource's ID where the plan knows it: for a `read`, the ID read (a volume's name). */
  readonly id?: string;
}

/** The steps of a `pulumi preview --json` document, with each resource's type and name from its URN. */
export function plannedSteps(previewJson: string): PlannedStep[] {
  const document = JSON.parse(previewJson) as {
    steps?: Array<{ op: string; urn: string; newState?: { id?: string } }>;
  };
  return (document.steps ?? []).map(({ op, urn, newState }) => {
    // urn:pulumi:<stack>::<project>::<parent type$...$type>::<name>
    const [, , typeChain = "", ...nameParts] = urn.split("::");
    const name = nameParts.join("::");
    const type = typeChain.split("$").pop() ?? "";
    return { op, type, name, urn, ...(newState?.id ? { id: newState.id } : {}) };
  });
}
