import { BackupDocuments, backupDocuments } from "./backup-env";
import { coturnDocument } from "./coturn";
import { elementWebDocument } from "./element-web";
import { ConfLine, EnvFile } from "./formats";
import { JitsiEnv, jitsiEnvDocuments } from "./jitsi-env";
import { ketesaDocument } from "./ketesa";
import { livekitDocument } from "./livekit";
import { lkJwtEnvDocument } from "./lk-jwt-env";
import { HostEntry, lkJwtHostEntries } from "./lk-jwt-hosts";
import { NpmProxyHost, proxyHostDocuments } from "./npm-proxy-hosts";
import {
  DeployedPort,
  RequiredForward,
  deployedPorts,
  requiredForwards,
  turn443Forwards,
} from "./deployed-ports";
import { prosodyEntrypoint } from "./jitsi-prosody";
import { synapseHomeserverDocument } from "./synapse-homeserver";
import { synapseLogConfigDocument } from "./synapse-log-config";
import { wellKnownClientDocument, wellKnownServerDocument } from "./well-known";
import { OrgConfig } from "../config/model";
import { SecretValues } from "../facts/secrets";
import { alertBotEnvDocument } from "./alert-bot-env";
import { alertRulesDocument } from "./alert-rules";
import { alertmanagerConfigDocument } from "./alertmanager-config";
import { CallProbeConfig, callProbeDocument, callProbeEnvDocument, callProbeHostEntries } from "./call-probe";
import { postgresExporterEnvDocument } from "./postgres-exporter-env";
import { prometheusConfigDocument } from "./prometheus-config";

/**
 * config-templates/: the files a stack deploys. One builder per rendered file (synapse-homeserver.ts,
 * synapse-log-config.ts, well-known.ts, coturn.ts, livekit.ts, lk-jwt-env.ts, lk-jwt-hosts.ts (container host entries), element-web.ts, jitsi-env.ts,
 * ketesa.ts, npm-proxy-hosts.ts, router-checklist.ts, summary.ts; the monitoring's prometheus-config.ts,
 * alert-rules.ts, alertmanager-config.ts, call-probe.ts, postgres-exporter-env.ts and alert-bot-env.ts) makes a document from the config and the
 * secret values; `StackPlan` (this file) gathers them; formats.ts serialises them and files.ts names the files
 * `render` writes and the components upload. Pure and deterministic. May import facts/, config/ and model/.
 */

/**
 * Every document one organisation deploys, built from its config and secret values, before serialisation.
 * Preflight checks this (the merged result, overrides included); `render-files.ts` serialises it; the Pulumi
 * components upload the same serialisation.
 */
export interface StackPlan {
  readonly org: OrgConfig;
  readonly synapse: {
    readonly homeserver: Record<string, unknown>;
    readonly logConfig: Record<string, unknown>;
  };
  readonly wellKnown: {
    readonly server: Record<string, unknown>;
    readonly client: Record<string, unknown>;
  };
  readonly coturn: ConfLine[] | undefined;
  readonly livekit: Record<string, unknown> | undefined;
  readonly lkJwt: EnvFile | undefined;
  /** lk-jwt-service's container host entries: its own public names at the proxy's LAN address (no hairpin NAT). */
  readonly lkJwtHosts: HostEntry[] | undefined;
  readonly elementWeb: Record<string, unknown> | undefined;
  readonly jitsi: JitsiEnv | undefined;
  readonly ketesa: Record<string, unknown> | undefined;
  /** The prosody container's entrypoint (resets jicofo's and jvb's accounts at each start), with Jitsi. */
  readonly jitsiProsodyEntrypoint: string[] | undefined;
  readonly proxyHosts: NpmProxyHost[];
  /** The stack's own monitoring (components.monitoring). */
  readonly monitoring: MonitoringPlan | undefined;
  /** The backup containers' environments (restic, the dump's libpq), unless backup.enabled is false. */
  readonly backup: BackupDocuments | undefined;
  /** The ports the documents bind on the Docker host (overrides included), and the forwards they need. */
  readonly ports: DeployedPort[];
  readonly routerForwards: RequiredForward[];
  /** The forwards of the TURN host's second WAN address (`turn.port443Ip`); empty without it. */
  readonly turn443Forwards: RequiredForward[];
  /** The secret values the documents were built with (placeholders or real), to find where each one is used. */
  readonly secrets: SecretValues;
}

