/**
 * One load process in a lab network namespace (`ip netns exec`, which execs the program: the PID is the program's):
 * its input on stdin, JSON lines on stdout. Its PID goes into the lab's pid file (lab/deploy/common.sh's lab_down
 * kills what is listed there if this process dies), and it is killed by that PID when it outlives `limitMs` and
 * when this process exits before it.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface NamespaceRun {
  readonly namespace: string;
  readonly name: string;
  readonly command: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly input: string;
  readonly limitMs: number;
  /** Called with each stdout line as it arrives. */
  readonly onLine?: (line: string) => void;
}

export interface NamespaceResult {
  readonly code: number | null;
  readonly lines: readonly string[];
  readonly stderr: string;
}

/** Records a PID where lab_down finds it (LAB_DIR/pids), when the lab has a pid file. */
function recordPid(pid: number, name: string): void {
  const dir = process.env.LAB_DIR;
  if (dir === undefined || dir === "") return;
  const file = path.join(dir, "pids");
  if (fs.existsSync(file)) fs.appendFileSync(file, `${pid} ${name}\n`);
}

export async function runInNamespace(run: NamespaceRun): Promise<NamespaceResult> {
  const child = spawn("ip", ["netns", "exec", run.namespace, ...run.command], {
    env: { ...process.env, ...run.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`${run.name} did not start`);
  const pid = child.pid;
  recordPid(pid, run.name);
  const killByPid = () => {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  process.once("exit", killByPid);
  const lines: string[] = [];
  let stderr = "";
  let partial = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    partial += chunk;
    for (let newline = partial.indexOf("\n"); newline >= 0; newline = partial.indexOf("\n")) {
      const line = partial.slice(0, newline);
      partial = partial.slice(newline + 1);
      lines.push(line);
      run.onLine?.(line);
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  child.stdin.on("error", () => undefined);
  child.stdin.end(run.input);
  const limit = setTimeout(killByPid, run.limitMs);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  clearTimeout(limit);
  process.removeListener("exit", killByPid);
  if (partial !== "") lines.push(partial);
  return { code, lines, stderr };
}

/** The last stdout line that is a JSON object with one of `keys`, parsed. */
export function lastJson(
  lines: readonly string[],
  keys: readonly string[],
): Record<string, unknown> | undefined {
  const line = [...lines].reverse().find((l) => keys.some((key) => l.startsWith(`{"${key}"`)));
  return line === undefined ? undefined : (JSON.parse(line) as Record<string, unknown>);
}
