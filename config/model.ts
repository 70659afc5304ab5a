import type { ImageName, Images } from "../facts/images";
import type { SecretGroup, SecretName } from "../facts/secrets";
import type { StateStoreId } from "../facts/state-stores";
import type { BackupCredentialName, RetentionKey } from "../facts/backup";
import type { AlertDelivery, AlertEmail, AlertName, MonitoringOptions } from "./monitoring-model";

export type { AlertDelivery, AlertEmail, AlertName, ImageName, Images, MonitoringOptions, StateStoreId };

/**
 * The typed model of one organisation's stack. `stack-config.ts` builds it from `Pulumi.<stack>.yaml`
 * (filling defaults); every renderer, check and component reads only this model.
 */

export interface PortRange {
  readonly start: number;
  readonly end: number;
}

export type Protocol = "udp" | "tcp";

/** One port or range on one protocol, e.g. `udp/49160-49200`. */
export interface PortSpec {
  readonly protocol: Protocol;
  readonly range: PortRange;
}

export interface Hostnames {
  /** Where `/.well-known/matrix/*` is served for the server name; usually the server name itself. */
  readonly wellKnown: string;
  /** Synapse's public host (client and federation API on 443). */
  readonly homeserver: string;
  readonly element: string;
  /** One host for LiveKit (`/livekit/sfu/`) and lk-jwt-service (`/livekit/jwt/`), as Element Call documents. */
  readonly rtc: string;
  /** coturn; resolves straight to the public IP, never to the reverse proxy. */
  readonly turn: string;
  readonly jitsi: string;
  readonly admin: string;
}

export interface Components {
  readonly elementWeb: boolean;
  readonly coturn: boolean;
  /** LiveKit SFU + lk-jwt-service: MatrixRTC / Element Call. They only work together. */
  readonly matrixRtc: boolean;
  readonly jitsi: boolean;
  readonly ketesa: boolean;
  /** Prometheus, Alertmanager, the exporters, the call probe and the alert bot (issue #27). */
  readonly monitoring: boolean;
}

/**
 * How people on the site's own LAN reach the services, whose public names resolve to the router's WAN address:
 * `loopback`, the router sends LAN traffic for its WAN address back in (NAT loopback / hairpin NAT); `splitDns`, the
 * LAN's DNS answers the public names with LAN addresses (router-checklist.md lists them); `none`, neither, so nobody
 * on that LAN can use them.
 */
export type LanAccess = "loopback" | "splitDns" | "none";

export const LAN_ACCESS_VALUES: readonly LanAccess[] = ["loopback", "splitDns", "none"];

export interface NetworkConfig {
  /** The WAN address clients reach. coturn `external-ip` and LiveKit `rtc.node_ip` both use it. */
  readonly publicIp: string;
  /** The Docker host's LAN address behind the router (NAT), if any: coturn maps `public/private` with it. */
  readonly lanIp: string | undefined;
  /** Behind a router (`lanIp` set): how LAN clients reach the public names; undefined without a router. */
  readonly lanAccess: LanAccess | undefined;
  /** What the operator says the router forwards today; preflight compares it with what the stack needs. */
  readonly routerForwards: readonly PortSpec[];
}

export interface PortPlan {
  /** coturn STUN/TURN listener, UDP and TCP. */
  readonly turn: number;
  /** coturn TURN over TLS (`turns:`), TCP. */
  readonly turnTls: number;
  readonly turnRelay: PortRange;
  /** LiveKit HTTP/WebSocket signalling (behind the reverse proxy). */
  readonly livekitHttp: number;
  /** LiveKit ICE/TCP fallback for networks that block UDP. */
  readonly livekitTcp: number;
  readonly livekitUdp: PortRange;
  readonly jvb: number;
  /** Host ports on the Docker host that the reverse proxy forwards to. */
  readonly synapse: number;
  readonly elementWeb: number;
  readonly ketesa: number;
  readonly lkJwt: number;
  readonly jitsiWeb: number;
  /** LiveKit's metrics endpoint (host network, Basic auth); never forwarded by the router. */
  readonly livekitMetrics: number;
  /** coturn's Prometheus exporter (host network); never forwarded by the router. */
  readonly coturnMetrics: number;
  /** Prometheus and Alertmanager, published on the Docker host's loopback only (reach them over SSH). */
  readonly prometheus: number;
  readonly alertmanager: number;
}

