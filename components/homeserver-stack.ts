import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { renderRouterChecklist } from "../config-templates/router-checklist";
import { OrgConfig } from "../config/model";
import { Backup } from "./backup";
import { Coturn } from "./coturn";
import { ElementWeb } from "./element-web";
import { FleetSecrets } from "./fleet-secrets";
import { JitsiMeet } from "./jitsi";
import { Ketesa } from "./ketesa";
import { Livekit } from "./livekit";
import { LkJwtService } from "./lk-jwt";
import { ProxyHosts } from "./proxy-hosts";
import { ServiceContext, StateStore } from "./shared";
import { StackDocuments } from "./stack-documents";
import { ContainerHealthGate, healthGates } from "./container-health";
import { SynapseUpgradeGate } from "./synapse-upgrade-gate";
import { PreUpgradeBackup } from "./pre-upgrade-backup";
import { Monitoring } from "./monitoring";
import { AdoptedStoresCheck } from "./adopted-store-check";
import { dockerName } from "../model/topology";
import { Synapse } from "./synapse";
import { firstAdminCommand, publicUrls } from "../model/operator-outputs";

/**
 * components/: the thin Pulumi shell. The program's view of its config (program-config.ts), one ComponentResource
 * per service that only wires Docker resources and uploads what config-templates/ rendered (synapse.ts, coturn.ts, ...,
 * shared.ts for what they share), the Nginx Proxy Manager dynamic provider (npm-proxy-host.ts) and its API client
 * (npm-client.ts), and this file, which composes one organisation. The only layer that imports `@pulumi/*`; it may
 * import every layer below (facts/ to checks/). index.ts, above it, composes one `HomeserverStack` per stack.
 */

export interface HomeserverStackArgs {
  /** The validated model (preflight has passed). */
  readonly org: OrgConfig;
  /** Existing secret values (secret config `adoptedSecrets`) for the names in `org.adoption.secrets`. */
  readonly adoptedSecretValues?: pulumi.Input<Readonly<Record<string, string>>>;
  /** The SMTP password for the alerts' e-mail (secret config `monitoringSmtpPassword`), with an SMTP login. */
  readonly smtpPassword?: pulumi.Input<string>;
  /** Values of secret config `backupCredentials` (an off-host backup repository's credentials). */
  readonly backupCredentialValues?: pulumi.Input<Readonly<Record<string, string>>>;
}

/**
 * One organisation: its Docker host, network, secrets and every enabled service. Files come from the same
 * renderers as `render`; each container's files and environment depend on exactly the secrets they contain.
 */
export class HomeserverStack extends pulumi.ComponentResource {
  readonly secrets: FleetSecrets;
  readonly synapse: Synapse;
  readonly elementWeb: ElementWeb | undefined;
  readonly coturn: Coturn | undefined;
  readonly livekit: Livekit | undefined;
  readonly lkJwt: LkJwtService | undefined;
  readonly jitsi: JitsiMeet | undefined;
  readonly ketesa: Ketesa | undefined;
  readonly monitoring: Monitoring | undefined;
  readonly backup: Backup | undefined;
  /** With backups on: the backup `up` takes before it replaces Synapse or PostgreSQL with another image. */
  readonly preUpgradeBackup: PreUpgradeBackup | undefined;
  readonly proxyHosts: ProxyHosts;
  /** Every container and state store of the stack, for outputs and tests. */
  readonly containers: docker.Container[];
  readonly stores: StateStore[];
  /** One per container with a healthcheck: `pulumi up` returns once each is healthy. */
  readonly healthGates: ContainerHealthGate[];
  readonly upgradeGate: SynapseUpgradeGate;
  readonly urls: Record<string, string>;
  readonly routerChecklist: string;
  readonly firstAdminCommand: string;

