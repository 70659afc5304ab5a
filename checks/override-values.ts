import { isPlainObject } from "../config/merge";
import type { ValueType } from "./override-types";

/**
 * Values of the override registry (override-registry.ts): a deployed value against its type as the service reads
 * it, the type in words for messages, and deep equality. Pure.
 */

/** Deep equality in which the order of a map's keys does not matter (that of a list does). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameValue(item, b[i]));
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((key) => sameValue(a[key], b[key]));
}

/** A value as a type mismatch names it: `string "no"`, `a list`, `the number 3478.5`. */
export function described(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (isPlainObject(value)) return "a map";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "number") return `the number ${Number.isFinite(value) ? value : String(value)}`;
  if (typeof value === "boolean") return `${value}`;
  return typeof value;
}

/** The type in words, as a fix asks for it. */
export function typeText(type: ValueType): string {
  switch (type.kind) {
    case "boolean":
      return "true or false (a YAML boolean, unquoted)";
    case "integer": {
      const range =
        type.min !== undefined && type.max !== undefined
          ? ` from ${type.min} to ${type.max}`
          : type.min !== undefined
            ? ` of at least ${type.min}`
            : "";
      return `a whole number${range}${type.digits ? "" : " (unquoted)"}`;
    }
    case "number":
      return `a number${type.min !== undefined ? ` of at least ${type.min}` : ""} (unquoted)`;
    case "string":
      return type.values !== undefined
        ? `one of ${type.values.map((v) => JSON.stringify(v)).join(", ")}`
        : (type.shape ?? "a non-empty string");
    case "flag":
      return "true (write the option) or false (leave it out)";
    case "duration":
      return "a duration: a whole number with s, m, h, d, w or y (e.g. 1h), or milliseconds as a whole number";
    case "size":
      return "a size: bytes as a whole number, or a whole number with K, M, G or T (e.g. 50M)";
    case "list":
      return `a list of ${typeText(type.item).replace(/^an? /, "")}s`.replace(/ss$/, "s");
    case "section":
      return `a map with the keys ${Object.keys(type.keys).join(", ")}`;
    case "map":
      return `a map of names to ${typeText(type.value)}`;
    case "either":
      return type.types.map(typeText).join(", or ");
    case "null":
      return "null";
  }
}

const DURATION = /^\d+[smhdwy]?$/;
const SIZE = /^\d+[KMGT]?$/;

/**
 * What is wrong with `value` as `type`, or undefined when it fits. A section's known keys are checked too (its
 * unknown keys are the walker's); a list's items one by one, naming the first that does not fit.
 */
export function typeMismatch(type: ValueType, value: unknown): string | undefined {
  const not = () => `is ${described(value)}, not ${typeText(type)}`;
  switch (type.kind) {
    case "boolean":
    case "flag":
      return typeof value === "boolean" ? undefined : not();
    case "integer": {
      const n = type.digits && typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
      const fits =
        typeof n === "number" &&
        Number.isInteger(n) &&
        (type.min === undefined || n >= type.min) &&
        (type.max === undefined || n <= type.max);
      return fits ? undefined : not();
    }
    case "number":
      return typeof value === "number" &&
        Number.isFinite(value) &&
        (type.min === undefined || value >= type.min)
        ? undefined
        : not();
    case "string":
      return stringMismatch(type, value, not);
    case "duration":
      return (typeof value === "number" && Number.isInteger(value) && value >= 0) ||
        (typeof value === "string" && DURATION.test(value))
        ? undefined
        : not();
    case "size":
      return (typeof value === "number" && Number.isInteger(value) && value >= 0) ||
        (typeof value === "string" && SIZE.test(value))
        ? undefined
        : not();
    case "list":
      return listMismatch(type.item, value, not);
    case "section":
      return sectionMismatch(type, value, not);
    case "map":
      if (!isPlainObject(value)) return not();
      for (const [key, item] of Object.entries(value)) {
        const wrong = typeMismatch(type.value, item);
        if (wrong !== undefined) return `has ${JSON.stringify(key)}, which ${wrong}`;
      }
      return undefined;
    case "either":
      return type.types.some((t) => typeMismatch(t, value) === undefined) ? undefined : not();
    case "null":
      return value === null ? undefined : not();
  }
}

function stringMismatch(
  type: Extract<ValueType, { kind: "string" }>,
  value: unknown,
  not: () => string,
): string | undefined {
  if (typeof value !== "string" || value.trim() === "") return not();
  if (type.values !== undefined && !type.values.includes(value)) return not();
  if (type.pattern !== undefined && !type.pattern.test(value)) return not();
  return undefined;
}

function listMismatch(item: ValueType, value: unknown, not: () => string): string | undefined {
  if (!Array.isArray(value)) return not();
  for (const [index, entry] of value.entries()) {
    const wrong = typeMismatch(item, entry);
    if (wrong !== undefined) return `has at [${index}] a value that ${wrong}`;
  }
  return undefined;
}

function sectionMismatch(
  type: Extract<ValueType, { kind: "section" }>,
  value: unknown,
  not: () => string,
): string | undefined {
  if (!isPlainObject(value)) return not();
  for (const [key, spec] of Object.entries(type.keys)) {
    if (value[key] === undefined) continue;
    const wrong = typeMismatch(spec.type, value[key]);
    if (wrong !== undefined) return `has ${key}, which ${wrong}`;
  }
  return undefined;
}
