import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { OrgConfig } from "../config/model";
import { FileId, renderPlanFiles } from "../config-templates/files";
import { StackPlan, buildStackPlan } from "../config-templates/plan";
import { SecretName, SecretValues, placeholderSecrets } from "../facts/secrets";

const PLACEHOLDER = /\{\{secret:([a-z_]+)\}\}/g;

/** The secrets whose placeholders appear in a rendered text or document, in a stable order. */
export function secretsIn(value: unknown): SecretName[] {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1] as SecretName))].sort();
}

/** Where the secret values come from: one Output per secret, and the resource generating each generated one. */
export interface SecretSources {
  readonly values: Readonly<Record<SecretName, pulumi.Output<string>>>;
  readonly generators: Readonly<Partial<Record<SecretName, pulumi.Resource>>>;
}

/**
 * The stack's rendered documents for its containers, each depending on exactly the secrets it contains.
 *
 * Everything is rendered once with placeholders (known in a preview, and the same text `render` writes for
 * review). A document without a placeholder goes to its container as a plain value: not secret, and shown in
 * full by `pulumi preview --diff` (Element's config.json, say). A document with placeholders is rendered again
 * with the values of exactly those secrets, so it waits for, is marked secret by and changes with those secrets
 * only: rotating the LiveKit key pair leaves Synapse's and coturn's files untouched even in a preview, where the
 * new key pair is unknown.
 */
export class StackDocuments {
  /** The plan with placeholders in place of every secret. */
  readonly template: StackPlan;
  readonly templateFiles: Partial<Record<FileId, string>>;

  constructor(
    readonly org: OrgConfig,
    readonly secrets: SecretSources,
  ) {
    this.template = buildStackPlan(org, placeholderSecrets());
    this.templateFiles = renderPlanFiles(this.template);
  }

  /** The documents of one container, which also collects the secrets that container receives. */
  forContainer(): ContainerDocuments {
    return new ContainerDocuments(this);
  }

  /**
   * `derive(template)` when the template part holds no placeholder; else `derive` of the plan rendered with the
   * values of exactly the secrets it holds (the other secrets stay placeholders: the part does not contain them).
   */
  filled<T>(used: readonly SecretName[], derive: (plan: StackPlan) => T): pulumi.Input<T> {
    if (used.length === 0) return derive(this.template);
    const values = pulumi.all(used.map((name) => this.secrets.values[name]));
    return pulumi.secret(
      values.apply((resolved) => {
        const filled: Record<string, string> = { ...placeholderSecrets() };
        used.forEach((name, index) => (filled[name] = resolved[index]!));
        return derive(buildStackPlan(this.org, filled as SecretValues));
      }),
    ) as pulumi.Output<T>;
  }
}

/**
 * One container's documents: its uploads, environment and single values, and the secrets in them. The container
 * is replaced together with the generator of any of its secrets (`replaceWith`): the Docker provider cannot see
 * a change in an environment whose value is still unknown in a preview, the engine can.
 */
export class ContainerDocuments {
  private readonly used = new Set<SecretName>();

  constructor(private readonly documents: StackDocuments) {}

  /** Container uploads of rendered files, secret when any of them carries a secret. */
  uploads(
    files: ReadonlyArray<readonly [id: FileId, path: string]>,
  ): pulumi.Input<docker.types.input.ContainerUpload[]> {
    const texts = files.map(([id, path]) => {
      const text = this.documents.templateFiles[id];
      if (text === undefined) throw new Error(`rendered file ${id} is missing for ${path}`);
      return text;
    });
    return this.documents.filled(this.track(texts), (plan) => {
      const rendered = renderPlanFiles(plan);
      return files.map(([id, path]) => ({ file: path, content: rendered[id]! }));
    });
  }

  /** Docker's `KEY=value` list of an env document of the plan, secret when any value carries a secret. */
  envs(pick: (plan: StackPlan) => Readonly<Record<string, string>> | undefined): pulumi.Input<string[]> {
    const list = (plan: StackPlan) => {
      const env = pick(plan);
      if (env === undefined) throw new Error("environment document missing from the plan");
      return Object.entries(env).map(([key, value]) => `${key}=${value}`);
    };
    return this.documents.filled(this.track(list(this.documents.template)), list);
  }

  /** One value of the plan (a password for an environment variable), secret when it carries a secret. */
  value(pick: (plan: StackPlan) => string): pulumi.Input<string> {
    return this.documents.filled(this.track(pick(this.documents.template)), pick);
  }

  /** The generators of the secrets this container received so far: its `replaceWith`. */
  replaceWith(): pulumi.Resource[] {
    return [...this.used].sort().flatMap((name) => this.documents.secrets.generators[name] ?? []);
  }

  private track(templatePart: unknown): SecretName[] {
    const used = secretsIn(templatePart);
    for (const name of used) this.used.add(name);
    return used;
  }
}
