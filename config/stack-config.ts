import { parseAdoption } from "./adoption-config";
import { parseBackup } from "./backup-config";
import { parseCapacity } from "./capacity-section";
import { OrgConfig } from "./model";
import { ConfigError, Problem } from "./problems";
import { KeyRecorder, SectionReader } from "./section-reader";
import {
  checkWanPorts,
  parseComponents,
  parseFederationPeers,
  parseHosts,
  parseImages,
  parseOverrides,
  parsePorts,
  parseSecretRotation,
} from "./sections";
import {
  parseDocker,
  parseElementOptions,
  parseJitsiOptions,
  parseNetwork,
  parseProxy,
  parseSynapseOptions,
  parseTurnOptions,
} from "./service-sections";
import { foreignKeyProblems, projectConfig } from "./namespaces";
import { parseMonitoring } from "./monitoring-section";
import { checkRotationOfAdopted } from "./secret-rotation";
import { serverName as serverNameValue } from "./values";

/**
 * config/: the stack config. `Pulumi.<stack>.yaml` is read (stack-files.ts, namespaces.ts) and turned into the
 * typed model `OrgConfig` (model.ts) with every default filled: one reader per section (sections.ts,
 * service-sections.ts), the value kinds (values.ts, addresses.ts, service-values.ts, ports.ts), the adoption
 * settings (adoption-config.ts), the monitoring (monitoring-section.ts), over a reader that collects every mistake as a `Problem` naming stack, key and fix
 * (section-reader.ts, problems.ts) instead of stopping at the first. This file puts the sections together. Pure.
 * May import facts/ only.
 */

export { projectConfig };

export interface ParsedStack {
  readonly config: OrgConfig | undefined;
  readonly problems: readonly Problem[];
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
  const problems: Problem[] = [...foreignKeyProblems(stack, values)];
  const top = SectionReader.forSection(stack, "", values, problems, recorder);
  // Keys under another spelling of the namespace were reported above; they are no settings of their own.
  for (const key of Object.keys(values)) if (key.includes(":")) top.raw(key);

  const organisation = top.string("organisation", stack);
  const serverName = serverNameValue(top, "serverName", top.requiredString("serverName", "example.org"));
  const hosts = parseHosts(top, serverName);
  const components = parseComponents(top);
  const network = parseNetwork(top);
  const ports = parsePorts(top);
  const federationPeers = parseFederationPeers(top);
  const images = parseImages(top);
  const docker = parseDocker(top);
  const proxy = parseProxy(top, network, serverName);
  const synapse = parseSynapseOptions(top, components);
  const turn = parseTurnOptions(top, hosts, network, components);
  checkWanPorts(top, components, ports, turn);
  const element = parseElementOptions(top, organisation);
  const jitsi = parseJitsiOptions(top, components);
  const monitoring = parseMonitoring(top, components, serverName);
  const secretRotation = parseSecretRotation(top);
  const overrides = parseOverrides(top);
  const backup = parseBackup(top);
  const adoption = parseAdoption(top, serverName, { components, backup });
  checkRotationOfAdopted(top, secretRotation, adoption, { components, backup });
  const capacity = parseCapacity(top);

  // Secrets read by the Pulumi program itself (pulumi config set --secret): known here, never kept in the model.
  top.raw("npmIdentity");
  if (typeof top.raw("monitoringSmtpPassword") === "string") {
    top.report(
      "monitoringSmtpPassword",
      `is in clear text in Pulumi.${stack}.yaml: the SMTP password would sit in a reviewed file`,
      `remove it from the file, then set it with: pulumi config set --secret monitoringSmtpPassword --stack ${stack} (value on stdin)`,
    );
  }
  if (typeof top.raw("npmSecret") === "string") {
    top.report(
      "npmSecret",
      `is in clear text in Pulumi.${stack}.yaml: the NPM admin password would sit in a reviewed file`,
      `remove it from the file, then set it with: pulumi config set --secret npmSecret --stack ${stack} (value on stdin)`,
    );
  }
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
    monitoring,
    secretRotation,
    overrides,
    adoption,
    backup,
    capacity,
  };
  return { config: problems.length === 0 ? config : undefined, problems };
}

/** Like `parseStackConfig`, but throws one `ConfigError` carrying every problem. */
export function loadOrgConfig(stack: string, values: Readonly<Record<string, unknown>>): OrgConfig {
  const parsed = parseStackConfig(stack, values);
  if (parsed.config === undefined) throw new ConfigError(parsed.problems);
  return parsed.config;
}
