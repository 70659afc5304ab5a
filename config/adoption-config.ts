import * as path from "node:path";
import { SectionReader, describe } from "./section-reader";
import { Adoption, AdoptedStore, BackupOptions, Components, StateStoreId } from "./model";

/** What of the stack decides which secrets it uses: its components and whether it backs up. */
export interface EnabledParts {
  readonly components: Components;
  readonly backup: BackupOptions;
}
import { Problem, problem } from "./problems";
import { SECRET_NAMES, SecretName, neededSecrets } from "../facts/secrets";
import { DATABASE } from "../facts/postgres";
import { SYNAPSE_PATHS, defaultSigningKeyPath, isUnder } from "../facts/synapse";
import { STATE_STORES, STATE_STORE_IDS } from "../facts/state-stores";

/** Docker's rule for volume names (daemon/names: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`). */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Reads `adopt` and `adoptedSecrets`. Without them the result is matrix-fleet's own layout, so every stack has an
 * `Adoption` and renderers never branch on "adopted or not".
 */
export function parseAdoption(top: SectionReader, serverName: string, parts: EnabledParts): Adoption {
  const adopt = top.section("adopt");

  const volumes = adopt.section("volumes");
  const stores: Partial<Record<StateStoreId, AdoptedStore>> = {};
  const seen = new Map<string, StateStoreId>();
  for (const id of STATE_STORE_IDS) {
    const value = volumes.string(id, undefined);
    if (value === undefined) continue;
    const store = adoptedStore(volumes, id, value);
    if (store === undefined) continue;
    const identity = store.kind === "volume" ? `volume ${store.name}` : `directory ${store.path}`;
    const other = seen.get(identity);
    if (other !== undefined) {
      volumes.report(
        id,
        `names the same ${identity} as adopt.volumes.${other}; two stores in one place overwrite each other`,
        "give each store its own volume or directory",
      );
    }
    seen.set(identity, id);
    if (STATE_STORES[id].jitsi && !parts.components.jitsi) {
      volumes.report(id, "is adopted but components.jitsi is off", "remove it, or enable components.jitsi");
    }
    stores[id] = store;
  }
  volumes.rejectUnknownKeys();

  const synapse = adopt.section("synapse");
  const signingKeyPath = containerPath(
    synapse,
    "signingKeyPath",
    synapse.string("signingKeyPath", defaultSigningKeyPath(serverName)),
    [SYNAPSE_PATHS.dataDir],
  );
  const mediaStorePath = containerPath(
    synapse,
    "mediaStorePath",
    synapse.string("mediaStorePath", SYNAPSE_PATHS.mediaStore),
    [SYNAPSE_PATHS.dataDir, SYNAPSE_PATHS.mediaStore],
  );
  if (stores.synapseMedia !== undefined && !isUnder(mediaStorePath, SYNAPSE_PATHS.mediaStore)) {
    synapse.report(
      "mediaStorePath",
      `is ${mediaStorePath}, outside ${SYNAPSE_PATHS.mediaStore} where adopt.volumes.synapseMedia is mounted; Synapse would not see the adopted media`,
      `set it to ${SYNAPSE_PATHS.mediaStore} (or the media directory inside that volume)`,
    );
  }
  synapse.rejectUnknownKeys();

  const database = adopt.section("database");
  const user = sqlIdentifier(database, "user", database.string("user", DATABASE.user));
  const name = sqlIdentifier(database, "name", database.string("name", DATABASE.name));
  database.rejectUnknownKeys();
  adopt.rejectUnknownKeys();

  const secrets = adoptedSecretNames(top, parts);
  // docker-jitsi-meet since stable-10741 creates prosody's service accounts only when missing ("User exists"
  // otherwise; docs/upstream/adoption.md §8): with adopted prosody storage, new passwords would lock jicofo and
  // jvb out, so the existing ones must come along.
  if (stores.jitsiProsody !== undefined) {
    for (const name of ["jicofo_auth_password", "jvb_auth_password"] as const) {
      if (!secrets.includes(name))
        top.report(
          `adoptedSecrets.${name}`,
          "is not adopted, but adopt.volumes.jitsiProsody is: prosody keeps the accounts it has, so a new password would lock jicofo/jvb out",
          `adopt it (npm run adopt prints the command), or do not adopt the prosody storage`,
        );
    }
  }

  return {
    stores,
    signingKeyPath,
    mediaStorePath,
    database: { user, name },
    secrets,
  };
}

function adoptedStore(section: SectionReader, id: StateStoreId, value: string): AdoptedStore | undefined {
  if (value.startsWith("/")) {
    const normalised = path.posix.normalize(value).replace(/\/+$/, "");
    if (normalised === "" || normalised !== value.replace(/\/+$/, "")) {
      section.report(
        id,
        `'${value}' is not a plain absolute directory`,
        "write the host directory without '..', '.' or '//', e.g. /srv/matrix/synapse",
      );
      return undefined;
    }
    return { kind: "hostPath", path: normalised };
  }
  if (!VOLUME_NAME.test(value)) {
    section.report(
      id,
      `'${value}' is neither a Docker volume name nor an absolute host directory`,
      "use the name `docker volume ls` shows (e.g. chat_postgres-data) or an absolute path for a bind mount",
    );
    return undefined;
  }
  return { kind: "volume", name: value };
}

