import { Problem, problem } from "./problems";
import { PortRange } from "./model";
import { formatRange, parsePortRange } from "./ports";

/** What the accessors learn about a key: enough for the stack file's JSON Schema and docs/configuration.md. */
export interface KeySpec {
  readonly kind?:
    "string" | "boolean" | "integer" | "portRange" | "stringList" | "map" | "section" | "secure" | "any";
  readonly required?: boolean;
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  /** The only values a `oneOf` key takes. */
  readonly values?: readonly string[];
}

/** Every key a parse asked for, by config path (`network.publicIp`), in the order they were read. */
export type KeyRecorder = Map<string, KeySpec>;

/**
 * Reads one section (an object) of Pulumi stack config with typed accessors. Every mistake is collected as a
 * `Problem` instead of thrown, so that the operator sees all of them at once.
 *
 * Values may arrive typed (from YAML, as `render` reads the stack file) or as strings (the Pulumi engine hands
 * top-level scalars to the program as strings), so scalars accept both spellings.
 */
export class SectionReader {
  private readonly seen = new Set<string>();

  constructor(
    private readonly stack: string,
    /** Config path of this section, e.g. `network`; empty for the top level. */
    private readonly path: string,
    private readonly values: Readonly<Record<string, unknown>>,
    private readonly problems: Problem[],
    /** When set, every accessor notes the key it reads and its kind (config/json-schema.ts). */
    private readonly recorder?: KeyRecorder,
  ) {}

  static forSection(
    stack: string,
    path: string,
    value: unknown,
    problems: Problem[],
    recorder?: KeyRecorder,
  ): SectionReader {
    if (value === undefined || value === null) {
      return new SectionReader(stack, path, {}, problems, recorder);
    }
    if (typeof value !== "object" || Array.isArray(value)) {
      problems.push(
        problem(stack, path, `must be a map of settings, got ${describe(value)}`, `write it as a YAML map`),
      );
      return new SectionReader(stack, path, {}, problems, recorder);
    }
    return new SectionReader(stack, path, value as Record<string, unknown>, problems, recorder);
  }

  /** Notes what an accessor learnt about a key; a more specific accessor refines what `raw` noted. */
  private note(key: string, spec: KeySpec): void {
    if (this.recorder === undefined) return;
    const path = this.keyPath(key);
    this.recorder.set(path, { ...this.recorder.get(path), ...spec });
  }

  get stackName(): string {
    return this.stack;
  }

  keyPath(key: string): string {
    return this.path === "" ? key : `${this.path}.${key}`;
  }

  has(key: string): boolean {
    if (this.recorder?.has(this.keyPath(key)) === false) this.note(key, { kind: "any" });
    return this.values[key] !== undefined && this.values[key] !== null;
  }

  raw(key: string): unknown {
    this.seen.add(key);
    if (this.recorder?.has(this.keyPath(key)) === false) this.note(key, { kind: "any" });
    return this.values[key];
  }

  /** A value `pulumi config set --secret` wrote: `{ secure: <ciphertext> }` in the stack file. */
  secureRaw(key: string): unknown {
    const value = this.raw(key);
    this.note(key, { kind: "secure" });
    return value;
  }

  report(key: string, message: string, fix: string): void {
    this.problems.push(problem(this.stack, this.keyPath(key), message, fix));
  }

  section(key: string): SectionReader {
    const value = this.raw(key);
    this.note(key, { kind: "section" });
    return SectionReader.forSection(this.stack, this.keyPath(key), value, this.problems, this.recorder);
  }

  string(key: string, fallback: string): string;
  string(key: string, fallback: undefined): string | undefined;
  string(key: string, fallback: string | undefined): string | undefined {
    const value = this.raw(key);
    this.note(key, { kind: "string", default: fallback });
    if (value === undefined || value === null) return fallback;
    if (typeof value === "string" && value.trim() !== "") return value.trim();
    if (typeof value === "number") return String(value);
    this.report(key, `must be a non-empty string, got ${describe(value)}`, `set it to a text value`);
    return fallback;
  }

  /** A string the stack cannot do without; reports it as missing otherwise. */
  requiredString(key: string, example: string): string {
    const value = this.string(key, undefined);
    this.note(key, { required: true });
    if (value === undefined) {
      this.report(
        key,
        "is required and not set",
        `pulumi config set --path '${this.keyPath(key)}' ${example} --stack ${this.stack}`,
      );
      return "";
    }
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.raw(key);
    this.note(key, { kind: "boolean", default: fallback });
    if (value === undefined || value === null) return fallback;
    if (typeof value === "boolean") return value;
    if (value === "true") return true;
    if (value === "false") return false;
    this.report(key, `must be true or false, got ${describe(value)}`, `set it to true or false`);
    return fallback;
  }

