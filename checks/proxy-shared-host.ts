import { formatRange } from "../config/ports";
import { OrgConfig } from "../config/model";
import { Problem, problem } from "../config/problems";
import { StackPlan } from "../config-templates/plan";
import { rangesOverlap } from "../model/host-ports";

/**
 * When Nginx Proxy Manager runs on the Docker host itself, its ports are that host's too: tcp/80 and tcp/443 (its
 * proxy hosts) and its admin port (81 in NPM's image, or the one proxy.npmUrl names). A service of the stack that
 * publishes or binds one of them (host networking and published ports share one port space) cannot start beside
 * it, or NPM cannot. Judged on the ports the documents bind (overrides included).
 */

/** Where the stack says NPM runs, compared with where its services run. */
export function npmSharesDockerHost(org: OrgConfig): boolean {
  const dockerHost = [
    org.network.lanIp ?? org.network.publicIp,
    org.proxy.forwardHost,
    sshHost(org.docker.host),
  ];
  const npmHost = hostOf(org.proxy.npmUrl);
  return dockerHost.includes(org.proxy.lanIp) || (npmHost !== undefined && dockerHost.includes(npmHost));
}

/** NPM's own TCP ports: 80 and 443, its admin port 81, and the port proxy.npmUrl names if another. */
export function npmPorts(org: OrgConfig): ReadonlyMap<number, string> {
  const ports = new Map<number, string>([
    [80, "HTTP, Let's Encrypt's HTTP-01 challenges"],
    [443, "HTTPS, every proxy host"],
    [81, "NPM's admin UI and API"],
  ]);
  const admin = Number(/^[a-z]+:\/\/[^/]*:(\d+)/i.exec(org.proxy.npmUrl)?.[1]);
  if (Number.isInteger(admin) && !ports.has(admin)) ports.set(admin, "NPM's admin UI and API (proxy.npmUrl)");
  return ports;
}

export function checkPortsBesideProxy({ org, ports }: StackPlan): Problem[] {
  if (!npmSharesDockerHost(org)) return [];
  const npm = npmPorts(org);
  const seen = new Set<string>();
  return ports.flatMap((use) => {
    if (use.protocol !== "tcp" || use.unreadable !== undefined) return [];
    const taken = [...npm].find(([port]) => rangesOverlap(use.range, { start: port, end: port }));
    if (taken === undefined || seen.has(use.setBy)) return [];
    seen.add(use.setBy);
    const [port, what] = taken;
    return [
      problem(
        org.stack,
        use.setBy,
        `${use.what} binds tcp/${formatRange(use.range)} on the Docker host, and Nginx Proxy Manager runs on that host too (proxy.lanIp ${org.proxy.lanIp}) with tcp/${port} for ${what}: one of them cannot start`,
        `give ${use.key} a port NPM does not use (not 80, 443 or ${[...npm.keys()].filter((p) => p > 443 || p === 81).join(", ")})`,
      ),
    ];
  });
}

function hostOf(url: string): string | undefined {
  return /^[a-z]+:\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+)/i.exec(url)?.[1]?.toLowerCase();
}

function sshHost(dockerHost: string): string | undefined {
  return dockerHost.startsWith("ssh://") ? hostOf(dockerHost) : undefined;
}