  constructor(name: string, args: HomeserverStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-fleet:stack:HomeserverStack", name, {}, opts);
    const { org } = args;
    const c = org.components;

    this.secrets = new FleetSecrets(
      `${name}-secrets`,
      { org, adoptedValues: args.adoptedSecretValues },
      { parent: this },
    );
    const context = serviceContext(name, org, this.secrets, this);
    const child = { parent: this };

    // PostgreSQL and Synapse wait for the backup before an upgrade, which runs in the backup's containers, made below.
    let beforeStateful: (first: pulumi.Resource[]) => void = () => {};
    const before = new Promise<pulumi.Resource[]>((resolve) => (beforeStateful = resolve));
    this.synapse = new Synapse(`${name}-synapse`, { org, context, before }, child);
    this.elementWeb = c.elementWeb ? new ElementWeb(`${name}-element`, { org, context }, child) : undefined;
    this.coturn = c.coturn ? new Coturn(`${name}-coturn`, { org, context }, child) : undefined;
    this.livekit = c.matrixRtc ? new Livekit(`${name}-livekit`, { org, context }, child) : undefined;
    this.lkJwt = c.matrixRtc ? new LkJwtService(`${name}-lk-jwt`, { org, context }, child) : undefined;
    this.jitsi = c.jitsi ? new JitsiMeet(`${name}-jitsi`, { org, context }, child) : undefined;
    this.ketesa = c.ketesa ? new Ketesa(`${name}-ketesa`, { org, context }, child) : undefined;
    this.stores = [...this.synapse.stores, ...(this.jitsi ? Object.values(this.jitsi.stores) : [])];
    this.backup = org.backup.enabled ? this.backupOf(name, args, context) : undefined;
    this.preUpgradeBackup = this.backup && this.preUpgradeBackupOf(name, org, this.backup);
    beforeStateful(this.preUpgradeBackup === undefined ? [] : [this.preUpgradeBackup]);
    // The NPM credentials are no input: the NPM providers read them from the stack config when they run.
    this.proxyHosts = new ProxyHosts(
      `${name}-proxy-hosts`,
      {
        hosts: context.documents.template.proxyHosts,
        npmUrl: org.proxy.npmUrl,
        certificate: org.proxy.certificate,
        letsencryptEmail: org.proxy.letsencryptEmail,
        adoptHosts: org.proxy.adoptHosts,
      },
      child,
    );

    this.containers = [
      this.synapse.postgres,
      this.synapse.container,
      ...[this.elementWeb, this.coturn, this.livekit, this.lkJwt, this.ketesa].flatMap((s) =>
        s ? [s.container] : [],
      ),
      ...(this.jitsi ? [this.jitsi.prosody, this.jitsi.jicofo, this.jitsi.jvb, this.jitsi.web] : []),
      ...(this.backup ? [this.backup.dumpContainer, this.backup.container] : []),
    ];
    const gates = gatesOf(name, org, this);
    this.upgradeGate = gates.upgradeGate;
    const monitored = c.monitoring ? this.monitoringOf(name, args, context, gates.ready) : undefined;
    this.monitoring = monitored?.monitoring;
    this.containers.push(...(monitored?.monitoring.containers ?? []));
    this.healthGates = [...gates.healthGates, ...(monitored?.gates ?? [])];
    this.urls = publicUrls(org);
    this.routerChecklist = renderRouterChecklist(context.documents.template);
    this.firstAdminCommand = firstAdminCommand(org);
    this.registerOutputs({
      urls: this.urls,
      routerChecklist: this.routerChecklist,
      firstAdminCommand: this.firstAdminCommand,
      proxyHosts: this.proxyHosts.definitions,
    });
  }

  /** The monitoring: its accounts are made in Synapse and PostgreSQL once both are healthy (their gates). */
  private monitoringOf(
    name: string,
    args: HomeserverStackArgs,
    context: ServiceContext,
    ready: pulumi.Resource[],
  ): { monitoring: Monitoring; gates: ContainerHealthGate[] } {
    const parts = {
      org: args.org,
      context,
      synapse: this.synapse,
      ready,
      backupWork: this.backup?.workVolume,
    };
    return monitoring(name, parts, args, this);
  }

  /** The backup before an upgrade: after the new images and the backup's containers, in those containers. */
  private preUpgradeBackupOf(name: string, org: OrgConfig, backup: Backup): PreUpgradeBackup {
    return new PreUpgradeBackup(
      `${name}-pre-upgrade-backup`,
      {
        org,
        synapseImage: this.synapse.image,
        postgresImage: this.synapse.postgresImage,
        backupContainers: [backup.container, backup.dumpContainer],
      },
      { parent: this },
    );
  }

  /** The backups: they read the stores of Synapse (and Jitsi) and dump with the server's own PostgreSQL image. */
  private backupOf(name: string, args: HomeserverStackArgs, context: ServiceContext): Backup {
    return new Backup(
      `${name}-backup`,
      {
        org: args.org,
        context,
        stores: new Map(this.stores.map((store) => [store.id, store])),
        postgresImage: this.synapse.postgresImage,
        credentials: args.backupCredentialValues,
      },
      { parent: this },
    );
  }
}

