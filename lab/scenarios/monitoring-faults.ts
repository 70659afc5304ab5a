/**
 * The five real faults of the monitoring scenarios (lab/scenarios/monitoring.ts), each on the running fleet, with the
 * alert it must raise and the Prometheus series that shows the fault is there (so that a missing alert, with its rule
 * taken out, is the rule's absence and not a fault that did not happen). Spread over the three sites so that they can
 * run at once: produktor's coturn stopped, its lk-jwt-service without host entries behind a router without NAT
 * loopback, and a small disk of its Docker host filled; pro-dukt's coturn on a TURN secret Synapse does not know;
 * moda1's Synapse stopped. Each `during` puts the fault in place, runs the check, and repairs it on the way out.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LabFleet } from "../deploy/fleet";
import { RUN_DIR, Site, docker } from "../deploy/sites";
import { run, waitFor } from "../processes";
import { prometheusQuery, untilSeries } from "../alert-room";
import { withVariant } from "./rtc-behind-nat";

export interface MonitoringFault {
  readonly name: string;
  readonly stack: string;
  readonly alertname: string;
  readonly labels: Readonly<Record<string, string>>;
  /** What the alert's text must say (verify's cause, for a probe check). */
  readonly says: RegExp;
  /** PromQL that returns a series while the fault is there. */
  readonly evidence: string;
  /** The alert can only be posted after the repair (the homeserver of the room is the fault). */
  readonly deliveredAfterRepair?: boolean;
  during<T>(fleet: LabFleet, check: () => Promise<T>): Promise<T>;
}

const TURN_CHECK = "TURN allocation over UDP";
const TOKEN_CHECK = "MatrixRTC token via /get_token and a LiveKit join";
export const SMALL_DISK = `${RUN_DIR}/small-disk`;
const SMALL_DISK_IMAGE = `${RUN_DIR}/small-disk.img`;

/**
 * A command in the mount namespace the site's dockerd (and so its containers' binds) sees: the machine's, which the
 * test, run by `ip netns exec`, does not share. (PID 1's namespace files are closed to us on the lab's machines.)
 */
function inHostMounts(command: string, args: readonly string[]): string {
  const dockerd = fs.readFileSync(`${RUN_DIR}/docker-produktor.pid`, "utf8").trim();
  return run("nsenter", ["-t", dockerd, "-m", "--", command, ...args]);
}

async function containerHealthy(site: Site, container: string, timeoutMs: number): Promise<void> {
  await waitFor(
    `${container} healthy`,
    () => docker(site, ["inspect", "--format", "{{.State.Health.Status}}", container]).trim() === "healthy",
    timeoutMs,
  );
}

/** Stops a container for the check, starts it again after. */
function stopped(container: (stack: string) => string) {
  return async <T>(fleet: LabFleet, stack: string, check: () => Promise<T>): Promise<T> => {
    const site = fleet.site(stack);
    docker(site, ["stop", "--time", "5", container(stack)]);
    try {
      return await check();
    } finally {
      docker(site, ["start", container(stack)]);
      await containerHealthy(site, container(stack), 180_000);
    }
  };
}

