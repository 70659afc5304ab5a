import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Every server the lab starts goes through here: started as a child with its output in a log file, its PID
 * recorded (so `lab/run.sh` can stop it even if the test process dies), waited for with a bounded readiness
 * probe, and stopped by PID.
 */
export class ProcessGroup {
  private readonly children: Array<{ name: string; child: ChildProcess }> = [];

  constructor(
    readonly dir: string,
    private readonly pidFile: string,
  ) {
    fs.mkdirSync(dir, { recursive: true });
  }

  start(
    name: string,
    command: string,
    args: readonly string[],
    options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
  ): ChildProcess {
    const log = fs.openSync(path.join(this.dir, `${name}.log`), "a");
    const child = spawn(command, args, {
      cwd: options.cwd ?? this.dir,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", log, log],
      detached: false,
    });
    fs.closeSync(log);
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    fs.appendFileSync(this.pidFile, `${child.pid} ${name}\n`);
    this.children.push({ name, child });
    return child;
  }

  logOf(name: string): string {
    const file = path.join(this.dir, `${name}.log`);
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  }

  /** Stops one child by PID (SIGTERM, then SIGKILL after the grace period) and forgets it. */
  async stopOne(name: string, graceMs = 5000): Promise<void> {
    const index = this.children.findIndex((c) => c.name === name);
    if (index < 0) throw new Error(`no process ${name} was started`);
    const [{ child }] = this.children.splice(index, 1) as [{ name: string; child: ChildProcess }];
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) await sleep(100);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    // Its port must be free before the next server binds it.
    while (child.exitCode === null && child.signalCode === null && Date.now() < deadline + 2000)
      await sleep(50);
  }

  /** Stops every child by PID: SIGTERM, then SIGKILL after a grace period. */
  async stopAll(graceMs = 5000): Promise<void> {
    const alive = this.children.filter(({ child }) => child.exitCode === null && child.signalCode === null);
    for (const { child } of alive) child.kill("SIGTERM");
    const deadline = Date.now() + graceMs;
    while (
      Date.now() < deadline &&
      alive.some(({ child }) => child.exitCode === null && child.signalCode === null)
    ) {
      await sleep(100);
    }
    for (const { child } of alive)
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    this.children.length = 0;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns true, at most `timeoutMs`; fails with `what` and the log tail otherwise. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  logTail: () => string = () => "",
  /** The process being waited for: when it has exited, waiting longer cannot help. */
  child?: ChildProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = "";
  while (Date.now() < deadline) {
    if (child !== undefined && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(
        `${what} exited (${child.exitCode ?? child.signalCode}) before it was ready\n--- log tail ---\n${logTail().split("\n").slice(-30).join("\n")}`,
      );
    }
    try {
      if (await probe()) return;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await sleep(250);
  }
  throw new Error(
    `${what} not ready after ${timeoutMs} ms ${lastError}\n--- log tail ---\n${logTail().split("\n").slice(-30).join("\n")}`,
  );
}

/** Runs a short command to completion; throws with its output if it fails. */
export function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {},
): string {
  const result = spawnSync(command, args, {
    encoding: "utf8",
    env: { ...process.env, ...options.env },
    input: options.input,
    cwd: options.cwd,
    timeout: 120_000,
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed (${result.status}): ${result.stderr}${result.stdout}`,
    );
  }
  return result.stdout;
}
