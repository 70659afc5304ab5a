import * as path from "node:path";
import * as yaml from "js-yaml";

/**
 * The parts of a Docker Compose project that adoption needs, read the way `docker compose` reads them
 * (compose-spec: interpolation from `.env`, short and long volume syntax, project-prefixed volume names).
 * Pure: the caller hands in the file texts.
 */
export interface ComposeProject {
  readonly name: string;
  readonly services: readonly ComposeService[];
  /**
   * Variables the file uses without a value in `.env` and without a default: compose substitutes an empty string
   * (and warns), so what adoption reads there is empty. `where` is the place in the file, e.g. `services.db.image`.
   */
  readonly unsetVariables: ReadonlyArray<{ readonly name: string; readonly where: string }>;
}

export interface ComposeService {
  readonly name: string;
  readonly image: string | undefined;
  readonly profiles: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  /** `env_file` entries, relative to the project directory, in order. */
  readonly envFiles: readonly string[];
  readonly mounts: readonly ComposeMount[];
  /** `command`, split into arguments. */
  readonly command: readonly string[];
}

/**
 * Where a container path's data really is: a named volume (by its Docker name), or a host directory (relative to
 * the project directory as written, resolved by the caller).
 */
export type ComposeMount =
  | { readonly kind: "volume"; readonly volume: string; readonly target: string }
  | { readonly kind: "bind"; readonly source: string; readonly target: string }
  | { readonly kind: "other"; readonly target: string };

export class ComposeError extends Error {}

/** `.env` syntax as compose reads it: `KEY=value`, optional quotes, `#` comments, `export` prefix. */
export function parseDotEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (match === null) continue;
    let value = match[2] ?? "";
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
    } else {
      value = value.replace(/\s+#.*$/, "");
    }
    env[match[1]!] = value;
  }
  return env;
}

/** compose-spec interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `$$`. */
export function interpolate(
  text: string,
  env: Readonly<Record<string, string>>,
  unsetName: (name: string) => void = () => undefined,
): string {
  return text.replace(
    /\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])((?:[^{}]|\{[^{}]*\})*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (
      _whole: string,
      dollar: string,
      braced?: string,
      colon?: string,
      op?: string,
      arg?: string,
      bare?: string,
    ) => {
      if (dollar === "$") return "$";
      const name = braced ?? bare ?? "";
      const value = env[name];
      const unsetVariable = unsetName;
      const unset = value === undefined || (colon === ":" && value === "");
      switch (op) {
        case "-":
          return unset ? interpolate(arg ?? "", env, unsetVariable) : value!;
        case "?":
          if (unset) throw new ComposeError(`variable ${name} is required: ${arg ?? ""}`);
          return value!;
        case "+":
          return unset ? "" : interpolate(arg ?? "", env, unsetVariable);
        default:
          if (value === undefined) unsetVariable(name);
          return value ?? "";
      }
    },
  );
}

type Unset = (name: string, where: string) => void;

function interpolateDeep(
  value: unknown,
  env: Readonly<Record<string, string>>,
  unset: Unset,
  where = "",
): unknown {
  const at = (key: string | number) => (where === "" ? String(key) : `${where}.${key}`);
  if (typeof value === "string") return interpolate(value, env, (name) => unset(name, where));
  if (Array.isArray(value)) return value.map((item, index) => interpolateDeep(item, env, unset, at(index)));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolateDeep(v, env, unset, at(k))]),
    );
  }
  return value;
}

/** compose's project name rule: lower case, `[a-z0-9_-]`, starting with a letter or digit. */
export function normaliseProjectName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "")
    .replace(/^[^a-z0-9]+/, "");
}

type Doc = Record<string, unknown>;

function asDoc(value: unknown): Doc {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Doc) : {};
}

/**
 * `environment` as a list or a map. A bare name (`- JVB_AUTH_PASSWORD`, as docker-jitsi-meet writes them) takes
 * its value from compose's environment, of which `.env` is the part adoption can see.
 */
function environmentOf(value: unknown, dotEnv: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  const set = (key: string, raw: unknown) => {
    const resolved = raw === null || raw === undefined ? dotEnv[key] : String(raw);
    if (resolved !== undefined) env[key] = resolved;
  };
  if (Array.isArray(value)) {
    for (const item of value) {
      const text = String(item);
      const eq = text.indexOf("=");
      if (eq > 0) set(text.slice(0, eq), text.slice(eq + 1));
      else set(text, undefined);
    }
  } else {
    for (const [k, v] of Object.entries(asDoc(value))) set(k, v);
  }
  return env;
}

