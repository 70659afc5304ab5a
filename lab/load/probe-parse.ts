/**
 * Readings of the server side of a capacity step, parsed from the kernel's and LiveKit's own text: the CPU and
 * throttling of a container's cgroup (v1 cpuacct/cpu, or v2 cpu.stat), the UDP sockets of a network namespace
 * (/proc/<pid>/net/udp), the machine's CPU (/proc/stat) and LiveKit's Prometheus counters. Pure.
 */

/** A cgroup's CPU at one moment: total CPU time, scheduling periods and the periods it was throttled in. */
export interface CgroupCpu {
  readonly usageSeconds: number;
  readonly periods: number;
  readonly throttledPeriods: number;
}

function statFields(text: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const line of text.split("\n")) {
    const [name, value] = line.trim().split(/\s+/);
    if (name !== undefined && value !== undefined && /^\d+$/.test(value)) fields.set(name, Number(value));
  }
  return fields;
}

/** cgroup v2: `cpu.stat` holds usage_usec, nr_periods and nr_throttled. */
export function cgroupV2Cpu(cpuStat: string): CgroupCpu {
  const fields = statFields(cpuStat);
  return {
    usageSeconds: (fields.get("usage_usec") ?? 0) / 1e6,
    periods: fields.get("nr_periods") ?? 0,
    throttledPeriods: fields.get("nr_throttled") ?? 0,
  };
}

/** cgroup v1: `cpuacct.usage` in nanoseconds, and the cpu controller's `cpu.stat` for the periods. */
export function cgroupV1Cpu(cpuacctUsage: string, cpuStat: string): CgroupCpu {
  const fields = statFields(cpuStat);
  return {
    usageSeconds: Number(cpuacctUsage.trim()) / 1e9,
    periods: fields.get("nr_periods") ?? 0,
    throttledPeriods: fields.get("nr_throttled") ?? 0,
  };
}

/**
 * Where a process's CPU cgroup is, from /proc/<pid>/cgroup: v1's `N:cpu,cpuacct:/path` (or the cpuacct line), else
 * v2's `0::/path`.
 */
export function cpuCgroupPath(procCgroup: string): { version: 1 | 2; path: string } | undefined {
  const lines = procCgroup.split("\n").map((l) => l.trim());
  for (const line of lines) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (controllers !== undefined && controllers.split(",").includes("cpuacct"))
      return { version: 1, path: path! };
  }
  const unified = lines.find((l) => l.startsWith("0::"));
  return unified === undefined ? undefined : { version: 2, path: unified.slice(3) };
}

/** The local ports of the sockets listed in /proc/<pid>/net/udp (or udp6) that fall in [start, end]. */
export function udpPortsInRange(procNetUdp: string, start: number, end: number): Set<number> {
  const ports = new Set<number>();
  for (const line of procNetUdp.split("\n").slice(1)) {
    const local = line.trim().split(/\s+/)[1];
    const port = local === undefined ? NaN : parseInt(local.split(":").at(-1) ?? "", 16);
    if (port >= start && port <= end) ports.add(port);
  }
  return ports;
}

/** The machine's CPU from /proc/stat's first line: busy and total time in clock ticks (iowait counts as idle). */
export function machineCpu(procStat: string): { busy: number; total: number } {
  const fields = (procStat.split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/**
 * The sum of a Prometheus counter over the series whose labels include every given label (text exposition
 * format); undefined when no series matches.
 */
export function counterSum(
  metrics: string,
  name: string,
  labels: Readonly<Record<string, string>>,
): number | undefined {
  let sum: number | undefined;
  for (const line of metrics.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const close = line.lastIndexOf("}");
    const labelText = close < 0 ? "" : line.slice(name.length + 1, close);
    const value = Number(
      line
        .slice(close < 0 ? name.length : close + 1)
        .trim()
        .split(/\s+/)[0],
    );
    const matches = Object.entries(labels).every(([key, want]) => labelText.includes(`${key}="${want}"`));
    if (matches && Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}
