/**
 * The server side of a capacity step on the Docker lab: LiveKit's CPU from its container's cgroup (read in the
 * lab's mount namespace, where /sys/fs/cgroup is the machine's: `ip netns exec` gives the scenarios a /sys of
 * their own), the throttling at the CPU limit the ramp sets with `docker update --cpus`, the UDP sockets it holds
 * in its media range (its host network is the site's namespace), the machine's CPU, and the packets LiveKit counts
 * out (its Prometheus endpoint, when the stack exposes one). Sampled at the measured interval's start and end.
 */
import * as fs from "node:fs";
import { run } from "../processes";
import { Site, docker, labMountNamespace } from "../deploy/sites";
import {
  CgroupCpu,
  cgroupV1Cpu,
  cgroupV2Cpu,
  counterSum,
  cpuCgroupPath,
  machineCpu,
  udpPortsInRange,
} from "./probe-parse";
import { ServerSample } from "./ramp";

interface RawSample {
  readonly at: number;
  readonly cgroup: CgroupCpu;
  readonly machine: { busy: number; total: number };
  readonly mediaPorts: number;
  readonly packetsOut: number | undefined;
}

/** The machine's cores, as the kernel lists them. */
export function machineCores(): number {
  return fs.readFileSync("/proc/cpuinfo", "utf8").match(/^processor\s*:/gm)?.length ?? 1;
}

export class LivekitProbe {
  private limitCores: number;

  private constructor(
    readonly site: Site,
    readonly container: string,
    private readonly pid: number,
    private readonly cgroup: { version: 1 | 2; path: string },
    readonly mediaRange: { start: number; end: number },
    private readonly metricsUrl: string | undefined,
  ) {
    this.limitCores = machineCores();
  }

  /** The probe of a stack's LiveKit container; `metricsPort`: its Prometheus port, if the stack opened one. */
  static open(
    site: Site,
    stack: string,
    mediaRange: { start: number; end: number },
    metricsPort?: number,
  ): LivekitProbe {
    const container = `matrix-${stack}-livekit`;
    const pid = Number(docker(site, ["inspect", "-f", "{{.State.Pid}}", container]).trim());
    if (!(pid > 0)) throw new Error(`${container} is not running (pid ${pid})`);
    const cgroup = cpuCgroupPath(fs.readFileSync(`/proc/${pid}/cgroup`, "utf8"));
    if (cgroup === undefined) throw new Error(`no CPU cgroup in /proc/${pid}/cgroup`);
    const metricsUrl =
      metricsPort === undefined ? undefined : `http://${site.dockerLan}:${metricsPort}/metrics`;
    return new LivekitProbe(site, container, pid, cgroup, mediaRange, metricsUrl);
  }

  /** Limits LiveKit's container to `cores` CPUs (a CFS quota); 0 lifts the limit. */
  limit(cores: number): void {
    docker(this.site, ["update", `--cpus=${cores}`, this.container]);
    this.limitCores = cores > 0 ? cores : machineCores();
  }

  get limitInCores(): number {
    return this.limitCores;
  }

  private readCgroupFile(controller: string, file: string): string {
    const base = this.cgroup.version === 1 ? `/sys/fs/cgroup/${controller}` : "/sys/fs/cgroup";
    return run("nsenter", [`--mount=${labMountNamespace()}`, "cat", `${base}${this.cgroup.path}/${file}`]);
  }

  private cgroupCpu(): CgroupCpu {
    if (this.cgroup.version === 2) return cgroupV2Cpu(this.readCgroupFile("", "cpu.stat"));
    return cgroupV1Cpu(
      this.readCgroupFile("cpuacct", "cpuacct.usage"),
      this.readCgroupFile("cpu", "cpu.stat"),
    );
  }

  private mediaPorts(): number {
    const { start, end } = this.mediaRange;
    const ports = new Set<number>();
    for (const table of ["udp", "udp6"]) {
      const file = `/proc/${this.pid}/net/${table}`;
      if (fs.existsSync(file))
        for (const port of udpPortsInRange(fs.readFileSync(file, "utf8"), start, end)) ports.add(port);
    }
    return ports.size;
  }

  private async packetsOut(): Promise<number | undefined> {
    if (this.metricsUrl === undefined) return undefined;
    try {
      const response = await fetch(this.metricsUrl, { signal: AbortSignal.timeout(5000) });
      return counterSum(await response.text(), "livekit_packet_total", { direction: "outgoing" });
    } catch {
      return undefined;
    }
  }

  async sample(): Promise<RawSample> {
    return {
      at: Date.now(),
      cgroup: this.cgroupCpu(),
      machine: machineCpu(fs.readFileSync("/proc/stat", "utf8")),
      mediaPorts: this.mediaPorts(),
      packetsOut: await this.packetsOut(),
    };
  }

  /** The step's server figures between two samples. */
  between(start: RawSample, end: RawSample): ServerSample {
    const cores = machineCores();
    const seconds = Math.max((end.at - start.at) / 1000, 0.001);
    const periods = end.cgroup.periods - start.cgroup.periods;
    const throttled = end.cgroup.throttledPeriods - start.cgroup.throttledPeriods;
    const total = end.machine.total - start.machine.total;
    return {
      livekitCores: (end.cgroup.usageSeconds - start.cgroup.usageSeconds) / seconds,
      livekitLimitCores: this.limitCores,
      throttledPercent: periods > 0 ? (100 * throttled) / periods : 0,
      forwardedPps:
        start.packetsOut === undefined || end.packetsOut === undefined
          ? undefined
          : (end.packetsOut - start.packetsOut) / seconds,
      mediaPorts: Math.max(start.mediaPorts, end.mediaPorts),
      mediaRange: this.mediaRange.end - this.mediaRange.start + 1,
      machineBusyCores: total > 0 ? ((end.machine.busy - start.machine.busy) / total) * cores : 0,
      machineCores: cores,
      loadAverage: Number(fs.readFileSync("/proc/loadavg", "utf8").split(" ")[0]),
    };
  }
}