function isBindSource(source: string): boolean {
  return source.startsWith(".") || source.startsWith("/") || source.startsWith("~");
}

function volumeName(key: string, topVolumes: Doc, project: string): string {
  const spec = asDoc(topVolumes[key]);
  if (typeof spec.name === "string") return spec.name;
  // `external: true` without a name: the volume is called exactly what the key says.
  if (spec.external === true || asDoc(spec.external).name !== undefined) {
    return typeof asDoc(spec.external).name === "string" ? String(asDoc(spec.external).name) : key;
  }
  return `${project}_${key}`;
}

function mountsOf(value: unknown, topVolumes: Doc, project: string): ComposeMount[] {
  if (!Array.isArray(value)) return [];
  return value.map((entry): ComposeMount => {
    if (typeof entry === "string") {
      // SOURCE:TARGET[:MODE]; a lone path is an anonymous volume.
      const parts = entry.split(":");
      if (parts.length === 1) return { kind: "other", target: parts[0]! };
      const [source, target] = [parts[0]!, parts[1]!];
      return isBindSource(source)
        ? { kind: "bind", source, target }
        : { kind: "volume", volume: volumeName(source, topVolumes, project), target };
    }
    const long = asDoc(entry);
    const target = String(long.target ?? "");
    const source = typeof long.source === "string" ? long.source : undefined;
    if (long.type === "bind" && source !== undefined) return { kind: "bind", source, target };
    if (long.type === "volume" && source !== undefined)
      return { kind: "volume", volume: volumeName(source, topVolumes, project), target };
    return { kind: "other", target };
  });
}

/**
 * Parses a compose file. `dotEnv` is the project's `.env`; `directoryName` stands in for the project name when
 * neither the file (`name:`) nor `.env` (`COMPOSE_PROJECT_NAME`) sets one.
 */
export function parseComposeProject(
  composeText: string,
  dotEnv: Readonly<Record<string, string>>,
  directoryName: string,
): ComposeProject {
  let raw: unknown;
  try {
    raw = yaml.load(composeText);
  } catch (error) {
    throw new ComposeError(`the compose file is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  const unsetVariables: Array<{ name: string; where: string }> = [];
  const doc = asDoc(interpolateDeep(raw, dotEnv, (name, where) => unsetVariables.push({ name, where })));
  const name = normaliseProjectName(
    typeof doc.name === "string" ? doc.name : (dotEnv.COMPOSE_PROJECT_NAME ?? directoryName),
  );
  const topVolumes = asDoc(doc.volumes);
  const services = Object.entries(asDoc(doc.services)).map(([serviceName, value]): ComposeService => {
    const service = asDoc(value);
    const envFile = service.env_file;
    return {
      name: serviceName,
      image: typeof service.image === "string" ? service.image : undefined,
      profiles: Array.isArray(service.profiles) ? service.profiles.map(String) : [],
      environment: environmentOf(service.environment, dotEnv),
      envFiles: (Array.isArray(envFile) ? envFile : envFile === undefined ? [] : [envFile]).map((f) =>
        typeof f === "string" ? f : String(asDoc(f).path ?? ""),
      ),
      mounts: mountsOf(service.volumes, topVolumes, name),
      command: Array.isArray(service.command)
        ? service.command.map(String)
        : typeof service.command === "string"
          ? service.command.split(/\s+/).filter((a) => a !== "")
          : [],
    };
  });
  if (services.length === 0) throw new ComposeError("the compose file defines no services");
  return { name, services, unsetVariables };
}

/** The mount holding a container path (the deepest one), and the path relative to its target. */
export function mountFor(
  service: ComposeService,
  containerPath: string,
): { mount: ComposeMount; relative: string } | undefined {
  const candidates = service.mounts
    .filter((m) => containerPath === m.target || containerPath.startsWith(`${m.target.replace(/\/+$/, "")}/`))
    .sort((a, b) => b.target.length - a.target.length);
  const mount = candidates[0];
  if (mount === undefined) return undefined;
  return { mount, relative: path.posix.relative(mount.target, containerPath) };
}
