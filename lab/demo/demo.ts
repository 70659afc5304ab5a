/**
 * `./fleet demo`: one organisation (lab/demo/Pulumi.demo.yaml) deployed with the real `pulumi up` onto a Docker
 * engine of its own, proven (an admin registered, a MatrixRTC call that goes the user's whole way: Element Call in
 * a headless Chromium, heard by an rtc-node participant, with a screenshot kept; two rtc-node participants where no
 * browser is installed), shown (where each service answers and how to reach it), held for as long as asked, then
 * destroyed. Run by lab/demo/run.sh inside the lab's hub namespace, which removes the engine and the namespaces
 * afterwards.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { audioCall } from "../audio-call";
import { BrowserLab } from "../browser/browser-lab";
import { elementCall } from "../browser/calls";
import { nameCause } from "../browser/core/causes";
import { DEBIAN_CHROMIUM } from "../browser/chromium";
import { LabFleet } from "../deploy/fleet";
import { CLIENT_NAMESPACE, labCaDir } from "../deploy/sites";
import { registerWithSharedSecret } from "../matrix-client";
import { prometheusQuery, untilSeries } from "../alert-room";
import { runTryCommands, tryCommands, writeAdminLogin } from "./try-commands";

const STACK = "demo";
const LAB_DIR = path.resolve(process.env.LAB_DIR ?? ".lab/demo");

function say(text: string): void {
  console.log(`demo: ${text}`);
}

/** Waits `seconds`, or until Enter on a terminal; 0 holds nothing. */
async function hold(seconds: number): Promise<void> {
  if (seconds <= 0) return;
  say(
    `running for ${seconds} s${process.stdin.isTTY ? " (Enter ends it sooner)" : ""}; then it is destroyed`,
  );
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, seconds * 1000);
    if (process.stdin.isTTY) {
      process.stdin.once("data", () => {
        clearTimeout(timer);
        resolve();
      });
    }
  });
  process.stdin.pause();
}

/** The demo's Prometheus: every target it scrapes up (the alert room's alerts depend on it). */
async function sayWhatPrometheusScrapes(): Promise<void> {
  await untilSeries(STACK, "count(up == 1) == count(up)", 60_000);
  const targets = prometheusQuery(STACK, "up")
    .map((series) => series.metric.job)
    .sort();
  say(`Prometheus scrapes ${targets.length} targets, all up: ${targets.join(", ")}`);
}

/** Where the monitoring is: Prometheus, Alertmanager, the alert room (docs/monitoring.md). */
function monitoringLines(serverName: string, admin: string): string[] {
  return [
    "Monitoring (docs/monitoring.md): Prometheus and Alertmanager answer on the Docker host's loopback only",
    "(on a real host: ssh -L 9090:127.0.0.1:9090 <docker host>, then http://localhost:9090).",
    `Alerts go to the room #matrix-fleet-alerts:${serverName}, into which ${admin} is invited;`,
    `the call probe (@matrix-fleet-probe:${serverName}) runs verify's checks every 15 s here (5 min by default).`,
  ];
}

async function destroy(fleet: LabFleet): Promise<boolean> {
  say("destroying: unprotect the demo's volumes (its data is disposable), pulumi destroy");
  await fleet.workspace.pulumi(["state", "unprotect", "--all", "--stack", STACK, "--yes"]);
  const destroyed = await fleet.workspace.pulumi(["destroy", "--stack", STACK, "--yes", "--non-interactive"]);
  if (destroyed.code !== 0) console.error(LabFleet.failure(destroyed));
  return destroyed.code === 0;
}

/**
 * The demo's call, the user's whole way (well-known, login, OpenID, lk-jwt-service through the proxy, LiveKit):
 * Element Call in the browser, heard by an rtc-node participant; without a browser, two rtc-node participants.
 */