export type CertificateChoice = { readonly kind: "existing"; readonly id: number } | { readonly kind: "new" };

export interface ProxyConfig {
  /** Nginx Proxy Manager admin API base URL, e.g. `http://192.0.2.20:81`. */
  readonly npmUrl: string;
  /** LAN address of the proxy host: the router forwards 80/443 there. */
  readonly lanIp: string;
  /** Address NPM uses to reach the services on the Docker host. */
  readonly forwardHost: string;
  readonly certificate: CertificateChoice;
  readonly letsencryptEmail: string;
  /** Body size limit on the homeserver vhost; must be at least Synapse's `max_upload_size`. */
  readonly clientMaxBodySize: string;
  /**
   * Proxy hosts made outside this stack (by hand in NPM's UI, or by a lost state) that it may take over, by a
   * domain name each: the stack then rewrites them, and `pulumi destroy` deletes them. Any other host that holds
   * one of the stack's names stops `pulumi up` with its id and names.
   */
  readonly adoptHosts: readonly string[];
}

export interface DockerTarget {
  /** `unix:///var/run/docker.sock` or `ssh://user@host`. */
  readonly host: string;
  readonly sshOpts: readonly string[];
}

/** When the backup container starts a backup: daily at a UTC time, or every so many seconds (the lab's). */
export type BackupSchedule =
  | { readonly kind: "daily"; readonly hour: number; readonly minute: number; readonly text: string }
  | { readonly kind: "every"; readonly seconds: number; readonly text: string };

/**
 * Where the restic repository lives: a volume on the Docker host the stack owns (protected, retained), a directory
 * on the Docker host, or an off-host location restic reaches itself (`sftp:`, `rest:`, `s3:`).
 */
export type BackupRepository =
  | { readonly kind: "volume" }
  | { readonly kind: "directory"; readonly path: string }
  | { readonly kind: "remote"; readonly backend: "sftp" | "rest" | "s3"; readonly location: string };

export interface BackupOptions {
  readonly enabled: boolean;
  readonly schedule: BackupSchedule;
  /** restic forget's --keep-* counts; 0 leaves that kind out. */
  readonly retention: Readonly<Record<RetentionKey, number>>;
  readonly repository: BackupRepository;
  /** verify fails when the last successful backup is older than this (as written, and in seconds). */
  readonly maxAge: string;
  readonly maxAgeSeconds: number;
  /** The names set in secret config `backupCredentials` (their values never enter the model). */
  readonly credentials: readonly BackupCredentialName[];
  /** known_hosts lines of an sftp repository's server. */
  readonly sftpKnownHosts: readonly string[];
}

export interface SynapseOptions {
  readonly enableRegistration: boolean;
  readonly maxUploadSize: string;
  readonly urlPreviews: boolean;
  readonly enableMetrics: boolean;
  readonly adminContact: string | undefined;
  readonly turnUserLifetime: string;
  readonly turnAllowGuests: boolean;
  readonly maxEventDelayDuration: string;
  /** `media_retention.remote_media_lifetime`: cached remote media unused this long is purged (bounds the disk). */
  readonly remoteMediaLifetime: string;
}

export interface TurnOptions {
  /** Offer `turns:` on `ports.turnTls`; needs a certificate for the TURN host on the Docker host. */
  readonly tls: boolean;
  readonly certFile: string;
  readonly keyFile: string;
  readonly userQuota: number;
  readonly totalQuota: number;
  /**
   * A second WAN address for TURN on 443 (networks that pass nothing but TCP 443): the TURN name resolves to it, and
   * the router forwards its TCP 443 to coturn's TLS port (its listener without TLS) and its TURN ports 1:1, while
   * the main address keeps 443 for the proxy. Undefined: no TURN on 443.
   */
  readonly port443Ip: string | undefined;
}

