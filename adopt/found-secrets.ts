import { SECRET_NAMES, SecretName } from "../facts/secrets";
import { RunningDeployment } from "./running-deployment";

type Doc = Record<string, unknown>;

/** A secret found in the running deployment. The value stays in memory; reports print only name and source. */
export interface FoundSecret {
  readonly name: SecretName;
  readonly source: string;
  readonly value: string;
}

/** Where each secret lives in a compose deployment, first source wins; disagreeing copies are reported. */
export function findSecrets(deployment: RunningDeployment, notes: string[]): FoundSecret[] {
  const hs = deployment.homeserver;
  const db = (hs?.content.database as { args?: Doc } | undefined)?.args;
  const env = deployment.environments;
  const livekitKeys = Object.entries((deployment.livekit?.content.keys as Doc | undefined) ?? {});
  if (livekitKeys.length > 1)
    notes.push(
      `livekit.yaml has ${livekitKeys.length} API keys; adopting the first, which lk-jwt-service should use`,
    );
  const turnserver = deployment.turnserver;
  const candidates: Record<SecretName, Array<[source: string, value: unknown]>> = {
    registration_shared_secret: [
      ["homeserver.yaml registration_shared_secret", hs?.content.registration_shared_secret],
    ],
    // Unset, Synapse falls back to registration_shared_secret (synapse/config/key.py; docs/upstream/adoption.md §6).
    macaroon_secret_key: [
      ["homeserver.yaml macaroon_secret_key", hs?.content.macaroon_secret_key],
      [
        "homeserver.yaml registration_shared_secret (Synapse's fallback for an unset macaroon_secret_key)",
        hs?.content.macaroon_secret_key === undefined ? hs?.content.registration_shared_secret : undefined,
      ],
    ],
    form_secret: [["homeserver.yaml form_secret", hs?.content.form_secret]],
    // Synapse's copy is the one the running database accepts: POSTGRES_PASSWORD only applied at initdb.
    postgres_password: [
      ["homeserver.yaml database.args.password", db?.password],
      ["postgres POSTGRES_PASSWORD", env.postgres?.POSTGRES_PASSWORD],
    ],
    turn_shared_secret: [
      ["homeserver.yaml turn_shared_secret", hs?.content.turn_shared_secret],
      ["turnserver.conf static-auth-secret", turnserver?.content.get("static-auth-secret")?.[0]],
    ],
    livekit_api_key: [
      ["livekit.yaml keys", livekitKeys[0]?.[0]],
      ["lk-jwt-service LIVEKIT_KEY", env.lkJwt?.LIVEKIT_KEY],
    ],
    livekit_api_secret: [
      ["livekit.yaml keys", livekitKeys[0]?.[1]],
      ["lk-jwt-service LIVEKIT_SECRET", env.lkJwt?.LIVEKIT_SECRET],
    ],
    jicofo_auth_password: [
      ["jicofo JICOFO_AUTH_PASSWORD", env.jitsiJicofo?.JICOFO_AUTH_PASSWORD],
      ["prosody JICOFO_AUTH_PASSWORD", env.jitsiProsody?.JICOFO_AUTH_PASSWORD],
    ],
    // A compose deployment has no matrix-fleet backup repository: the stack's first backup makes a new one.
    backup_password: [],
    jvb_auth_password: [
      ["jvb JVB_AUTH_PASSWORD", env.jitsiJvb?.JVB_AUTH_PASSWORD],
      ["prosody JVB_AUTH_PASSWORD", env.jitsiProsody?.JVB_AUTH_PASSWORD],
    ],
    // A compose deployment has no matrix-fleet monitoring: these are generated on the first pulumi up.
    livekit_metrics_password: [],
    postgres_monitor_password: [],
    probe_password: [],
    alert_bot_password: [],
  };
  const found: FoundSecret[] = [];
  for (const name of SECRET_NAMES) {
    const present = candidates[name].filter(
      (c): c is [string, string] => typeof c[1] === "string" && c[1] !== "",
    );
    const first = present[0];
    if (first === undefined) continue;
    for (const [source, value] of present.slice(1)) {
      if (value !== first[1])
        notes.push(
          `${name}: ${source} differs from ${first[0]} (values not shown); adopting ${first[0]}. Today the two disagree, which breaks whatever uses ${source}`,
        );
    }
    found.push({ name, source: first[0], value: first[1] });
  }
  return found;
}