async function call(fleet: LabFleet): Promise<boolean> {
  if (!fs.existsSync(process.env.CHROMIUM ?? DEBIAN_CHROMIUM)) {
    const outcome = await audioCall(fleet.target(), STACK, "demo-call");
    if (outcome.audible === undefined)
      console.error(`demo: the call between two participants failed: ${outcome.error}`);
    else
      say(
        `a MatrixRTC call between two rtc-node participants carried audio (${outcome.audible} frames heard)`,
      );
    return outcome.audible !== undefined;
  }
  const browser = await BrowserLab.start({
    dir: path.join(LAB_DIR, "browser"),
    caFile: path.join(labCaDir(), "ca.pem"),
    labPidFile: path.join(LAB_DIR, "pids"),
  });
  try {
    const joined = await elementCall(browser, fleet.target(), {
      stack: STACK,
      namespace: CLIENT_NAMESPACE,
      listenerNamespace: CLIENT_NAMESPACE,
      screenshot: path.join(LAB_DIR, "screenshots", "element-call-joined.png"),
    });
    if (joined.page.state !== "joined" || joined.heard?.audible === undefined) {
      console.error(
        `demo: Element Call's call failed: ${nameCause(joined).message}; ${joined.heard?.error ?? ""}`,
      );
      return false;
    }
    say(
      `Element Call joined a MatrixRTC call from a headless Chromium (login, OpenID, lk-jwt-service through the proxy, LiveKit) in ${joined.setupMs} ms; an rtc-node participant heard it (${joined.heard.audible} frames); screenshot kept: ${joined.screenshot}`,
    );
    return true;
  } finally {
    await browser.stop();
  }
}

async function main(): Promise<number> {
  // On a terminal the demo stays up until Enter (at most an hour); elsewhere (CI) it is torn down at once.
  const holdSeconds = Number(process.env.DEMO_HOLD ?? (process.stdin.isTTY ? "3600" : "0"));
  const fleet = await LabFleet.create(path.join(process.env.LAB_DIR ?? ".lab/demo", "fleet"), [STACK]);
  let ok = false;
  try {
    // The monitoring's alert room invites the first admin (registered after the up; the bot invites again).
    await fleet.set(STACK, "monitoring.alerts.invite[0]", `@admin:${fleet.site(STACK).serverName}`);
    say("pulumi up (the real engine, onto the demo's own Docker engine; about a minute)");
    const up = await fleet.up(STACK);
    if (up.code !== 0) {
      console.error(LabFleet.failure(up));
      return 1;
    }
    const site = fleet.site(STACK);
    const secret = String(fleet.homeserver(STACK).registration_shared_secret);
    const password = randomBytes(9).toString("base64url");
    const admin = await registerWithSharedSecret(
      `http://${site.dockerLan}:8008`,
      secret,
      "admin",
      password,
      true,
    );
    say(`registered the first admin ${admin.userId} with Synapse's shared secret`);
    if (!(await call(fleet))) return 1;
    const outputs = JSON.parse(
      (await fleet.workspace.pulumi(["stack", "output", "--json", "--stack", STACK])).stdout,
    );
    await sayWhatPrometheusScrapes();
    const urls = outputs.urls as Record<string, string>;
    // The password goes into a file of the operator's alone, never onto the screen or a command line.
    const loginFile = path.join(fleet.dir, "admin-login.json");
    writeAdminLogin(loginFile, "admin", password);
    const commands = tryCommands({
      clientNamespace: CLIENT_NAMESPACE,
      caFile: path.join(labCaDir(), "ca.pem"),
      homeserverUrl: urls.homeserver!,
      adminLoginFile: loginFile,
      dockerHost: site.dockerHost,
      siteNamespace: site.namespace,
    });
    // The commands are printed for the operator to run; the demo runs them first, exactly as printed.
    const failures = runTryCommands(commands);
    if (failures.length > 0) {
      console.error(
        `demo: ${failures.length} of the commands it prints failed as printed:\n  ${failures.join("\n  ")}`,
      );
      return 1;
    }
    say(`the ${commands.length} commands below were run as printed and worked`);
    console.log(
      [
        "",
        `The demo organisation runs (server name ${site.serverName}, WAN address ${site.wan}):`,
        ...Object.entries(urls).map(([name, url]) => `  ${name.padEnd(16)} ${url}`),
        `  first admin      ${admin.userId}   password in ${loginFile} (mode 0600; gone when the demo ends)`,
        "",
        "Its names resolve only inside the lab's namespaces. From another shell (as root):",
        ...commands.flatMap(({ what, command }) => [`  # ${what}`, `  ${command}`]),
        "",
        ...monitoringLines(site.serverName, admin.userId),
        "Element Web, lk-jwt-service and Ketesa are stand-ins here (no image registry):",
        "see docs/development/docker-lab.md.",
        "",
      ].join("\n"),
    );
    await hold(holdSeconds);
    ok = true;
  } finally {
    fs.rmSync(path.join(fleet.dir, "admin-login.json"), { force: true });
    const destroyed = await destroy(fleet);
    await fleet.stop();
    ok = ok && destroyed;
  }
  say(ok ? "done; nothing of the demo is left running" : "failed");
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
