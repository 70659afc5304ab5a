import { OrgConfig } from "../lib/model";
import { SecretValues } from "../lib/secrets";
import { livekitPublicUrl } from "../lib/topology";
import { EnvFile, toEnvFile } from "./formats";

/** The port lk-jwt-service listens on inside its container. */
export const LK_JWT_CONTAINER_PORT = 8080;

/** lk-jwt-service environment (element-hq/lk-jwt-service README). */
export function lkJwtEnvDocument(org: OrgConfig, secrets: SecretValues): Record<string, string> {
  return {
    // Handed to clients as the SFU address: must be the public WSS path, never an internal address.
    LIVEKIT_URL: livekitPublicUrl(org),
    LIVEKIT_KEY: secrets.livekit_api_key,
    LIVEKIT_SECRET: secrets.livekit_api_secret,
    // Users of our own homeserver may create rooms on our SFU; federated users can only join.
    LIVEKIT_FULL_ACCESS_HOMESERVERS: org.serverName,
    // A host is needed: the image's healthcheck builds its URL from this value and breaks on a bare ":8080".
    LIVEKIT_JWT_BIND: `0.0.0.0:${LK_JWT_CONTAINER_PORT}`,
    ...org.overrides.lkJwt,
  };
}

export function renderLkJwtEnv(env: EnvFile): string {
  return toEnvFile(env);
}
