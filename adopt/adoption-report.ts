import { proxyHostDocuments } from "../config-templates/npm-proxy-hosts";
import * as path from "node:path";
import { deepMerge } from "../config/merge";
import { OrgConfig } from "../config/model";
import { formatProblem } from "../config/problems";
import { parseStackConfig } from "../config/stack-config";
import { neededSecrets } from "../facts/secrets";
import { SYNAPSE_PATHS } from "../facts/synapse";
import { adoptedStores } from "./adopted-stores";
import { withReasons } from "./difference-hints";
import { Difference, Redaction } from "./differences";
import { FoundSecret, findSecrets } from "./found-secrets";
import { imageChoices } from "./image-choices";
import { renderedDifferences, serviceDifferences } from "./rendered-differences";
import { RunningDeployment } from "./running-deployment";

/**
 * adopt/: taking over a running Docker Compose deployment (`npm run adopt`). This folder reads compose files the
 * way compose does (`compose-project.ts`), finds the services and their files (`running-deployment.ts`), works
 * out the stores (`adopted-stores.ts`), secrets (`found-secrets.ts`) and images (`image-choices.ts`) to keep,
 * and compares the running files with the rendered ones without ever printing a secret (`differences.ts`,
 * `rendered-differences.ts`, `difference-hints.ts`); `format-report.ts` prints the result. Everything here is
 * pure: files come in through a reader. It may import facts/ to checks/, never components/ or cli/.
 */

export type { FoundSecret };

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
  blockers.push(...identityBlockers(org, deployment));
  const stackConfig = proposedStackConfig(org, deployment, blockers, notes);
  const found = findSecrets(deployment, notes);
  const secrets = secretsToAdopt(org, found, notes);

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
  notes.push(...signingKeyNotes(stackConfig, deployment));

  return { stack, stackConfig, secrets, differences: withReasons(differences), blockers, notes };
}

/** The homeserver's identity: a server name can never change, so a different one blocks the adoption. */
function identityBlockers(org: OrgConfig, deployment: RunningDeployment): string[] {
  const homeserver = deployment.homeserver?.content;
  if (homeserver === undefined) {
    const synapse = deployment.services.synapse;
    if (synapse !== undefined)
      return [
        `Synapse's homeserver.yaml was not found in compose service ${synapse.name} (see Notes for where it was looked for), so its identity cannot be adopted`,
      ];
    const services = deployment.project.services
      .map((s) => `${s.name} (${s.image === undefined || s.image === "" ? "no image" : s.image})`)
      .join(", ");
    const unsetImages = deployment.project.unsetVariables.filter((u) => /\.image$/.test(u.where));
    return [
      `no compose service runs a Synapse image (matrixdotorg/synapse or element-hq/synapse), so its identity cannot be adopted; the services are: ${services}${unsetImages.length > 0 ? `; ${unsetImages.map((u) => `${u.where} uses ${u.name}, which is not set`).join("; ")}` : ""}`,
    ];
  }
  if (homeserver.server_name !== org.serverName) {
    return [
      `server_name is ${String(homeserver.server_name)} in the running Synapse but serverName is ${org.serverName} in the stack; a server name can never change (every user ID and room carries it): set serverName: ${String(homeserver.server_name)}`,
    ];
  }
  return [];
}

/** The `adopt` section and the images the data decides, as settings to merge into the stack file. */
function proposedStackConfig(
  org: OrgConfig,
  deployment: RunningDeployment,
  blockers: string[],
  notes: string[],
): Record<string, unknown> {
  const adopt = adoptedStores(org, deployment, blockers, notes);
  const stackConfig: Record<string, unknown> = {};
  const adoptSection = Object.fromEntries(
    Object.entries(adopt).filter(([, section]) => Object.keys(section).length > 0),
  );
  if (Object.keys(adoptSection).length > 0) stackConfig.adopt = adoptSection;
  const images = imageChoices(org, deployment, notes, blockers);
  if (Object.keys(images).length > 0) stackConfig.images = images;
  // The running deployment's proxy hosts, made by hand in NPM, are taken over in place: only when listed.
  const adoptHosts = proxyHostDocuments(org)
    .map((host) => host.domain_names[0]!)
    .filter((domain) => !org.proxy.adoptHosts.includes(domain));
  if (adoptHosts.length > 0) {
    stackConfig.proxy = { adoptHosts: [...org.proxy.adoptHosts, ...adoptHosts] };
    notes.push(
      `proxy.adoptHosts lists every proxy host of the stack (${adoptHosts.join(", ")}): NPM hosts the running deployment has for these names are taken over in place at pulumi up (the preview shows adopt: true on each; pulumi destroy would delete them); leave out any you want NPM to keep as it is`,
    );
  }
  return stackConfig;
}

/** The found secrets an enabled component uses; notes on the others and on the ones a new value replaces. */
function secretsToAdopt(org: OrgConfig, found: readonly FoundSecret[], notes: string[]): FoundSecret[] {
  const needed = new Set(neededSecrets(org));
  const secrets = found.filter((s) => needed.has(s.name));
  for (const s of found.filter((s) => !needed.has(s.name)))
    notes.push(`${s.name} found in ${s.source} but no enabled component of the stack uses it; not adopted`);
  for (const name of neededSecrets(org).filter((n) => !found.some((s) => s.name === n)))
    notes.push(`${name}: not in the running deployment; pulumi up generates a new one`);
  return secrets;
}

/** A signing key in an adopted host directory must really be there: a wrong --host-dir shows up here. */
function signingKeyNotes(stackConfig: Record<string, unknown>, deployment: RunningDeployment): string[] {
  const key = stackConfig.adopt as { volumes?: Doc; synapse?: Doc } | undefined;
  const keyRoot = key?.volumes?.synapseData;
  if (typeof keyRoot !== "string" || !keyRoot.startsWith("/")) return [];
  const keyFile = path.posix.join(
    keyRoot,
    path.posix.relative(SYNAPSE_PATHS.dataDir, String(key?.synapse?.signingKeyPath)),
  );
  if (deployment.read(keyFile) === undefined)
    return [`the signing key was not found at ${keyFile}: check --host-dir before adopting`];
  return [];
}
