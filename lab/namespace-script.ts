/**
 * Runs one of the lab's client scripts (a process of its own) inside a network namespace, so that its traffic
 * leaves from that namespace's address through its firewall. The scripts print one JSON line as their result.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

export interface ScriptRun {
  /** The network namespace the script runs in. */
  readonly namespace: string;
  /** Extra environment (e.g. the lab CA for TLS). */
  readonly env?: Readonly<Record<string, string>>;
  /** Node flags before the script (e.g. --experimental-websocket). */
  readonly nodeFlags?: readonly string[];
}

/** The script's last line that is a JSON object starting with one of `keys`, or {error} saying why there is none. */
export function runScriptIn(
  run: ScriptRun,
  script: string,
  args: readonly string[],
  keys: readonly string[],
): Record<string, unknown> {
  const result = spawnSync(
    "ip",
    [
      "netns",
      "exec",
      run.namespace,
      process.execPath,
      ...(run.nodeFlags ?? []),
      "--import",
      "tsx",
      script,
      ...args,
    ],
    { encoding: "utf8", timeout: 45_000, env: { ...process.env, ...run.env } },
  );
  const line = result.stdout
    .split("\n")
    .reverse()
    .find((l) => keys.some((key) => l.startsWith(`{"${key}"`)));
  return line === undefined
    ? { error: `${path.basename(script)} died: ${result.stderr.slice(-500).replace(/\s+/g, " ")}` }
    : (JSON.parse(line) as Record<string, unknown>);
}
