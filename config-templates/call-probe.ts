import { durationSeconds } from "../config/monitoring-section";
import { OrgConfig } from "../config/model";
import { BACKUP_STATUS_FILE } from "../facts/backup";
import { MONITORING_ACCOUNTS, MONITORING_CONTAINER_PORTS } from "../facts/monitoring";
import { SecretValues } from "../facts/secrets";
import { EnvFile } from "./formats";
import { HostEntry } from "./lk-jwt-hosts";
import { NpmProxyHost, proxiedDomains } from "./npm-proxy-hosts";
import { VerifyTarget, verifyTarget } from "./verify-target";

/** What the call probe (agents/call-probe.ts) reads at start: whom it checks, how often, as whom. */
export interface CallProbeConfig {
  readonly target: VerifyTarget;
  readonly intervalSeconds: number;
  /** Each check's own bound, as `verify`'s. */
  readonly timeoutMs: number;
  readonly listenPort: number;
  /** The probe's Matrix account (no admin rights); its password comes in the environment. */
  readonly user: string;
  /** WAN address -> the LAN address the probe reaches it at (monitoring.probe.viaLan). */
  readonly lanAddresses: Readonly<Record<string, string>>;
  /**
   * The backup's status file, on the backup's work volume mounted read-only into the probe (components/
   * monitoring-agents.ts), for verify's backups check; absent when backup.enabled is false.
   */
  readonly backupStatusFile: string | undefined;
}

export function callProbeDocument(
  org: OrgConfig,
  documents: {
    readonly lkJwtHosts: readonly HostEntry[] | undefined;
    readonly proxyHosts: readonly NpmProxyHost[];
  },
): CallProbeConfig {
  const { publicIp, lanIp } = org.network;
  return {
    target: verifyTarget(org, documents),
    intervalSeconds: durationSeconds(org.monitoring.probe.interval) ?? 300,
    timeoutMs: 8000,
    listenPort: MONITORING_CONTAINER_PORTS.callProbe,
    user: MONITORING_ACCOUNTS.probe,
    lanAddresses: org.monitoring.probe.viaLan && lanIp !== undefined ? { [publicIp]: lanIp } : {},
    backupStatusFile: org.backup.enabled ? BACKUP_STATUS_FILE : undefined,
  };
}

/**
 * The call probe's host entries (monitoring.probe.viaLan): like lk-jwt-service, it sits on the Docker host behind
 * the router, where the organisation's public names resolve to the WAN address, which many routers do not loop
 * back. Every name the proxy serves points at the proxy's LAN address (same certificates), the TURN host at the
 * Docker host's own address (coturn on the host network). The probe then proves the services, the proxy, the
 * certificates and the credentials; the router's forwards only `npm run verify` from outside can.
 */
export function callProbeHostEntries(org: OrgConfig, proxyHosts: readonly NpmProxyHost[]): HostEntry[] {
  if (!org.monitoring.probe.viaLan) return [];
  const entries = [...proxiedDomains(proxyHosts)].sort().map((name) => ({
    name,
    ip: org.proxy.lanIp,
    why: "the call probe reaches the proxy on the LAN",
  }));
  if (org.components.coturn && org.network.lanIp !== undefined)
    entries.push({
      name: org.hosts.turn,
      ip: org.network.lanIp,
      why: "the call probe reaches coturn on the LAN",
    });
  return entries;
}

/** The probe's environment: its Matrix password, kept out of the reviewable call-probe.json. */
export function callProbeEnvDocument(secrets: SecretValues): EnvFile {
  return { MATRIX_PASSWORD: secrets.probe_password };
}
