/**
 * The lab's browser: Debian's Chromium headless shell (package chromium-headless-shell, built from the same source
 * package as Debian's chromium; installed by lab/setup.sh, never a download of Playwright's own) driven by npm
 * playwright-core, running inside one of the lab's client namespaces like the rtc-node clients, with fake media and
 * only the switches of lab/browser/core/switches.ts. Why the headless shell and not the full browser: Debian's
 * chromium 156 asks accounts.google.com (ListAccounts, Chrome's sign-in) for every new profile and
 * update.googleapis.com (the component updater) whatever its switches say, which the lab's egress proof caught (its
 * net-log named the traffic annotations gaia_auth_list_accounts and update_client); the headless shell has neither
 * service, and is the build Playwright itself runs for headless. Its engine (Blink, the network stack with its
 * certificate verification from NSS, WebRTC) is the full browser's. One browser process serves a whole scenario group (its
 * contexts are the participants); it is stopped by its PID, and lab_down stops it by the PID it recorded in the
 * lab's pid file when the test process died first (lab/browser/in-namespace.sh).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Browser, chromium } from "playwright-core";
import { sleep } from "../processes";
import { chromiumSwitches } from "./core/switches";
import { voiceLikeWav } from "./core/wav";

/** Debian's chromium-headless-shell package puts the browser here (its /usr/bin entry is a wrapper script). */
export const DEBIAN_CHROMIUM = "/usr/lib/chromium/chromium-headless-shell";

export interface LabBrowserOptions {
  /** The network namespace the browser runs in; "" runs it where the caller runs (development only). */
  readonly namespace: string;
  /** Its directory: profile, HOME (NSS's certificate db), the fake microphone. Emptied first. */
  readonly dir: string;
  /** The CA the browser trusts besides nothing: the lab CA (its PEM file). */
  readonly trustedCa?: string;
  /** The lab's pid file (LAB_DIR/pids), where lab_down finds what a dead test left running. */
  readonly labPidFile?: string;
  readonly name: string;
}

export interface LabBrowser {
  readonly browser: Browser;
  readonly pid: number;
  /** Milliseconds from the launch to a connected browser. */
  readonly startedInMs: number;
  readonly options: LabBrowserOptions;
  /** Closes the browser, then makes sure its process group is gone (SIGKILL by PID after 10 s). */
  close(): Promise<void>;
}

/** Chromium on Linux reads trust from NSS's db in $HOME/.pki/nssdb: a new db trusting only `caFile` for TLS. */
function trustOnly(home: string, caFile: string): void {
  const db = path.join(home, ".pki", "nssdb");
  fs.mkdirSync(db, { recursive: true });
  execFileSync("certutil", ["-N", "-d", `sql:${db}`, "--empty-password"]);
  execFileSync("certutil", ["-A", "-d", `sql:${db}`, "-n", "matrix-fleet lab CA", "-t", "C,,", "-i", caFile]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a browser's process group (Playwright starts it detached: the group is its PID) and waits, bounded. */
export async function killBrowser(pid: number): Promise<void> {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, "SIGKILL");
    } catch {
      // already gone
    }
  }
  for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
}

/** A browser stopped by the test leaves the lab's pid file, so lab_down never kills whatever reuses its PID later. */
function forgetPid(pidFile: string | undefined, pid: number): void {
  if (pidFile === undefined || !fs.existsSync(pidFile)) return;
  const lines = fs.readFileSync(pidFile, "utf8").split("\n");
  fs.writeFileSync(pidFile, lines.filter((line) => line.split(" ")[0] !== String(pid)).join("\n"));
}

export async function launchLabBrowser(options: LabBrowserOptions): Promise<LabBrowser> {
  fs.rmSync(options.dir, { recursive: true, force: true });
  const profile = path.join(options.dir, "profile");
  fs.mkdirSync(profile, { recursive: true });
  if (options.trustedCa !== undefined) trustOnly(options.dir, options.trustedCa);
  const microphone = path.join(options.dir, "microphone.wav");
  fs.writeFileSync(microphone, voiceLikeWav());
  const ownPidFile = path.join(options.dir, "chromium.pid");
  const started = Date.now();
  const browser = await chromium.launch({
    executablePath: path.join(__dirname, "in-namespace.sh"),
    ignoreDefaultArgs: true,
    args: chromiumSwitches({ userDataDir: profile, fakeMicrophone: microphone }),
    headless: true,
    timeout: 30_000,
    // A browser must not outlive a test that stopped in between: the test's own handlers stay in charge.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    env: {
      HOME: options.dir,
      PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
      TMPDIR: options.dir,
      MFD_CHROMIUM: process.env.CHROMIUM ?? DEBIAN_CHROMIUM,
      MFD_NAMESPACE: options.namespace,
      MFD_BROWSER_NAME: `chromium-${options.name}`,
      MFD_PID_FILE: options.labPidFile ?? "",
      MFD_OWN_PID_FILE: ownPidFile,
    },
  });
  const startedInMs = Date.now() - started;
  const pid = Number(fs.readFileSync(ownPidFile, "utf8").trim().split(/\s+/)[0]);
  return {
    browser,
    pid,
    startedInMs,
    options,
    close: async () => {
      await Promise.race([browser.close().catch(() => undefined), sleep(10_000)]);
      if (alive(pid)) await killBrowser(pid);
      if (!alive(pid)) forgetPid(options.labPidFile, pid);
    },
  };
}
