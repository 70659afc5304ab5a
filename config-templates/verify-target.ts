import {
  BackupOptions,
  Components,
  DockerTarget,
  Hostnames,
  NetworkConfig,
  OrgConfig,
  PortPlan,
  TurnOptions,
} from "../config/model";
import { HostEntry } from "./lk-jwt-hosts";
import { NpmProxyHost } from "./npm-proxy-hosts";

/**
 * What `verify` and the call probe check of a stack: the parts of its config and documents a client, a peer and
 * lk-jwt-service meet, and nothing else. The call probe receives exactly this (config-templates/call-probe.ts), so
 * a setting no client meets (Element's brand, a rotation keeper) never replaces the probe's container.
 */
export interface VerifyTarget {
  readonly stack: string;
  readonly serverName: string;
  readonly hosts: Hostnames;
  readonly components: Components;
  readonly network: Pick<NetworkConfig, "publicIp" | "lanIp">;
  readonly ports: Pick<
    PortPlan,
    "turn" | "turnTls" | "livekitTcp" | "livekitMetrics" | "coturnMetrics" | "prometheus" | "alertmanager"
  >;
  /** TLS on coturn's own port, and the second WAN address whose TCP 443 reaches coturn (turn.port443Ip). */
  readonly turn: Pick<TurnOptions, "tls" | "port443Ip">;
  readonly proxy: { readonly lanIp: string };
  readonly federationPeers: readonly string[];
  /** The public names lk-jwt-service reaches for our users (its host entries, config-templates/lk-jwt-hosts.ts). */
  readonly lkJwtOwnNames: readonly string[];
  /** Every name the stack's proxy hosts serve over HTTPS: each certificate's lifetime is checked. */
  readonly proxiedHosts: readonly string[];
  /** Where `verify` reads the backup status (through the Docker host; the call probe reads its own mount). */
  readonly docker: Pick<DockerTarget, "host">;
  /** What the `backups` check judges: whether there are backups, how old the newest may be, when they run. */
  readonly backup: Pick<BackupOptions, "enabled" | "maxAge" | "maxAgeSeconds" | "schedule">;
}

export function verifyTarget(
  org: OrgConfig,
  documents: {
    readonly lkJwtHosts: readonly HostEntry[] | undefined;
    readonly proxyHosts: readonly NpmProxyHost[];
  },
): VerifyTarget {
  const p = org.ports;
  return {
    stack: org.stack,
    serverName: org.serverName,
    hosts: org.hosts,
    components: org.components,
    network: { publicIp: org.network.publicIp, lanIp: org.network.lanIp },
    ports: {
      turn: p.turn,
      turnTls: p.turnTls,
      livekitTcp: p.livekitTcp,
      livekitMetrics: p.livekitMetrics,
      coturnMetrics: p.coturnMetrics,
      prometheus: p.prometheus,
      alertmanager: p.alertmanager,
    },
    turn: { tls: org.turn.tls, port443Ip: org.turn.port443Ip },
    proxy: { lanIp: org.proxy.lanIp },
    federationPeers: org.federationPeers,
    lkJwtOwnNames: (documents.lkJwtHosts ?? []).map((entry) => entry.name),
    proxiedHosts: [...new Set(documents.proxyHosts.flatMap((host) => host.domain_names))],
    docker: { host: org.docker.host },
    backup: {
      enabled: org.backup.enabled,
      maxAge: org.backup.maxAge,
      maxAgeSeconds: org.backup.maxAgeSeconds,
      schedule: org.backup.schedule,
    },
  };
}