/** coturn restarted on a `static-auth-secret` Synapse does not know, and back on the deployed file after. */
async function withOtherTurnSecret<T>(fleet: LabFleet, stack: string, check: () => Promise<T>): Promise<T> {
  const site = fleet.site(stack);
  const container = `matrix-${stack}-coturn`;
  const file = "/etc/coturn/turnserver.conf";
  const deployed = docker(site, ["exec", container, "cat", file]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "turn-secret-"));
  const install = async (text: string) => {
    fs.writeFileSync(path.join(dir, "turnserver.conf"), text, { mode: 0o644 });
    docker(site, ["cp", path.join(dir, "turnserver.conf"), `${container}:${file}`]);
    docker(site, ["restart", "--time", "5", container]);
    await containerHealthy(site, container, 120_000);
  };
  try {
    await install(deployed.replace(/^static-auth-secret=.*$/m, "static-auth-secret=drifted0by0a0hand0edit"));
    return await check();
  } finally {
    try {
      await install(deployed);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** A 24 MB ext4 filesystem mounted on the Docker host, which node-exporter sees after its restart. */
export async function mountSmallDisk(fleet: LabFleet, stack: string): Promise<void> {
  inHostMounts("mkdir", ["-p", SMALL_DISK]);
  inHostMounts("truncate", ["-s", "24M", SMALL_DISK_IMAGE]);
  inHostMounts("mkfs.ext4", ["-q", "-F", SMALL_DISK_IMAGE]);
  inHostMounts("mount", ["-o", "loop", SMALL_DISK_IMAGE, SMALL_DISK]);
  // The exporter's bind of / is rprivate: a filesystem mounted later is in its view after a restart.
  const exporter = `matrix-${stack}-node-exporter`;
  docker(fleet.site(stack), ["restart", exporter]);
  try {
    await untilSeries(stack, `node_filesystem_size_bytes{mountpoint="${SMALL_DISK}"}`, 60_000);
  } catch (error) {
    // What the exporter sees, for the message: its mounts, the disk through its bind, and what it exports.
    const seen = (args: string[]) =>
      docker(fleet.site(stack), ["exec", exporter, ...args], undefined, true) ?? "(failed)";
    throw new Error(
      `${(error as Error).message}\n  its mounts: ${seen(["grep", "small-disk", "/proc/1/mounts"]).trim()}` +
        `\n  statfs: ${seen(["stat", "-f", "-c", "%T %b", `/host${SMALL_DISK}`]).trim()}` +
        `\n  filesystems exported: ${JSON.stringify(prometheusQuery(stack, "count(node_filesystem_size_bytes)"))}` +
        `\n  device errors: ${JSON.stringify(prometheusQuery(stack, "node_filesystem_device_error == 1").map((s) => s.metric.mountpoint))}`,
      { cause: error },
    );
  }
}

export function unmountSmallDisk(fleet: LabFleet, stack: string): void {
  try {
    inHostMounts("umount", [SMALL_DISK]);
  } catch {
    // Not mounted (the setup failed before).
  }
  inHostMounts("rm", ["-rf", SMALL_DISK_IMAGE, SMALL_DISK]);
  docker(fleet.site(stack), ["restart", `matrix-${stack}-node-exporter`], undefined, true);
}

async function withFullDisk<T>(_fleet: LabFleet, _stack: string, check: () => Promise<T>): Promise<T> {
  const free = Number(inHostMounts("df", ["--output=avail", "-B1", SMALL_DISK]).split("\n")[1]);
  inHostMounts("fallocate", ["-l", String(Math.floor(free * 0.95)), `${SMALL_DISK}/fill`]);
  try {
    return await check();
  } finally {
    inHostMounts("rm", ["-f", `${SMALL_DISK}/fill`]);
  }
}

/** lk-jwt-service without its host entries, behind a router without NAT loopback: its own names are unreachable. */
async function withoutLkJwtHostEntries<T>(
  fleet: LabFleet,
  _stack: string,
  check: () => Promise<T>,
): Promise<T> {
  run("bash", ["lab/deploy/network.sh", "hairpin", "off"]);
  try {
    return await withVariant(fleet, (spec) => ({ ...spec, extraHosts: [] }), check);
  } finally {
    run("bash", ["lab/deploy/network.sh", "hairpin", "on"]);
  }
}

const fault = (
  f: Omit<MonitoringFault, "during">,
  during: <T>(fleet: LabFleet, stack: string, check: () => Promise<T>) => Promise<T>,
): MonitoringFault => ({ ...f, during: (fleet, check) => during(fleet, f.stack, check) });

export const MONITORING_FAULTS: readonly MonitoringFault[] = [
  fault(
    {
      name: "coturn stopped",
      stack: "produktor",
      alertname: "CallProbeCheckFailing",
      labels: { check: TURN_CHECK },
      says: /no TURN answer at turn:turn\.produktor\.io:3478/,
      evidence: `matrix_fleet_probe_check_success{check="${TURN_CHECK}"} == 0`,
    },
    stopped((stack) => `matrix-${stack}-coturn`),
  ),
  fault(
    {
      name: "the TURN secret broken (coturn's differs from Synapse's)",
      stack: "pro-dukt",
      alertname: "CallProbeCheckFailing",
      labels: { check: TURN_CHECK },
      says: /allocation refused: 401[\s\S]*turn_shared_secret and coturn's static-auth-secret differ/,
      evidence: `matrix_fleet_probe_check_success{check="${TURN_CHECK}"} == 0`,
    },
    withOtherTurnSecret,
  ),
  fault(
    {
      name: "lk-jwt-service's host entries taken away (no NAT loopback)",
      stack: "produktor",
      alertname: "CallProbeCheckFailing",
      labels: { check: TOKEN_CHECK },
      says: /host entr(y|ies)|proxy\.lanIp|hairpin/,
      evidence: `matrix_fleet_probe_check_success{check="${TOKEN_CHECK}"} == 0`,
    },
    withoutLkJwtHostEntries,
  ),
  fault(
    {
      name: "Synapse stopped",
      stack: "moda1",
      alertname: "ServiceDown",
      labels: { job: "synapse" },
      says: /synapse is down/,
      evidence: 'up{job="synapse"} == 0',
      deliveredAfterRepair: true,
    },
    stopped((stack) => `matrix-${stack}-synapse`),
  ),
  fault(
    {
      name: "a small disk filled",
      stack: "produktor",
      alertname: "DiskAlmostFull",
      labels: { mountpoint: SMALL_DISK },
      says: new RegExp(`${SMALL_DISK} on the Docker host is 9\\d % full`),
      evidence: `node_filesystem_avail_bytes{mountpoint="${SMALL_DISK}"} / node_filesystem_size_bytes{mountpoint="${SMALL_DISK}"} < 0.15`,
    },
    withFullDisk,
  ),
];