/**
 * The stack's Docker host: its provider, the stack's network, and (when the stack adopts stores) the check that
 * they exist there, on which everything else depends.
 */
function dockerHost(name: string, org: OrgConfig, parent: pulumi.Resource) {
  const provider = new docker.Provider(
    `${name}-docker`,
    { host: org.docker.host, sshOpts: [...org.docker.sshOpts] },
    { parent },
  );
  const network = new docker.Network(
    `${name}-network`,
    { name: dockerName(org.stack, "net"), driver: "bridge" },
    { parent, provider },
  );
  const adoptedStores = AdoptedStoresCheck.forStack(`${name}-adopted-stores`, org, { parent });
  return { provider, network, adoptedStores };
}

/**
 * A health gate for each container that has a healthcheck, and after Synapse's the upgrade gate: `up` reports no
 * success before Synapse's background updates (an upgrade's migrations) are done.
 */
function gatesOf(
  name: string,
  org: OrgConfig,
  stack: Pick<HomeserverStack, "synapse" | "elementWeb" | "coturn" | "livekit" | "ketesa" | "backup">,
): { healthGates: ContainerHealthGate[]; upgradeGate: SynapseUpgradeGate; ready: pulumi.Resource[] } {
  const gates = healthGates(name, org, [
    ["postgres", stack.synapse.postgres],
    ["synapse", stack.synapse.container],
    ["elementWeb", stack.elementWeb?.container],
    ["coturn", stack.coturn?.container],
    ["livekit", stack.livekit?.container],
    ["ketesa", stack.ketesa?.container],
    ["backupDump", stack.backup?.dumpContainer],
    ["backup", stack.backup?.container],
  ]);
  const upgradeGate = new SynapseUpgradeGate(
    `${name}-synapse-background-updates`,
    {
      synapse: stack.synapse.container,
      postgres: stack.synapse.postgres,
      synapseImage: org.images.synapse,
      dockerHost: org.docker.host,
      database: org.adoption.database,
      healthy: [gates.get("synapse")!, gates.get("postgres")!],
    },
    { parent: stack.synapse.container },
  );
  const ready = [gates.get("postgres")!, gates.get("synapse")!];
  return { healthGates: [...gates.values()], upgradeGate, ready };
}

/** What every service component receives: the Docker host, the stack's network, the documents and secrets. */
function serviceContext(
  name: string,
  org: OrgConfig,
  secrets: FleetSecrets,
  parent: pulumi.Resource,
): ServiceContext {
  const { provider, network, adoptedStores } = dockerHost(name, org, parent);
  return {
    stack: org.stack,
    provider,
    network,
    documents: new StackDocuments(org, { values: secrets.byName, generators: secrets.generators }),
    // Nothing is read or created before the adopted stores were found on the Docker host.
    childOptions: (child) => ({
      parent: child,
      provider,
      deleteBeforeReplace: true,
      dependsOn: adoptedStores === undefined ? [] : [adoptedStores],
    }),
  };
}

/** The organisation's own monitoring and the health gates of its containers. */
function monitoring(
  name: string,
  parts: {
    org: OrgConfig;
    context: ServiceContext;
    synapse: Synapse;
    ready: pulumi.Resource[];
    backupWork: docker.Volume | undefined;
  },
  args: HomeserverStackArgs,
  parent: pulumi.Resource,
): { monitoring: Monitoring; gates: ContainerHealthGate[] } {
  const { org, synapse } = parts;
  const m = new Monitoring(
    `${name}-monitoring`,
    {
      org,
      context: parts.context,
      synapse: synapse.container,
      postgres: synapse.postgres,
      ready: parts.ready,
      smtpPassword: args.smtpPassword,
      backupWork: parts.backupWork,
    },
    { parent },
  );
  const gates = healthGates(name, org, [
    ["prometheus", m.prometheus],
    ["alertmanager", m.alertmanager],
    ["nodeExporter", m.nodeExporter],
    ["postgresExporter", m.postgresExporter],
    ["callProbe", m.agents.callProbe],
    ["alertBot", m.agents.alertBot],
  ]);
  return { monitoring: m, gates: [...gates.values()] };
}
