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

/** Relative paths of every rendered file, one constant each so that components and tests agree on them. */
export const FILES = {
  homeserver: "synapse/homeserver.yaml",
  synapseLogConfig: "synapse/log.config",
  wellKnownServer: "well-known/server",
  wellKnownClient: "well-known/client",
  coturn: "coturn/turnserver.conf",
  livekit: "livekit/livekit.yaml",
  lkJwt: "lk-jwt/env",
  elementWeb: "element-web/config.json",
  ketesa: "ketesa/config.json",
  jitsiWeb: "jitsi/web.env",
  jitsiProsody: "jitsi/prosody.env",
  jitsiJicofo: "jitsi/jicofo.env",
  jitsiJvb: "jitsi/jvb.env",
  proxyHosts: "proxy-hosts.json",
  routerChecklist: "router-checklist.md",
  summary: "summary.md",
} as const;

export type FileId = keyof typeof FILES;

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
  files.proxyHosts = toJson(plan.proxyHosts);
  files.routerChecklist = renderRouterChecklist(plan.org, plan.routerForwards);
  files.summary = renderSummary(plan.org, plan.lkJwtHosts);
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
