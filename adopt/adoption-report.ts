import * as path from "node:path";
import { IMAGE_NAMES } from "../facts/images";
import { formatProblem } from "../config/problems";
import { deepMerge } from "../config/merge";
import { OrgConfig, StateStoreId } from "../config/model";
import { buildStackPlan } from "../documents/plan";
import { SECRET_NAMES, SecretName, neededSecrets, placeholderSecrets } from "../facts/secrets";
import { parseStackConfig } from "../config/stack-config";
import { SYNAPSE_PATHS } from "../facts/synapse";
import { POSTGRES_DATA_DIR } from "../facts/postgres";
import { Difference, Redaction, compareDocuments } from "./differences";
import { HostLocation, RunningDeployment, ServiceRole } from "./running-deployment";

/** A secret found in the running deployment. The value stays in memory; reports print only name and source. */
export interface FoundSecret {
  readonly name: SecretName;
  readonly source: string;
  readonly value: string;
}

export interface AdoptionReport {
  readonly stack: string;
  /** Settings to merge into the stack file (namespace stripped): `adopt`, and images where the data needs them. */
  readonly stackConfig: Record<string, unknown>;
  /** Existing secret values to adopt, one `pulumi config set --secret` each. */
  readonly secrets: readonly FoundSecret[];
  readonly differences: readonly Difference[];
  /** What makes a safe cut-over impossible until fixed. */
  readonly blockers: readonly string[];
  readonly notes: readonly string[];
}

type Doc = Record<string, unknown>;

/**
 * Compares a running compose deployment with the stack: which state to adopt (and where it is), which secrets
 * keep their values, and every setting that would change at cut-over. Pure: `stackValues` is the stack file's
 * config (namespace stripped).
 */
