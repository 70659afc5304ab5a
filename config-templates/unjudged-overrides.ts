import { isPlainObject } from "../config/merge";
import { OrgConfig, ServiceOverrides } from "../config/model";

/**
 * The overrides an operator marked as not judged (`overrides.unjudged.<service>`), one line per value as written:
 * render prints them, summary.md lists them and the Pulumi program warns about them in every preview, so that a
 * reviewer sees what reaches a deployed file without matrix-fleet's judgement. Preflight (checks/overrides.ts)
 * has refused every key a registry judges, so what is listed here is only what no registry judges.
 */
export interface UnjudgedOverride {
  /** The config path, e.g. `overrides.unjudged.synapse.experimental_features.msc3266_enabled`. */
  readonly key: string;
  readonly value: unknown;
}

const SERVICES: ReadonlyArray<keyof ServiceOverrides> = [
  "synapse",
  "coturn",
  "livekit",
  "elementWeb",
  "lkJwt",
];

export function unjudgedOverrides(org: OrgConfig): UnjudgedOverride[] {
  const found: UnjudgedOverride[] = [];
  const visit = (value: unknown, key: string) => {
    if (isPlainObject(value) && Object.keys(value).length > 0)
      for (const [name, inner] of Object.entries(value)) visit(inner, `${key}.${name}`);
    else found.push({ key, value });
  };
  for (const service of SERVICES)
    for (const [name, value] of Object.entries(org.overrides.unjudged[service]))
      visit(value, `overrides.unjudged.${service}.${name}`);
  return found;
}

/** One override as a line: its key and its value as JSON, cut after 120 characters. */
export function formatUnjudged({ key, value }: UnjudgedOverride): string {
  const text = JSON.stringify(value) ?? String(value);
  return `${key} = ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`;
}
