import * as path from "node:path";
import * as yaml from "js-yaml";
import { ImageName } from "../config/model";
import { ComposeMount, ComposeProject, ComposeService, mountFor, parseDotEnv } from "./compose-project";

/**
 * The services of a compose deployment matrix-fleet knows, by what their image is: one per image the stacks
 * run, so a role names the image setting it corresponds to.
 */
export type ServiceRole = ImageName;

/** Image repository patterns, most specific first (Ketesa's ancestor synapse-admin contains "synapse"). */
const ROLE_BY_IMAGE: ReadonlyArray<readonly [RegExp, ServiceRole]> = [
  [/(ketesa|synapse-admin)(:|@|$)/, "ketesa"],
  [/lk-jwt-service(:|@|$)/, "lkJwt"],
  [/livekit-server(:|@|$)/, "livekit"],
  [/(^|\/)synapse(:|@|$)/, "synapse"],
  [/(^|\/)postgres(:|@|$)/, "postgres"],
  [/(element-web|riot-web)(:|@|$)/, "elementWeb"],
  [/(^|\/)coturn(:|@|$)/, "coturn"],
  [/jitsi\/web(:|@|$)/, "jitsiWeb"],
  [/jitsi\/prosody(:|@|$)/, "jitsiProsody"],
  [/jitsi\/jicofo(:|@|$)/, "jitsiJicofo"],
  [/jitsi\/jvb(:|@|$)/, "jitsiJvb"],
];

export function roleOfImage(image: string): ServiceRole | undefined {
  return ROLE_BY_IMAGE.find(([pattern]) => pattern.test(image))?.[1];
}

type Doc = Record<string, unknown>;

/** A config file read from the deployment, with where it was found (for messages). */
export interface FoundFile<T> {
  readonly content: T;
  /** Host path it was read from. */
  readonly from: string;
}

/** Where a container path of a service lives on the Docker host: a named volume or a host directory. */
export type HostLocation =
  | { readonly kind: "volume"; readonly volume: string; readonly relative: string }
  | { readonly kind: "hostPath"; readonly root: string; readonly relative: string };

export interface RunningDeployment {
  readonly project: ComposeProject;
  readonly services: Readonly<Partial<Record<ServiceRole, ComposeService>>>;
  /** Each service's environment with its `env_file`s applied (compose: `environment` wins). */
  readonly environments: Readonly<Partial<Record<ServiceRole, Readonly<Record<string, string>>>>>;
  readonly homeserver: FoundFile<Doc> | undefined;
  readonly turnserver: FoundFile<Map<string, string[]>> | undefined;
  readonly livekit: FoundFile<Doc> | undefined;
  /** What could not be read, and how the operator makes it readable. */
  readonly notes: readonly string[];
  /** True when no --host-dir was given and the compose directory stood in for it. */
  readonly hostDirGuessed: boolean;
  readonly read: HostFileReader;
  /** The Docker host's location of a container path of a service. */
  readonly locate: (role: ServiceRole, containerPath: string) => HostLocation | undefined;
}

/** Reads a file by its absolute path on the Docker host; undefined when it is not there. */
export type HostFileReader = (hostPath: string) => string | undefined;

/**
 * Finds matrix-fleet's services in a compose project and reads their config files through their bind mounts.
 * `hostDir` is the project directory as the Docker host sees it (relative bind sources resolve against it).
 */
export function discoverDeployment(
  project: ComposeProject,
  hostDir: string,
  read: HostFileReader,
  hostDirGuessed = false,
): RunningDeployment {
  const notes: string[] = project.unsetVariables.map(
    ({ name, where }) =>
      `compose variable ${name} is not set (not in .env, no default): compose writes an empty string at ${where}; put the value the running deployment has into .env, or pass it in the shell compose runs from`,
  );
  const services = servicesByRole(project, notes);
  const environments = environmentsOf(services, hostDir, read, notes);

  const locate = (role: ServiceRole, containerPath: string): HostLocation | undefined => {
    const service = services[role];
    if (service === undefined) return undefined;
    const found = mountFor(service, containerPath);
    if (found === undefined) return undefined;
    return hostLocation(found.mount, found.relative, hostDir);
  };

  const readFromService = (
    role: ServiceRole,
    containerPath: string,
    what: string,
  ): FoundFile<string> | undefined => {
    const service = services[role];
    if (service === undefined) return undefined;
    const location = locate(role, containerPath);
    if (location === undefined) {
      notes.push(
        `${service.name}: ${what} (${containerPath}) is not on any mount; copy it out with docker cp`,
      );
      return undefined;
    }
    if (location.kind === "volume") {
      // Inside a named volume: not readable from the compose directory; a copy next to the compose file works.
      const copy = path.posix.join(hostDir, path.posix.basename(containerPath));
      const text = read(copy);
      if (text !== undefined) return { content: text, from: copy };
      notes.push(
        `${service.name}: ${what} is inside volume ${location.volume}; copy it next to the compose file: docker compose cp ${service.name}:${containerPath} ${path.posix.basename(containerPath)}`,
      );
      return undefined;
    }
    const hostPath = path.posix.join(location.root, location.relative);
    const text = read(hostPath);
    if (text === undefined) notes.push(`${service.name}: ${what} not found at ${hostPath}`);
    return text === undefined ? undefined : { content: text, from: hostPath };
  };

  const synapseEnv = environments.synapse ?? {};
  const homeserverPath =
    synapseEnv.SYNAPSE_CONFIG_PATH ?? `${synapseEnv.SYNAPSE_CONFIG_DIR ?? "/data"}/homeserver.yaml`;
  const homeserverText = readFromService("synapse", homeserverPath, "homeserver.yaml");
  const turnText = readFromService("coturn", coturnConfigPath(services.coturn), "turnserver.conf");
  const livekitInline = environments.livekit?.LIVEKIT_CONFIG;
  const livekitText =
    livekitInline !== undefined
      ? { content: livekitInline, from: `${services.livekit?.name ?? "livekit"}: LIVEKIT_CONFIG` }
      : readFromService("livekit", livekitConfigPath(services.livekit), "livekit.yaml");

  return {
    project,
    services,
    environments,
    homeserver: yamlFile(homeserverText, notes),
    turnserver:
      turnText === undefined
        ? undefined
        : { content: parseTurnserverConf(turnText.content), from: turnText.from },
    livekit: yamlFile(livekitText, notes),
    notes,
    hostDirGuessed,
    read,
    locate,
  };
}