  /**
   * One of a fixed set of words, without a default: `undefined` when the stack file does not say (the caller decides
   * whether it must), or when it says something else (reported, naming the words it takes).
   */
  oneOf<T extends string>(key: string, values: readonly T[]): T | undefined {
    const value = this.raw(key);
    this.note(key, { kind: "string", values });
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string" && (values as readonly string[]).includes(value.trim()))
      return value.trim() as T;
    this.report(
      key,
      `must be one of ${values.join(", ")}, got ${describe(value)}`,
      `set it to one of: ${values.join(", ")}`,
    );
    return undefined;
  }

  /** A boolean without a default: `undefined` when the stack file does not say (the caller decides if it must). */
  optionalBoolean(key: string): boolean | undefined {
    const value = this.raw(key);
    this.note(key, { kind: "boolean" });
    if (value === undefined || value === null) return undefined;
    if (value === true || value === "true") return true;
    if (value === false || value === "false") return false;
    this.report(key, `must be true or false, got ${describe(value)}`, `set it to true or false`);
    return undefined;
  }

  integer(key: string, fallback: number, min: number, max: number): number {
    return this.optionalInteger(key, min, max, fallback) ?? fallback;
  }

  /** A whole number; without a fallback, `undefined` when the stack file does not say. */
  optionalInteger(key: string, min: number, max: number, fallback?: number): number | undefined {
    const value = this.raw(key);
    const withDefault = fallback === undefined ? {} : { default: fallback };
    this.note(key, { kind: "integer", ...withDefault, minimum: min, maximum: max });
    if (value === undefined || value === null) return fallback;
    const parsed = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof parsed === "number" && Number.isInteger(parsed) && parsed >= min && parsed <= max)
      return parsed;
    const fix = fallback === undefined ? "set a number in range, or remove the key" : "set a number in range";
    this.report(key, `must be a whole number from ${min} to ${max}, got ${describe(value)}`, fix);
    return fallback;
  }

  port(key: string, fallback: number): number {
    return this.integer(key, fallback, 1, 65535);
  }

  /** A port range written `49160-49200` or `{start: 49160, end: 49200}`. */
  portRange(key: string, fallback: PortRange): PortRange {
    const value = this.raw(key);
    this.note(key, { kind: "portRange", default: formatRange(fallback) });
    if (value === undefined || value === null) return fallback;
    const range = parsePortRange(value);
    if (range === undefined) {
      this.report(
        key,
        `must be a port range like 49160-49200 (start <= end, 1-65535), got ${describe(value)}`,
        `write it as "<start>-<end>"`,
      );
      return fallback;
    }
    return range;
  }

  stringList(key: string, fallback: readonly string[]): readonly string[] {
    const value = this.raw(key);
    this.note(key, { kind: "stringList", default: fallback });
    if (value === undefined || value === null) return fallback;
    const list = typeof value === "string" ? parseJsonList(value) : value;
    if (Array.isArray(list) && list.every((item) => typeof item === "string" && item.trim() !== "")) {
      return list.map((item: string) => item.trim());
    }
    this.report(key, `must be a list of strings, got ${describe(value)}`, `write it as a YAML list`);
    return fallback;
  }

  /** A map whose values are free-form (used for expert overrides). */
  freeMap(key: string): Readonly<Record<string, unknown>> {
    const value = this.raw(key);
    this.note(key, { kind: "map" });
    if (value === undefined || value === null) return {};
    if (typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
    this.report(key, `must be a map, got ${describe(value)}`, `write it as a YAML map`);
    return {};
  }

  /** Reports every key of this section that no accessor asked for: a typo must never be silently ignored. */
  rejectUnknownKeys(): void {
    const known = [...this.seen];
    for (const key of Object.keys(this.values)) {
      if (this.seen.has(key)) continue;
      const [first, ...rest] = key.split(".");
      if (rest.length > 0 && this.seen.has(first!)) {
        // `network.lanIp: x` written at the top: Pulumi's --path syntax, but in the file it is one flat key.
        const nested = rest.join(".");
        this.report(
          key,
          `is a dotted path written as one flat key: in the stack file settings nest, so '${this.keyPath(first!)}' never sees it`,
          `nest it under ${first}: write '${first}:' and, indented under it, '${nested}: <value>' (pulumi config set --path '${this.keyPath(key)}' <value> --stack ${this.stack} writes it nested)`,
        );
        continue;
      }
      const suggestion = closest(key, known);
      this.report(
        key,
        "is not a setting matrix-fleet knows",
        suggestion !== undefined
          ? `did you mean '${this.keyPath(suggestion)}'? Rename it`
          : `remove it (known here: ${known.join(", ")})`,
      );
    }
  }
}

function parseJsonList(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "a map";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** The known key closest to a typo, by edit distance, if it is close enough to be a likely intent. */
function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** Levenshtein distance: how many single-character edits turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
