import { isPlainObject } from "../config/merge";
import { SECRET_NAMES, SecretName } from "../facts/secrets";
import { FILES } from "./file-paths";
import { StackPlan } from "./plan";

/** One place a secret is written: the rendered file, the service reading it, and the key it sits at. */
export interface SecretUse {
  readonly secret: SecretName;
  readonly file: string;
  readonly service: string;
  /** The key in the file (`database.args.password`, `static-auth-secret`, `LIVEKIT_KEY`), never the value. */
  readonly key: string;
}

/**
 * Where each secret really goes, found by looking for the plan's secret values (placeholders or real ones) in
 * every document the stack deploys. The summary lists exactly these: a secret no document holds is not listed,
 * and no consumer is named that no rendered file has.
 */
export function secretUses(plan: StackPlan): SecretUse[] {
  const sources: Array<[file: string, service: string, document: unknown]> = [
    [FILES.homeserver, "Synapse", plan.synapse.homeserver],
    [FILES.synapseLogConfig, "Synapse", plan.synapse.logConfig],
    [FILES.wellKnownServer, "well-known", plan.wellKnown.server],
    [FILES.wellKnownClient, "well-known", plan.wellKnown.client],
    [
      FILES.coturn,
      "coturn",
      Object.fromEntries((plan.coturn ?? []).map(([option, value]) => [option, value])),
    ],
    [FILES.livekit, "LiveKit", plan.livekit],
    [FILES.lkJwt, "lk-jwt-service", plan.lkJwt],
    [FILES.elementWeb, "Element Web", plan.elementWeb],
    [FILES.ketesa, "Ketesa", plan.ketesa],
    [FILES.jitsiWeb, "Jitsi web", plan.jitsi?.web],
    [FILES.jitsiProsody, "Jitsi prosody", plan.jitsi?.prosody],
    [FILES.jitsiJicofo, "Jitsi jicofo", plan.jitsi?.jicofo],
    [FILES.jitsiJvb, "Jitsi videobridge", plan.jitsi?.jvb],
    [FILES.proxyHosts, "Nginx Proxy Manager", plan.proxyHosts],
    [FILES.prometheus, "Prometheus", plan.monitoring?.prometheus],
    [FILES.alertmanager, "Alertmanager", plan.monitoring?.alertmanager],
    [FILES.callProbeEnv, "call probe", plan.monitoring?.probeEnv],
    [FILES.postgresExporter, "postgres-exporter", plan.monitoring?.postgresExporter],
    [FILES.alertBot, "alert bot", plan.monitoring?.alertBot],
    [FILES.backupEnv, "backup (restic)", plan.backup?.env],
    [FILES.backupDumpEnv, "backup dump (pg_dump)", plan.backup?.dumpEnv],
  ];
  const values = SECRET_NAMES.map((name) => plan.secrets[name]);
  const isSecret = (text: string) => values.some((value) => text.includes(value));
  const uses: SecretUse[] = [];
  const seen = new Set<string>();
  const add = (secret: SecretName, file: string, service: string, key: string) => {
    const id = `${secret}\n${file}\n${key}`;
    if (!seen.has(id)) uses.push({ secret, file, service, key });
    seen.add(id);
  };
  for (const [file, service, document] of sources) {
    if (document === undefined) continue;
    walk(document, "", isSecret, (path, text) => {
      for (const secret of SECRET_NAMES) {
        if (text.includes(plan.secrets[secret])) add(secret, file, service, path);
      }
    });
  }
  return uses;
}

/** Calls `visit` with the path of every string in a document, map keys included (LiveKit's `keys` is keyed by one). */
function walk(
  value: unknown,
  path: string,
  isSecret: (text: string) => boolean,
  visit: (path: string, text: string) => void,
): void {
  const join = (key: string) => (path === "" ? key : `${path}.${key}`);
  if (typeof value === "string") visit(path, value);
  else if (Array.isArray(value))
    value.forEach((item, index) => walk(item, `${path}[${index}]`, isSecret, visit));
  else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      // A key that is itself a secret is named by its map, never by its value.
      visit(path, key);
      walk(item, isSecret(key) ? path : join(key), isSecret, visit);
    }
  }
}