/** Prometheus' config and rules, Alertmanager's config, the call probe's config and host entries, the bot's env. */
export interface MonitoringPlan {
  readonly prometheus: Record<string, unknown>;
  readonly rules: Record<string, unknown>;
  readonly alertmanager: Record<string, unknown>;
  readonly probe: CallProbeConfig;
  readonly probeEnv: EnvFile;
  readonly probeHosts: HostEntry[];
  readonly postgresExporter: EnvFile;
  /** With Matrix delivery (monitoring.alerts.matrix). */
  readonly alertBot: EnvFile | undefined;
}

function monitoringPlan(
  org: OrgConfig,
  secrets: SecretValues,
  documents: { readonly lkJwtHosts: HostEntry[] | undefined; readonly proxyHosts: NpmProxyHost[] },
): MonitoringPlan {
  return {
    prometheus: prometheusConfigDocument(org, secrets),
    rules: alertRulesDocument(org),
    alertmanager: alertmanagerConfigDocument(org),
    probe: callProbeDocument(org, documents),
    probeEnv: callProbeEnvDocument(secrets),
    postgresExporter: postgresExporterEnvDocument(org, secrets),
    probeHosts: callProbeHostEntries(org, documents.proxyHosts),
    alertBot: org.monitoring.alerts.matrix ? alertBotEnvDocument(org, secrets) : undefined,
  };
}

export function buildStackPlan(org: OrgConfig, secrets: SecretValues): StackPlan {
  const c = org.components;
  const homeserver = synapseHomeserverDocument(org, secrets);
  const wellKnownServer = wellKnownServerDocument(org);
  const coturn = c.coturn ? coturnDocument(org, secrets) : undefined;
  const livekit = c.matrixRtc ? livekitDocument(org, secrets) : undefined;
  const lkJwt = c.matrixRtc ? lkJwtEnvDocument(org, secrets) : undefined;
  const jitsi = c.jitsi ? jitsiEnvDocuments(org, secrets) : undefined;
  const proxyHosts = proxyHostDocuments(org);
  const ports = deployedPorts(org, { homeserver, coturn, livekit, jitsi });
  const lkJwtHosts = lkJwt && lkJwtHostEntries(org, wellKnownServer, lkJwt, proxyHosts);
  return {
    org,
    synapse: { homeserver, logConfig: synapseLogConfigDocument() },
    wellKnown: { server: wellKnownServer, client: wellKnownClientDocument(org) },
    coturn,
    livekit,
    lkJwt,
    lkJwtHosts,
    elementWeb: c.elementWeb ? elementWebDocument(org) : undefined,
    jitsi,
    ketesa: c.ketesa ? ketesaDocument(org) : undefined,
    jitsiProsodyEntrypoint: c.jitsi ? prosodyEntrypoint() : undefined,
    proxyHosts,
    monitoring: c.monitoring ? monitoringPlan(org, secrets, { lkJwtHosts, proxyHosts }) : undefined,
    backup: backupDocuments(org, secrets),
    ports,
    routerForwards: requiredForwards(org, ports, [
      "client API, federation, well-known",
      ...(c.elementWeb ? ["Element"] : []),
      ...(livekit !== undefined ? ["LiveKit signalling"] : []),
      ...(jitsi !== undefined ? ["Jitsi"] : []),
      ...(c.ketesa ? ["admin UI"] : []),
    ]),
    turn443Forwards: turn443Forwards(org, ports),
    secrets,
  };
}
