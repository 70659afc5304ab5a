import { OrgConfig } from "../config/model";
import { SecretValues } from "../facts/secrets";
import { livekitPublicUrl } from "../model/topology";
import { EnvFile, toEnvFile } from "./formats";

/** lk-jwt-service environment (element-hq/lk-jwt-service README). */
export function lkJwtEnvDocument(org: OrgConfig, secrets: SecretValues): Record<string, string> {
  return {
    // Handed to clients as the SFU address: must be the public WSS path, never an internal address.
    LIVEKIT_URL: livekitPublicUrl(org),
    LIVEKIT_KEY: secrets.livekit_api_key,
    LIVEKIT_SECRET: secrets.livekit_api_secret,
    // Users of our own homeserver may create rooms on our SFU; federated users can only join.
    LIVEKIT_FULL_ACCESS_HOMESERVERS: org.serverName,
    // LIVEKIT_JWT_BIND stays unset (lk-jwt-service listens on :8080): the healthcheck newer images ship builds
    // "localhost:<LIVEKIT_JWT_BIND>" from the raw value, so any bind with a host or a colon breaks it.
    ...org.overrides.lkJwt,
    ...org.overrides.unjudged.lkJwt,
  };
}

export function renderLkJwtEnv(env: EnvFile): string {
  return toEnvFile(env);
}