export function adoptionReport(
  stack: string,
  stackValues: Readonly<Record<string, unknown>>,
  deployment: RunningDeployment,
): AdoptionReport {
  const blockers: string[] = [];
  const notes: string[] = [...deployment.notes];
  const current = parseStackConfig(stack, stackValues);
  if (current.config === undefined) {
    return {
      stack,
      stackConfig: {},
      secrets: [],
      differences: [],
      blockers: current.problems.map(formatProblem),
      notes,
    };
  }
  const org = current.config;
  const homeserver = deployment.homeserver?.content;
  if (homeserver === undefined)
    blockers.push("Synapse's homeserver.yaml was not found, so its identity cannot be adopted");

  if (homeserver !== undefined && homeserver.server_name !== org.serverName) {
    blockers.push(
      `server_name is ${String(homeserver.server_name)} in the running Synapse but serverName is ${org.serverName} in the stack; a server name can never change (every user ID and room carries it): set serverName: ${String(homeserver.server_name)}`,
    );
  }

  const adopt: { volumes: Partial<Record<StateStoreId, string>>; synapse: Doc; database: Doc } = {
    volumes: {},
    synapse: {},
    database: {},
  };
  const storeValue = (location: HostLocation): string =>
    location.kind === "volume" ? location.volume : location.root;

  // PostgreSQL: the whole data directory, at the path the official image uses.
  const pgData = deployment.environments.postgres?.PGDATA ?? POSTGRES_DATA_DIR;
  const pg = deployment.locate("postgres", pgData);
  if (deployment.services.postgres === undefined) {
    blockers.push("no PostgreSQL service found; matrix-fleet adopts Synapse's PostgreSQL database");
  } else if (pg === undefined || pg.relative !== "") {
    blockers.push(
      `${deployment.services.postgres.name}: the data directory ${pgData} is not the root of a volume or bind mount; move it to its own volume at ${POSTGRES_DATA_DIR} first`,
    );
  } else {
    adopt.volumes.postgresData = storeValue(pg);
  }

  // Synapse: the store holding the signing key becomes /data; media follows into /data or its own store.
  if (homeserver !== undefined) {
    const database = homeserver.database as { name?: string; args?: Doc } | undefined;
    if (database?.name !== "psycopg2") {
      blockers.push(
        `Synapse uses database ${String(database?.name ?? "sqlite3")}; matrix-fleet runs PostgreSQL: port it first (synapse_port_db)`,
      );
    } else {
      const user = database.args?.user;
      const name = database.args?.dbname ?? database.args?.database;
      if (typeof user === "string" && user !== org.adoption.database.user) adopt.database.user = user;
      if (typeof name === "string" && name !== org.adoption.database.name) adopt.database.name = name;
    }
    const keyPath = String(homeserver.signing_key_path ?? "");
    const key = keyPath === "" ? undefined : deployment.locate("synapse", keyPath);
    if (key === undefined) {
      blockers.push(
        `Synapse's signing key (${keyPath || "signing_key_path not set"}) is not on a volume or bind mount; copy it out of the container before anything else (docker compose cp)`,
      );
    } else {
      adopt.volumes.synapseData = storeValue(key);
      adopt.synapse.signingKeyPath = path.posix.join(SYNAPSE_PATHS.dataDir, key.relative);
      const mediaPath = String(homeserver.media_store_path ?? "");
      const media = mediaPath === "" ? undefined : deployment.locate("synapse", mediaPath);
      if (media === undefined) {
        blockers.push(
          `Synapse's media store (${mediaPath || "media_store_path not set"}) is not on a volume or bind mount`,
        );
      } else if (storeValue(media) === storeValue(key) && media.kind === key.kind) {
        adopt.synapse.mediaStorePath = path.posix.join(SYNAPSE_PATHS.dataDir, media.relative);
      } else {
        adopt.volumes.synapseMedia = storeValue(media);
        adopt.synapse.mediaStorePath = path.posix.join(SYNAPSE_PATHS.mediaStore, media.relative);
      }
    }
    const uid = deployment.environments.synapse?.UID;
    if (uid !== undefined && uid !== "991") {
      blockers.push(
        `Synapse runs as UID ${uid} (compose UID=${uid}); matrix-fleet runs it as 991: chown the data directory to 991:991 first`,
      );
    }
  }

  if (org.components.jitsi) {
    const prosody = deployment.locate("jitsiProsody", "/var/lib/prosody");
    if (prosody !== undefined && prosody.relative === "") adopt.volumes.jitsiProsody = storeValue(prosody);
    else if (deployment.services.jitsiProsody !== undefined)
      notes.push(
        "prosody keeps no state on a mount at /var/lib/prosody; its service accounts are registered again from the environment",
      );
    const transcripts = deployment.locate("jitsiWeb", "/usr/share/jitsi-meet/transcripts");
    if (transcripts !== undefined && transcripts.relative === "")
      adopt.volumes.jitsiTranscripts = storeValue(transcripts);
  }

  const stackConfig: Record<string, unknown> = {};
  const adoptSection = Object.fromEntries(
    Object.entries(adopt).filter(([, section]) => Object.keys(section).length > 0),
  );
  if (Object.keys(adoptSection).length > 0) stackConfig.adopt = adoptSection;
  const images = imageChoices(org, deployment, notes, blockers);
  if (Object.keys(images).length > 0) stackConfig.images = images;

  const found = findSecrets(deployment, notes);
  const needed = new Set(neededSecrets(org));
  const secrets = found.filter((s) => needed.has(s.name));
  for (const s of found.filter((s) => !needed.has(s.name)))
    notes.push(`${s.name} found in ${s.source} but no enabled component of the stack uses it; not adopted`);
  for (const name of neededSecrets(org).filter((n) => !found.some((s) => s.name === n)))
    notes.push(`${name}: not in the running deployment; pulumi up generates a new one`);

  // What the stack would render once adopted: the stack file with the adoption merged in.
  const adoptedValues = deepMerge(stackValues, {
    ...stackConfig,
    adoptedSecrets: Object.fromEntries(secrets.map((s) => [s.name, { secure: "(adopted)" }])),
  });
  const adopted = parseStackConfig(stack, adoptedValues);
  blockers.push(...adopted.problems.map(formatProblem));
  const redaction: Redaction = { values: found.map((s) => s.value) };
  const differences =
    adopted.config === undefined ? [] : renderedDifferences(adopted.config, deployment, secrets, redaction);
  differences.push(...serviceDifferences(adopted.config ?? org, deployment));
  if (deployment.hostDirGuessed)
    notes.push(
      "bind mounts were resolved against the --compose directory; if the deployment lives elsewhere on the Docker host, pass --host-dir <that directory>",
    );
  const key = stackConfig.adopt as { volumes?: Doc; synapse?: Doc } | undefined;
  const keyRoot = key?.volumes?.synapseData;
  if (typeof keyRoot === "string" && keyRoot.startsWith("/")) {
    const keyFile = path.posix.join(
      keyRoot,
      path.posix.relative(SYNAPSE_PATHS.dataDir, String(key?.synapse?.signingKeyPath)),
    );
    if (deployment.read(keyFile) === undefined)
      notes.push(`the signing key was not found at ${keyFile}: check --host-dir before adopting`);
  }

  return { stack, stackConfig, secrets, differences: withReasons(differences), blockers, notes };
}

