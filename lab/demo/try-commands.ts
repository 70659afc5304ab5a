/**
 * The commands `./fleet demo` prints for the operator to try from another shell, and the demo's own run of each,
 * exactly as printed (`sh -c` on the printed text), before it says the organisation runs: a printed command that
 * does not work fails the demo. (Debian 12's curl 7.88 resolves every `*.localhost` name to 127.0.0.1 itself and
 * ignores the namespace's hosts file, so the demo's names are under `.internal`, which only the lab DNS and the
 * namespaces' hosts files know: issue #24.)
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";

export interface TryCommand {
  /** What it shows, printed above the command. */
  readonly what: string;
  /** The shell command as printed. */
  readonly command: string;
  /** What its standard output must contain for the demo to call it working. */
  readonly expect: RegExp;
}

export interface DemoAccess {
  readonly clientNamespace: string;
  readonly caFile: string;
  /** `https://<homeserver host>` */
  readonly homeserverUrl: string;
  /** The first admin's login request (its password inside), a file of mode 0600: no password on a command line. */
  readonly adminLoginFile: string;
  readonly dockerHost: string;
  /** The Docker host's own namespace: the monitoring answers on its loopback only. */
  readonly siteNamespace: string;
}

export function tryCommands(access: DemoAccess): TryCommand[] {
  const curl = `ip netns exec ${access.clientNamespace} curl --fail -sS --cacert ${access.caFile}`;
  return [
    {
      what: "the client API through the proxy, as a client on the internet reaches it",
      command: `${curl} ${access.homeserverUrl}/_matrix/client/versions`,
      expect: /"versions"/,
    },
    {
      what: "the first admin's login",
      command: `${curl} -d @${access.adminLoginFile} ${access.homeserverUrl}/_matrix/client/v3/login`,
      expect: /"access_token"/,
    },
    {
      what: "the organisation's containers on its Docker engine",
      command: `docker -H ${access.dockerHost} ps --format '{{.Names}}  {{.Status}}'`,
      expect: /matrix-demo-synapse/,
    },
    {
      what: "Prometheus, on the Docker host's loopback only: is every target up (1)?",
      command: `ip netns exec ${access.siteNamespace} curl --fail -sS 'http://127.0.0.1:9090/api/v1/query?query=up'`,
      expect: /"status":"success"/,
    },
    {
      what: "Alertmanager, on the Docker host's loopback only: the alerts it holds now",
      command: `ip netns exec ${access.siteNamespace} curl --fail -sS http://127.0.0.1:9093/api/v2/alerts`,
      expect: /^\[/,
    },
  ];
}

/** The login request for `tryCommands`' admin login, written for its owner alone (mode 0600). */
export function writeAdminLogin(file: string, user: string, password: string): void {
  const login = { type: "m.login.password", identifier: { type: "m.id.user", user }, password };
  fs.writeFileSync(file, `${JSON.stringify(login)}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

/** Runs each command as printed (30 s each at most); the failures, each with the command and its output. */
export function runTryCommands(commands: readonly TryCommand[]): string[] {
  const failures: string[] = [];
  for (const { command, expect } of commands) {
    const result = spawnSync("sh", ["-c", command], { encoding: "utf8", timeout: 30_000 });
    if (result.status !== 0 || !expect.test(result.stdout)) {
      const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().slice(0, 600);
      const status = result.error?.message ?? `exit ${result.status ?? result.signal}`;
      failures.push(`${command}\n    ${status}, expected output matching ${expect}: ${output}`);
    }
  }
  return failures;
}
