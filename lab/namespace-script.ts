/**
 * Runs one of the lab's client scripts (a process of its own) inside a network namespace, so that its traffic
 * leaves from that namespace's address through its firewall. The scripts print one JSON line as their result.
 */
import { spawn, spawnSync } from "node:child_process";
import * as path from "node:path";

export interface ScriptRun {
  /** The network namespace the script runs in. */
  readonly namespace: string;
  /** Extra environment (e.g. the lab CA for TLS). */
  readonly env?: Readonly<Record<string, string>>;
  /** Node flags before the script (e.g. --experimental-websocket). */
  readonly nodeFlags?: readonly string[];
}

function command(run: ScriptRun, script: string, args: readonly string[]): string[] {
  return [
    "netns",
    "exec",
    run.namespace,
    process.execPath,
    ...(run.nodeFlags ?? []),
    "--import",
    "tsx",
    script,
    ...args,
  ];
}

function resultOf(
  script: string,
  stdout: string,
  stderr: string,
  keys: readonly string[],
): Record<string, unknown> {
  const line = stdout
    .split("\n")
    .reverse()
    .find((l) => keys.some((key) => l.startsWith(`{"${key}"`)));
  return line === undefined
    ? { error: `${path.basename(script)} died: ${stderr.slice(-500).replace(/\s+/g, " ")}` }
    : (JSON.parse(line) as Record<string, unknown>);
}

/** The script's last line that is a JSON object starting with one of `keys`, or {error} saying why there is none. */
export function runScriptIn(
  run: ScriptRun,
  script: string,
  args: readonly string[],
  keys: readonly string[],
): Record<string, unknown> {
  const result = spawnSync("ip", command(run, script, args), {
    encoding: "utf8",
    timeout: 45_000,
    env: { ...process.env, ...run.env },
  });
  return resultOf(script, result.stdout, result.stderr, keys);
}

/**
 * runScriptIn without blocking the caller's event loop: what a test that drives a browser at the same time needs
 * (Playwright's pipe and the page server live in the test process). Killed by its PID after `timeoutMs`.
 */
export function runScriptInAsync(
  run: ScriptRun,
  script: string,
  args: readonly string[],
  keys: readonly string[],
  timeoutMs = 45_000,
): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const child = spawn("ip", command(run, script, args), {
      env: { ...process.env, ...run.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", () => {
      clearTimeout(timer);
      resolve(resultOf(script, stdout, stderr, keys));
    });
  });
}