/** Where each secret lives in a compose deployment, first source wins; disagreeing copies are reported. */
function findSecrets(deployment: RunningDeployment, notes: string[]): FoundSecret[] {
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
    jvb_auth_password: [
      ["jvb JVB_AUTH_PASSWORD", env.jitsiJvb?.JVB_AUTH_PASSWORD],
      ["prosody JVB_AUTH_PASSWORD", env.jitsiProsody?.JVB_AUTH_PASSWORD],
    ],
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

function tagOf(image: string): string {
  const last = image.split("/").pop() ?? "";
  const colon = last.lastIndexOf(":");
  return colon < 0 ? "latest" : last.slice(colon + 1);
}

/** Numeric version parts of a tag (`v1.140.0` → [1, 140, 0]; `15-alpine` → [15]). */
function versionOf(image: string): number[] {
  const match = /^v?(\d+(?:\.\d+)*)/.exec(tagOf(image));
  return match === null ? [] : match[1]!.split(".").map(Number);
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Images the data decides: PostgreSQL's major version must match the data directory's, and Synapse cannot go back
 * to a version older than its database schema. Other image changes are upgrades and only reported.
 */
function imageChoices(org: OrgConfig, deployment: RunningDeployment, notes: string[], blockers: string[]) {
  const images: Record<string, string> = {};
  const pgImage = deployment.services.postgres?.image;
  if (pgImage !== undefined) {
    const theirs = versionOf(pgImage)[0];
    const ours = versionOf(org.images.postgres)[0];
    if (theirs === undefined) {
      blockers.push(
        `${pgImage} has no major version in its tag; find the data directory's version (cat PG_VERSION in it) and set images.postgres to postgres:<that major>.<minor>-alpine`,
      );
    } else if (theirs !== ours) {
      images.postgres = pgImage;
      notes.push(
        `PostgreSQL ${theirs} data cannot be opened by PostgreSQL ${String(ours)}: images.postgres keeps ${pgImage}; upgrade later with pg_upgrade or a dump/restore`,
      );
    }
  }
  const synapseImage = deployment.services.synapse?.image;
  if (
    synapseImage !== undefined &&
    compareVersions(versionOf(synapseImage), versionOf(org.images.synapse)) > 0
  ) {
    images.synapse = synapseImage;
    notes.push(
      `the running Synapse (${synapseImage}) is newer than ${org.images.synapse}; Synapse cannot run on a newer database schema, so images.synapse keeps ${synapseImage}`,
    );
  }
  return images;
}

function hintFor(table: Readonly<Record<string, string>>, fallback: (path: string) => string) {
  return (path: string, kind: Difference["kind"]): string | undefined => {
    const mapped = Object.entries(table).find(([prefix]) => path === prefix || path.startsWith(`${prefix}.`));
    if (mapped !== undefined) return mapped[1];
    return kind === "added" ? undefined : fallback(path);
  };
}

/** Synapse keys matrix-fleet sets from typed config: keep a running value there, not in overrides. */
const SYNAPSE_HINTS: Readonly<Record<string, string>> = {
  server_name: "serverName",
  public_baseurl: "hosts.homeserver",
  enable_registration: "synapse.enableRegistration",
  max_upload_size: "synapse.maxUploadSize",
  url_preview_enabled: "synapse.urlPreviews",
  enable_metrics: "synapse.enableMetrics",
  admin_contact: "synapse.adminContact",
  turn_user_lifetime: "synapse.turnUserLifetime",
  turn_allow_guests: "synapse.turnAllowGuests",
  federation_domain_whitelist: "federation.peers",
  turn_uris: "hosts.turn, ports.turn, ports.turnTls, turn.tls",
  signing_key_path: "adopt.synapse.signingKeyPath",
  media_store_path: "adopt.synapse.mediaStorePath",
};
const COTURN_HINTS: Readonly<Record<string, string>> = {
  "listening-port": "ports.turn",
  "tls-listening-port": "ports.turnTls",
  "min-port": "ports.turnRelay",
  "max-port": "ports.turnRelay",
  "external-ip": "network.publicIp, network.lanIp",
  "user-quota": "turn.userQuota",
  "total-quota": "turn.totalQuota",
};
const LIVEKIT_HINTS: Readonly<Record<string, string>> = {
  port: "ports.livekitHttp",
  "rtc.tcp_port": "ports.livekitTcp",
  "rtc.port_range_start": "ports.livekitUdp",
  "rtc.port_range_end": "ports.livekitUdp",
  "rtc.node_ip": "network.publicIp",
};
const LK_JWT_HINTS: Readonly<Record<string, string>> = {
  LIVEKIT_URL: "hosts.rtc (lk-jwt-service must hand clients the public wss:// URL)",
};

/**
 * Differences that are intended, with why: a known production failure the rendered setting fixes (the numbers
 * in shared/reference/matrix-rtc-facts.md name them), or matrix-fleet's own container layout. Such a difference
 * carries no "keep theirs" hint.
 */
const INTENDED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "homeserver.yaml": {
    "database.args.host": "the database container is `postgres` on the stack's network",
    "database.args.port": "written out explicitly",
    "database.args.database": "`dbname` is the same psycopg2 setting",
    "database.args.dbname": "`database` is the same psycopg2 setting",
    log_config: "matrix-fleet uploads its own log config (to stdout, rotated by Docker)",
    pid_file: "matrix-fleet's container layout",
    listeners: "matrix-fleet's container layout: one HTTP listener behind the proxy",
    trusted_key_servers:
      "private federation: keys come from the peers themselves; matrix.org is on no whitelist",
    "matrix_rtc.transports": "MatrixRTC transports for Element X (MSC4143)",
    "experimental_features.msc4143_enabled": "MatrixRTC transports for Element X (MSC4143)",
    federation_domain_whitelist:
      "the fleet's federation peers, always written (an absent list federates with everybody)",
  },
  "livekit.yaml": {
    "rtc.use_external_ip":
      "fixes a known failure: STUN auto-detection can announce a different WAN than coturn's external-ip (the second call never connects)",
    "rtc.node_ip": "fixes a known failure: LiveKit announces the same WAN address as coturn's external-ip",
    "room.auto_create":
      "lk-jwt-service creates rooms for authorised users; auto-create lets any token holder open rooms",
  },
  "lk-jwt-service environment": {
    LIVEKIT_URL:
      "fixes a known failure: lk-jwt-service hands this URL to clients, so it must be the public wss:// path (an internal URL breaks the second call)",
  },
  "turnserver.conf": {
    "denied-peer-ip":
      "coturn must never relay into private, loopback or documentation ranges (peer-ip abuse)",
    "allowed-peer-ip": "the Docker host's own LAN address stays reachable for hairpin relays",
    "external-ip": "fixes a known failure: the same WAN address LiveKit announces",
  },
};

function withReasons(differences: Difference[]): Difference[] {
  return differences.map((d) => {
    const table = INTENDED[d.file] ?? {};
    const reason = Object.entries(table).find(([p]) => d.path === p || d.path.startsWith(`${p}.`))?.[1];
    return reason === undefined ? d : { ...d, reason, hint: undefined };
  });
}

function topKey(path: string): string {
  return path.split(".")[0] ?? path;
}

/** Every setting of the running files that the rendered ones would change, drop or add. */
function renderedDifferences(
  org: OrgConfig,
  deployment: RunningDeployment,
  secrets: readonly FoundSecret[],
  redaction: Redaction,
): Difference[] {
  const values = { ...placeholderSecrets() } as Record<SecretName, string>;
  for (const s of secrets) values[s.name] = s.value;
  const plan = buildStackPlan(org, values);
  const differences: Difference[] = [];
  if (deployment.homeserver !== undefined) {
    differences.push(
      ...compareDocuments(
        "homeserver.yaml",
        deployment.homeserver.content,
        plan.synapse.homeserver,
        redaction,
        hintFor(SYNAPSE_HINTS, (p) => `overrides.synapse.${topKey(p)}`),
      ),
    );
  }
  if (deployment.turnserver !== undefined && plan.coturn !== undefined) {
    const ours = new Map<string, string[]>();
    for (const [option, value] of plan.coturn)
      ours.set(option, [...(ours.get(option) ?? []), value === undefined ? "" : String(value)]);
    const asDoc = (m: Map<string, string[]>) =>
      Object.fromEntries([...m].map(([k, v]) => [k, v.length === 1 ? v[0] : [...v].sort()]));
    differences.push(
      ...compareDocuments(
        "turnserver.conf",
        asDoc(deployment.turnserver.content),
        asDoc(ours),
        redaction,
        hintFor(COTURN_HINTS, (p) => `overrides.coturn.${p}`),
      ),
    );
  }
  if (deployment.livekit !== undefined && plan.livekit !== undefined) {
    differences.push(
      ...compareDocuments(
        "livekit.yaml",
        deployment.livekit.content,
        plan.livekit,
        redaction,
        hintFor(LIVEKIT_HINTS, (p) => `overrides.livekit.${p}`),
      ),
    );
  }
  const lkJwtEnv = deployment.environments.lkJwt;
  if (lkJwtEnv !== undefined && plan.lkJwt !== undefined) {
    differences.push(
      ...compareDocuments(
        "lk-jwt-service environment",
        lkJwtEnv,
        plan.lkJwt,
        redaction,
        hintFor(LK_JWT_HINTS, (p) => `overrides.lkJwt.${p}`),
      ),
    );
  }
  return differences;
}

const COMPONENT_ROLES: ReadonlyArray<readonly [keyof OrgConfig["components"], ServiceRole]> = [
  ["elementWeb", "elementWeb"],
  ["coturn", "coturn"],
  ["matrixRtc", "livekit"],
  ["jitsi", "jitsiWeb"],
  ["ketesa", "ketesa"],
];

/** Services that start or stop running at cut-over, and image changes. */
function serviceDifferences(org: OrgConfig, deployment: RunningDeployment): Difference[] {
  const differences: Difference[] = [];
  for (const [component, role] of COMPONENT_ROLES) {
    const running = deployment.services[role];
    const enabled = org.components[component];
    if ((running !== undefined) === enabled) continue;
    differences.push({
      file: "services",
      path: `components.${component}`,
      kind: enabled ? "added" : "dropped",
      theirs: running === undefined ? undefined : `${running.name} (${running.image ?? "no image"})`,
      ours: enabled ? "enabled" : undefined,
      hint: enabled ? undefined : `components.${component}: true`,
    });
  }
  for (const image of IMAGE_NAMES) {
    const running = deployment.services[image]?.image;
    if (running === undefined || running === org.images[image]) continue;
    differences.push({
      file: "images",
      path: `images.${image}`,
      kind: "changed",
      theirs: running,
      ours: org.images[image],
      hint: `images.${image}`,
    });
  }
  return differences;
}