export interface ElementOptions {
  readonly brand: string;
  readonly disableGuests: boolean;
  readonly disableCustomUrls: boolean;
}

export interface JitsiOptions {
  readonly enableAuth: boolean;
  readonly enableGuests: boolean;
  readonly enableTranscriptions: boolean;
  readonly enableRecording: boolean;
  readonly timezone: string;
}

/** Bump a value to rotate every secret of that group (and restart exactly its consumers) in one `pulumi up`. */
export type SecretRotation = Readonly<Record<SecretGroup, string>>;

/** Values merged over one stack's rendered documents, per service. */
export interface ServiceOverrides {
  readonly synapse: Readonly<Record<string, unknown>>;
  readonly livekit: Readonly<Record<string, unknown>>;
  readonly coturn: Readonly<Record<string, string | number | boolean | readonly string[]>>;
  readonly lkJwt: Readonly<Record<string, string>>;
  readonly elementWeb: Readonly<Record<string, unknown>>;
}

/**
 * Expert escape hatch: values merged over the rendered documents. Every key is judged on the merged documents
 * (checks/overrides.ts: its type as the service reads it, its value against the rest of the stack) or refused as
 * unknown; `unjudged` holds what the operator marks as not judged, merged last and listed by render, preview and
 * summary.md.
 */
export interface Overrides extends ServiceOverrides {
  readonly unjudged: ServiceOverrides;
}

/**
 * A store taken over from a running deployment: an existing Docker volume (by name) or a host directory
 * (absolute path, bind-mounted). The stack reads it and mounts it; it never creates, replaces or deletes it.
 */
export type AdoptedStore =
  { readonly kind: "volume"; readonly name: string } | { readonly kind: "hostPath"; readonly path: string };

/**
 * What a stack takes over from a running deployment (`npm run adopt`) instead of creating it: state stores,
 * where Synapse's signing key and media are inside them, the database's role and name, and which secrets keep
 * their existing values. Without adoption every field holds matrix-fleet's own layout.
 */
export interface Adoption {
  readonly stores: Readonly<Partial<Record<StateStoreId, AdoptedStore>>>;
  /** Container path of Synapse's signing key; under the data mount. */
  readonly signingKeyPath: string;
  /** Container path of Synapse's media store; under the data or the media mount. */
  readonly mediaStorePath: string;
  readonly database: { readonly user: string; readonly name: string };
  /** Secrets whose values come from secret config `adoptedSecrets` instead of a new RandomPassword. */
  readonly secrets: readonly SecretName[];
}

/**
 * What the organisation's host is and what it expects of it (`capacity`): summary.md predicts the call capacity
 * from the host's cores, and preflight warns when the expected call is larger. Undeclared until the operator says.
 */
export interface CapacityOptions {
  /** CPU cores of the Docker host LiveKit runs on. */
  readonly hostCores: number | undefined;
  /** The largest call the organisation expects (participants in one call). */
  readonly expectedParticipants: number | undefined;
}

export interface OrgConfig {
  /** Pulumi stack name (`produktor` for `Pulumi.produktor.yaml`). */
  readonly stack: string;
  readonly organisation: string;
  /** The Matrix server name: the part after the colon in `@alice:produktor.io`. */
  readonly serverName: string;
  readonly hosts: Hostnames;
  readonly components: Components;
  readonly network: NetworkConfig;
  readonly ports: PortPlan;
  /** Server names this organisation federates with. Empty means: federate with nobody. */
  readonly federationPeers: readonly string[];
  readonly images: Images;
  readonly docker: DockerTarget;
  readonly proxy: ProxyConfig;
  readonly synapse: SynapseOptions;
  readonly turn: TurnOptions;
  readonly element: ElementOptions;
  readonly jitsi: JitsiOptions;
  readonly monitoring: MonitoringOptions;
  readonly secretRotation: SecretRotation;
  readonly overrides: Overrides;
  readonly adoption: Adoption;
  readonly backup: BackupOptions;
  readonly capacity: CapacityOptions;
}
