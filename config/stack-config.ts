import { parseAdoption } from "./adoption-config";
import { OrgConfig } from "./model";
import { CONFIG_NAMESPACE, ConfigError, Problem } from "./problems";
import { KeyRecorder, SectionReader } from "./section-reader";
import {
  parseComponents,
  parseDocker,
  parseElementOptions,
  parseFederationPeers,
  parseHosts,
  parseImages,
  parseJitsiOptions,
  parseNetwork,
  parseOverrides,
  parsePorts,
  parseProxy,
  parseSecretRotation,
  parseSynapseOptions,
  parseTurnOptions,
} from "./sections";
import { hostname } from "./values";

/**
 * config/: the stack config. `Pulumi.<stack>.yaml` is read (stack-files.ts) and turned into the typed model
 * `OrgConfig` (model.ts) with every default filled: one reader per section (sections.ts), the value kinds
 * (values.ts, ports.ts), the adoption settings (adoption-config.ts), over a reader that collects every mistake as a
 * `Problem` naming stack, key and fix (section-reader.ts, problems.ts) instead of stopping at the first. This file
 * puts the sections together. Pure. May import facts/ only.
 */

export interface ParsedStack {
  readonly config: OrgConfig | undefined;
  readonly problems: readonly Problem[];
}

/**
 * Strips the project namespace from a Pulumi `config:` map: `matrix-fleet:serverName` becomes `serverName`.
 * Keys of other namespaces (e.g. `docker:host`, `pulumi:template`) are not ours and are left out.
 */
export function projectConfig(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key.startsWith(prefix)) result[key.slice(prefix.length)] = value;
  }
  return result;
}

/**
 * Builds the typed model of one organisation from its Pulumi config (namespace already stripped), filling every
 * default. Pure: the same input always gives the same model and the same problems, all of them at once.
 */
export function parseStackConfig(
  stack: string,
  values: Readonly<Record<string, unknown>>,
  recorder?: KeyRecorder,
): ParsedStack {
  const problems: Problem[] = [];
  const top = SectionReader.forSection(stack, "", values, problems, recorder);

  const organisation = top.string("organisation", stack);
  const serverName = hostname(top, "serverName", top.requiredString("serverName", "example.org"));
  const hosts = parseHosts(top, serverName);
  const components = parseComponents(top);
  const network = parseNetwork(top);
  const ports = parsePorts(top);
  const federationPeers = parseFederationPeers(top);
  const images = parseImages(top);
  const docker = parseDocker(top);
  const proxy = parseProxy(top, network, serverName);
  const synapse = parseSynapseOptions(top);
  const turn = parseTurnOptions(top, hosts);
  const element = parseElementOptions(top, organisation);
  const jitsi = parseJitsiOptions(top);
  const secretRotation = parseSecretRotation(top);
  const overrides = parseOverrides(top);
  const adoption = parseAdoption(top, serverName, components);

  // Secrets read by the Pulumi program itself (pulumi config set --secret): known here, never kept in the model.
  top.raw("npmIdentity");
  top.raw("npmSecret");
  top.rejectUnknownKeys();

  const config: OrgConfig = {
    stack,
    organisation,
    serverName,
    hosts,
    components,
    network,
    ports,
    federationPeers,
    images,
    docker,
    proxy,
    synapse,
    turn,
    element,
    jitsi,
    secretRotation,
    overrides,
    adoption,
  };
  return { config: problems.length === 0 ? config : undefined, problems };
}

/** Like `parseStackConfig`, but throws one `ConfigError` carrying every problem. */
export function loadOrgConfig(stack: string, values: Readonly<Record<string, unknown>>): OrgConfig {
  const parsed = parseStackConfig(stack, values);
  if (parsed.config === undefined) throw new ConfigError(parsed.problems);
  return parsed.config;
}