/** The first service of each role, by image; a second one of the same role is noted and ignored. */
function servicesByRole(
  project: ComposeProject,
  notes: string[],
): Partial<Record<ServiceRole, ComposeService>> {
  const services: Partial<Record<ServiceRole, ComposeService>> = {};
  for (const service of project.services) {
    const role = service.image === undefined ? undefined : roleOfImage(service.image);
    if (role === undefined) continue;
    if (services[role] !== undefined) {
      notes.push(
        `services ${services[role]!.name} and ${service.name} both look like ${role}; using the first`,
      );
      continue;
    }
    services[role] = service;
  }
  return services;
}

/** Each service's environment as compose builds it: its env files first, then its `environment:` entries. */
function environmentsOf(
  services: Partial<Record<ServiceRole, ComposeService>>,
  hostDir: string,
  read: HostFileReader,
  notes: string[],
): Partial<Record<ServiceRole, Record<string, string>>> {
  const environments: Partial<Record<ServiceRole, Record<string, string>>> = {};
  for (const [role, service] of Object.entries(services) as Array<[ServiceRole, ComposeService]>) {
    const env: Record<string, string> = {};
    for (const file of service.envFiles) {
      const hostPath = path.posix.resolve(hostDir, file);
      const text = read(hostPath);
      if (text === undefined) notes.push(`${service.name}: env_file ${file} not found at ${hostPath}`);
      else Object.assign(env, parseDotEnv(text));
    }
    environments[role] = { ...env, ...service.environment };
  }
  return environments;
}

function hostLocation(mount: ComposeMount, relative: string, hostDir: string): HostLocation | undefined {
  if (mount.kind === "volume") return { kind: "volume", volume: mount.volume, relative };
  if (mount.kind === "bind") {
    if (mount.source.startsWith("~")) return undefined;
    return { kind: "hostPath", root: path.posix.resolve(hostDir, mount.source), relative };
  }
  return undefined;
}

function yamlFile(found: FoundFile<string> | undefined, notes: string[]): FoundFile<Doc> | undefined {
  if (found === undefined) return undefined;
  try {
    const doc = yaml.load(found.content);
    if (typeof doc === "object" && doc !== null && !Array.isArray(doc))
      return { content: doc as Doc, from: found.from };
    notes.push(`${found.from} is not a YAML map`);
  } catch (error) {
    notes.push(`${found.from} is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  return undefined;
}

function commandArgs(service: ComposeService | undefined): readonly string[] {
  return service?.command ?? [];
}

/** coturn reads `-c <file>` from its command line, else /etc/coturn/turnserver.conf (the image's default). */
function coturnConfigPath(service: ComposeService | undefined): string {
  const args = commandArgs(service);
  const at = args.findIndex((a) => a === "-c" || a === "--conf-file");
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : "/etc/coturn/turnserver.conf";
}

/** livekit-server takes `--config <file>`; the facts' compose layout mounts /etc/livekit.yaml. */
function livekitConfigPath(service: ComposeService | undefined): string {
  const args = commandArgs(service);
  const at = args.findIndex((a) => a === "--config");
  const inline = args.find((a) => a.startsWith("--config="));
  if (inline !== undefined) return inline.slice("--config=".length);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : "/etc/livekit.yaml";
}

/** turnserver.conf as coturn reads it: `option=value` or a bare flag; `#` starts a comment line. */
export function parseTurnserverConf(text: string): Map<string, string[]> {
  const options = new Map<string, string[]>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    const key = (eq < 0 ? line : line.slice(0, eq)).trim().replace(/^--/, "");
    const value = eq < 0 ? "" : line.slice(eq + 1).trim();
    options.set(key, [...(options.get(key) ?? []), value]);
  }
  return options;
}
