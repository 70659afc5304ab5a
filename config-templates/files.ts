import { backupScripts } from "./backup-env";
import { renderCoturn } from "./coturn";
import { toEnvFile, toJson } from "./formats";
import { renderLivekit } from "./livekit";
import { renderLkJwtEnv } from "./lk-jwt-env";
import { renderRouterChecklist } from "./router-checklist";
import { renderSummary } from "./summary";
import { renderSynapseHomeserver } from "./synapse-homeserver";
import { renderSynapseLogConfig } from "./synapse-log-config";
import { renderWellKnown } from "./well-known";
import { StackPlan } from "./plan";
import { renderAlertRules } from "./alert-rules";
import { renderAlertmanagerConfig } from "./alertmanager-config";
import { renderPrometheusConfig } from "./prometheus-config";
import { FILES, FileId } from "./file-paths";

export { FILES };
export type { FileId };

/** Serialises a plan into file contents, keyed by file id. Only enabled components produce files. */
export function renderPlanFiles(plan: StackPlan): Partial<Record<FileId, string>> {
  const files: Partial<Record<FileId, string>> = {
    homeserver: renderSynapseHomeserver(plan.synapse.homeserver),
    synapseLogConfig: renderSynapseLogConfig(plan.synapse.logConfig),
    wellKnownServer: renderWellKnown(plan.wellKnown.server),
    wellKnownClient: renderWellKnown(plan.wellKnown.client),
  };
  if (plan.coturn) files.coturn = renderCoturn(plan.coturn);
  if (plan.livekit) files.livekit = renderLivekit(plan.livekit);
  if (plan.lkJwt) files.lkJwt = renderLkJwtEnv(plan.lkJwt);
  if (plan.elementWeb) files.elementWeb = toJson(plan.elementWeb);
  if (plan.ketesa) files.ketesa = toJson(plan.ketesa);
  if (plan.jitsi) {
    files.jitsiWeb = toEnvFile(plan.jitsi.web);
    files.jitsiProsody = toEnvFile(plan.jitsi.prosody);
    files.jitsiJicofo = toEnvFile(plan.jitsi.jicofo);
    files.jitsiJvb = toEnvFile(plan.jitsi.jvb);
  }
  if (plan.backup) {
    const scripts = backupScripts();
    files.backupEnv = toEnvFile(plan.backup.env);
    files.backupDumpEnv = toEnvFile(plan.backup.dumpEnv);
    if (plan.backup.knownHosts !== undefined) files.backupKnownHosts = plan.backup.knownHosts;
    files.backupCommon = scripts["common.sh"];
    files.backupScheduler = scripts["scheduler.sh"];
    files.backupRun = scripts["backup.sh"];
    files.backupDumpAgent = scripts["dump-agent.sh"];
    files.backupRestore = scripts["restore.sh"];
  }
  files.proxyHosts = toJson(plan.proxyHosts);
  if (plan.monitoring) {
    files.prometheus = renderPrometheusConfig(plan.monitoring.prometheus);
    files.alertRules = renderAlertRules(plan.monitoring.rules);
    files.alertmanager = renderAlertmanagerConfig(plan.monitoring.alertmanager);
    files.callProbe = toJson(plan.monitoring.probe);
    files.callProbeEnv = toEnvFile(plan.monitoring.probeEnv);
    files.postgresExporter = toEnvFile(plan.monitoring.postgresExporter);
    if (plan.monitoring.alertBot) files.alertBot = toEnvFile(plan.monitoring.alertBot);
  }
  files.routerChecklist = renderRouterChecklist(plan);
  files.summary = renderSummary(plan);
  return files;
}

/** The same files keyed by their relative path, in a stable order. */
export function renderPlanByPath(plan: StackPlan): Map<string, string> {
  const files = renderPlanFiles(plan);
  return new Map(
    (Object.keys(FILES) as FileId[])
      .filter((id) => files[id] !== undefined)
      .map((id) => [FILES[id], files[id] as string]),
  );
}
