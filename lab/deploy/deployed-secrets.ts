/**
 * What the Docker lab reads back from a deployment to render its files as the program rendered them: the
 * program's config as `pulumi config --json` gives it, and the secret values the services run with.
 */
import { SecretValues, placeholderSecrets } from "../../facts/secrets";
import { Site, docker } from "./sites";

/** The secret values a stack's services run with, read from their containers (Synapse's homeserver.yaml given). */
export function deployedSecrets(target: Site, homeserverDocument: Record<string, unknown>): SecretValues {
  const stack = target.stack;
  const values: Record<string, string> = { ...placeholderSecrets() };
  const homeserver = homeserverDocument as Record<string, unknown> & {
    database: { args: { password: string } };
  };
  for (const key of [
    "registration_shared_secret",
    "macaroon_secret_key",
    "form_secret",
    "turn_shared_secret",
  ]) {
    if (typeof homeserver[key] === "string") values[key] = homeserver[key] as string;
  }
  values.postgres_password = homeserver.database.args.password;
  const lkJwt = docker(
    target,
    ["inspect", "--format", "{{json .Config.Env}}", `matrix-${stack}-lk-jwt`],
    undefined,
    true,
  );
  if (lkJwt !== undefined) {
    const env = Object.fromEntries(
      (JSON.parse(lkJwt) as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]),
    );
    if (env.LIVEKIT_KEY !== undefined) values.livekit_api_key = env.LIVEKIT_KEY;
    if (env.LIVEKIT_SECRET !== undefined) values.livekit_api_secret = env.LIVEKIT_SECRET;
  }
  return values as SecretValues;
}

/** A `pulumi config --json` document as the program sees its config: namespaced keys, structured values decoded. */
export function engineConfig(configJson: string): Record<string, unknown> {
  const entries = JSON.parse(configJson) as Record<string, { value?: string; objectValue?: unknown }>;
  return Object.fromEntries(
    Object.entries(entries).map(([key, entry]) => [key, entry.objectValue ?? entry.value]),
  );
}