function containerPath(section: SectionReader, key: string, value: string, roots: readonly string[]): string {
  const normalised = path.posix.normalize(value);
  if (!value.startsWith("/") || normalised !== value || value.endsWith("/")) {
    section.report(
      key,
      `'${value}' is not a plain absolute container path`,
      "write it like /data/media_store",
    );
    return value;
  }
  // A store's own mount point is a valid place for media, never for the signing key file.
  const inside = (root: string) =>
    isUnder(value, root) && (value !== root || root === SYNAPSE_PATHS.mediaStore);
  if (!roots.some(inside)) {
    section.report(
      key,
      `'${value}' is outside the mounted state (${roots.join(", ")}); whatever Synapse keeps there is lost with its container`,
      `use a path inside ${roots.join(" or ")}`,
    );
  }
  return value;
}

function sqlIdentifier(section: SectionReader, key: string, value: string): string {
  if (!SQL_IDENTIFIER.test(value)) {
    section.report(
      key,
      `'${value}' is not a plain PostgreSQL identifier`,
      "use lower-case letters, digits and underscores",
    );
  }
  return value;
}

/**
 * `adoptedSecrets` holds the existing values, each set with `pulumi config set --secret --path`, so the stack
 * file carries them encrypted (`secure:`). Only the names are part of the model; the Pulumi program reads the
 * values from the engine. A value in clear text would put a live secret into a reviewed file: refused.
 */
function adoptedSecretNames(top: SectionReader, parts: EnabledParts): SecretName[] {
  const section = top.section("adoptedSecrets");
  const needed = new Set(neededSecrets(parts));
  const names: SecretName[] = [];
  for (const name of SECRET_NAMES) {
    // Read every known name, so that a typo is answered with the closest of all of them.
    const value = section.secureRaw(name);
    if (value === undefined || value === null) continue;
    const secure = (value as { secure?: unknown } | null)?.secure;
    if (typeof value !== "object" || typeof secure !== "string" || secure === "") {
      section.report(
        name,
        `is not encrypted (got ${typeof value === "string" ? "clear text" : describe(value)}); a live secret must never sit in the stack file in the clear`,
        `remove it from Pulumi.${top.stackName}.yaml, then: npm run --silent adopt -- --stack ${top.stackName} --compose <dir> --print-secret ${name} | pulumi config set --stack ${top.stackName} --secret --path 'adoptedSecrets.${name}'`,
      );
      continue;
    }
    if (!needed.has(name)) {
      section.report(
        name,
        "is adopted, but no enabled component uses it",
        "remove it, or enable the component that uses it",
      );
      continue;
    }
    names.push(name);
  }
  const adopted = new Set(names);
  if (adopted.has("livekit_api_key") !== adopted.has("livekit_api_secret")) {
    const missing = adopted.has("livekit_api_key") ? "livekit_api_secret" : "livekit_api_key";
    section.report(
      missing,
      "is missing: LiveKit's key and secret are one pair, adopting half of it breaks every token",
      `adopt ${missing} too (npm run adopt prints the command)`,
    );
  }
  section.rejectUnknownKeys();
  return names;
}

/** What the Pulumi engine hands the program for `adoptedSecrets`: the decrypted values by name. */
export function adoptedSecretValues(raw: unknown): Record<string, string> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return {};
  return Object.fromEntries(
    Object.entries(raw as Record<string, unknown>).filter(
      (e): e is [string, string] => typeof e[1] === "string",
    ),
  );
}

/**
 * The engine decrypts `adoptedSecrets` before the program sees it, so encrypted and clear-text leaves look the
 * same there. The parser gets markers in their place; whether the file holds them encrypted is checked on the
 * file itself (`adoptedSecretsInClear`).
 */
export function adoptedSecretMarkers(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  return Object.fromEntries(
    Object.entries(raw as Record<string, unknown>).map(([name, value]) => [
      name,
      typeof value === "string" ? { secure: "(decrypted by the Pulumi engine)" } : value,
    ]),
  );
}

/** Names whose value sits in clear text in a stack file's `adoptedSecrets` (or another map of secrets). */
export function adoptedSecretsInClear(
  fileValues: Readonly<Record<string, unknown>>,
  key: "adoptedSecrets" | "backupCredentials" = "adoptedSecrets",
): string[] {
  const raw = fileValues[key];
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return [];
  return Object.entries(raw as Record<string, unknown>)
    .filter(([, value]) => typeof value === "string")
    .map(([name]) => name);
}

/**
 * Checks adopted values without ever showing them: they go unquoted into turnserver.conf and env lists, so
 * whitespace, quotes or control characters would be cut or misread by a consumer.
 */
export function adoptedSecretValueProblems(
  stack: string,
  names: readonly SecretName[],
  values: Readonly<Record<string, string>>,
): Problem[] {
  const problems: Problem[] = [];
  for (const name of names) {
    const value = values[name];
    const fix = `set the value the running deployment uses: npm run --silent adopt -- --stack ${stack} --compose <dir> --print-secret ${name} | pulumi config set --stack ${stack} --secret --path 'adoptedSecrets.${name}'`;
    if (value === undefined || value === "") {
      problems.push(problem(stack, `adoptedSecrets.${name}`, "has no value", fix));
    } else if (!/^[\x21-\x7e]+$/.test(value) || (name === "turn_shared_secret" && /["'\\#]/.test(value))) {
      problems.push(
        problem(
          stack,
          `adoptedSecrets.${name}`,
          `holds characters a consumer would misread (whitespace or non-ASCII${name === "turn_shared_secret" ? "; quotes, '#' or '\\' in turnserver.conf" : ""}; ${value.length} characters, value not shown)`,
          "rotate it to a plain value in the running deployment first, or drop it from adoptedSecrets so a new one is generated",
        ),
      );
    }
  }
  return problems;
}
