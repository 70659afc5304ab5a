import { isPlainObject } from "../config/merge";

/** One setting that differs between the running deployment and what matrix-fleet would render. */
export interface Difference {
  /** The file (or service) it is in, e.g. `homeserver.yaml`. */
  readonly file: string;
  /** Dotted path of the setting, e.g. `rtc.node_ip`. */
  readonly path: string;
  /** dropped: they set it, matrix-fleet would not; changed: both set it differently; added: only matrix-fleet. */
  readonly kind: "dropped" | "changed" | "added";
  /** Printable values; secrets appear as `(secret)`, never in clear. */
  readonly theirs: string | undefined;
  readonly ours: string | undefined;
  /** How to keep their value (or, for an added setting, which setting controls it), when there is a way. */
  readonly hint: string | undefined;
  /** Why the change is intended: a known failure it fixes, or matrix-fleet's container layout. */
  readonly reason?: string;
}

/** Values that must never be printed: every secret found, and any value under a key that names a secret. */
export interface Redaction {
  readonly values: readonly string[];
}

const SECRET_KEY = /(secret|password|passwd|_pass$|token|_key$|^key$|^keys\.)/i;

export function redactKey(key: string, redaction: Redaction): string {
  return redaction.values.includes(key) ? "(secret)" : key;
}

function printable(path: string, value: unknown, redaction: Redaction): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (SECRET_KEY.test(path.split(".").pop() ?? "") || SECRET_KEY.test(path)) return "(secret)";
  if (redaction.values.some((secret) => secret !== "" && text.includes(secret))) return "(secret)";
  return text;
}

/** Leaves of a document by dotted path; lists are leaves (compared whole). Secret map keys are masked. */
export function flatten(doc: unknown, redaction: Redaction, prefix = ""): Map<string, unknown> {
  const leaves = new Map<string, unknown>();
  if (!isPlainObject(doc)) {
    if (prefix !== "") leaves.set(prefix, doc);
    return leaves;
  }
  for (const [key, value] of Object.entries(doc)) {
    const path = prefix === "" ? redactKey(key, redaction) : `${prefix}.${redactKey(key, redaction)}`;
    if (isPlainObject(value) && Object.keys(value).length > 0) {
      for (const [p, v] of flatten(value, redaction, path)) leaves.set(p, v);
    } else {
      leaves.set(path, value);
    }
  }
  return leaves;
}

/** Numbers and numeric strings, booleans and their spellings compare equal: YAML and env files mix them. */
function same(a: unknown, b: unknown): boolean {
  if (JSON.stringify(a) === JSON.stringify(b)) return true;
  const scalar = (v: unknown) => (typeof v === "number" || typeof v === "boolean" ? String(v) : v);
  return typeof scalar(a) === "string" && scalar(a) === scalar(b);
}

/**
 * Every difference between two documents of one file. `hint(path, kind)` says which matrix-fleet setting keeps
 * their value. Secret values are compared, never shown: a changed secret says only that it changed.
 */
export function compareDocuments(
  file: string,
  theirs: unknown,
  ours: unknown,
  redaction: Redaction,
  hint: (path: string, kind: Difference["kind"]) => string | undefined,
): Difference[] {
  const a = flatten(theirs, redaction);
  const b = flatten(ours, redaction);
  const differences: Difference[] = [];
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  for (const path of paths) {
    const inTheirs = a.has(path);
    const inOurs = b.has(path);
    const kind: Difference["kind"] = inTheirs && inOurs ? "changed" : inTheirs ? "dropped" : "added";
    if (kind === "changed" && same(a.get(path), b.get(path))) continue;
    differences.push({
      file,
      path,
      kind,
      theirs: inTheirs ? printable(path, a.get(path), redaction) : undefined,
      ours: inOurs ? printable(path, b.get(path), redaction) : undefined,
      hint: hint(path, kind),
    });
  }
  return differences;
}
