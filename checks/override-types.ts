import { StackPlan } from "../config-templates/plan";

/**
 * The types of the override registry (override-registry.ts has the helpers, override-keys-*.ts the registries):
 * a value's type as a service reads it, a judged key, a service's registry, and what a judgement says.
 */

/** A value's type as the upstream software reads it. */
export type ValueType =
  | { readonly kind: "boolean" }
  /** `digits`: a string of digits reads the same (coturn and environment files are text). */
  | { readonly kind: "integer"; readonly min?: number; readonly max?: number; readonly digits?: boolean }
  | { readonly kind: "number"; readonly min?: number }
  | {
      readonly kind: "string";
      readonly values?: readonly string[];
      readonly pattern?: RegExp;
      /** What `pattern` asks for, in words, with an example. */
      readonly shape?: string;
    }
  /** coturn: `true` writes the bare option, `false` leaves it out. */
  | { readonly kind: "flag" }
  /** Synapse's `parse_duration`: milliseconds as a whole number, or a whole number with s, m, h, d, w or y. */
  | { readonly kind: "duration" }
  /** Synapse's `parse_size`: bytes as a whole number, or a whole number with K, M, G or T. */
  | { readonly kind: "size" }
  | { readonly kind: "list"; readonly item: ValueType }
  /** A map whose keys are judged one by one (a key not in `keys` is unknown). */
  | { readonly kind: "section"; readonly keys: Registry }
  /** A map with keys of the operator's choosing, each value of one type. */
  | { readonly kind: "map"; readonly value: ValueType }
  | { readonly kind: "either"; readonly types: readonly ValueType[] }
  | { readonly kind: "null" };

/** What a judgement finds wrong with a deployed value. `key` (a config path) when another key is to blame. */
export interface Verdict {
  readonly message: string;
  readonly fix: string;
  readonly key?: string;
}

export interface JudgeContext {
  /** The stack as it would be deployed, every override merged. */
  readonly plan: StackPlan;
  /** The same stack rendered without any override: what matrix-fleet writes itself. */
  readonly baseline: StackPlan;
  /** Where the value sits in the service's document, e.g. ["listeners"] or ["rtc", "udp_port"]. */
  readonly path: readonly string[];
  /** The value matrix-fleet writes there itself (undefined when it writes none). */
  readonly written: unknown;
}

/** Judges the deployed value (undefined: the override removed it). Called only when it differs from `written`. */
export type Judge = (value: unknown, context: JudgeContext) => readonly Verdict[];

export interface JudgedKey {
  readonly type: ValueType;
  /** Where the key and its type were read (file and tag; docs/upstream/<service>.md has the details). */
  readonly source: string;
  /**
   * A preflight check that judges this key on the deployed document already (named for the reader of the
   * registry); `typeToo`: it judges the type as well, so the registry's own type check would only say it twice.
   */
  readonly checkedBy?: { readonly check: string; readonly typeToo?: boolean };
  readonly judge?: Judge;
}

export type Registry = Readonly<Record<string, JudgedKey>>;

export type ServiceName = "synapse" | "coturn" | "livekit" | "elementWeb" | "lkJwt";

export interface ServiceRegistry {
  readonly service: ServiceName;
  /** The file an override of this service reaches, as operators know it. */
  readonly file: string;
  readonly keys: Registry;
  /** What the service does with a value of the wrong type. */
  readonly typeConsequence: string;
  /** The deployed document as a map (coturn's lines as option -> value), undefined when the service is off. */
  readonly document: (plan: StackPlan) => Readonly<Record<string, unknown>> | undefined;
  /** Keys the service itself does not know: reported by the document's own check (LiveKit's strict parser). */
  readonly unknownUpstream?: (path: readonly string[]) => boolean;
  /** Another spelling the service reads as one of its keys (Element's camelCase for snake_case), if any. */
  readonly spelledAs?: (key: string) => string | undefined;
}
