import { isPlainObject } from "../config/merge";
import type { Judge } from "./override-types";
import { sameValue } from "./override-values";

export type * from "./override-types";

/**
 * The override registry (issue #28): for every service whose files an override can reach, each key matrix-fleet
 * judges, with its type as the service reads it (read upstream; docs/upstream/<service>.md, "Override keys
 * matrix-fleet judges") and its judgement of the deployed value against the rest of the stack. A key that is in no
 * registry reaches no file: it is refused, unless the operator writes it under `overrides.unjudged`, which render,
 * preview and summary.md then list. Its types: override-types.ts; the registries: override-keys-*.ts; the walk
 * and the judging: override-walk.ts, overrides.ts. This file holds the judgements every registry shares.
 */

/** The value at `path` in a document (undefined when any step is missing). */
export function valueAt(document: unknown, path: readonly string[]): unknown {
  let value = document;
  for (const step of path) {
    if (!isPlainObject(value)) return undefined;
    value = value[step];
  }
  return value;
}

/** A judgement with what it decides, in words, for the reference table (docs/override-keys.md). */
export function saying(says: string, judge: Judge): Judge {
  return Object.assign(judge, { says });
}

/** What a judgement decides, in words; undefined for one that says nothing of itself. */
export function saysOf(judge: Judge | undefined): string | undefined {
  return (judge as { says?: string } | undefined)?.says;
}

/** `owned`: matrix-fleet writes this key from `source` (a stack key, or a fact when it starts with no key). */
export function owned(source: string, consequence: string, fix?: string): Judge {
  return saying(`written from ${source}: may only repeat it`, (value, { path, written }) => [
    {
      message: `${path.join(".")} is what matrix-fleet writes from ${source} (${shown(written)}); the override makes it ${shown(value)}: ${consequence}`,
      fix:
        fix ??
        `drop the override${/^[a-z][A-Za-z]*\.[A-Za-z.]+$/.test(source) ? `; set ${source} instead` : ""}`,
    },
  ]);
}

/** `refused`: no override of this key can be right (a secret in clear, a switch that undoes a guarantee). */
export function refused(message: string, fix: string): Judge {
  return saying("refused", () => [{ message, fix }]);
}

/** A secret matrix-fleet generates: never in a reviewed file, never removed. */
export const secretJudge: Judge = saying("a secret: refused", (value, { plan, path }) => [
  value === undefined
    ? {
        message: `${path.join(".")} is removed: matrix-fleet generates it, and what uses it stops working`,
        fix: "drop the override",
      }
    : {
        message: `${path.join(".")} is a secret: an override writes it in clear into Pulumi.${plan.org.stack}.yaml, a reviewed file`,
        fix: "drop the override: matrix-fleet generates it with @pulumi/random (secretRotation rotates it, adoptedSecrets keeps an existing value)",
      },
]);

/** A value as messages show it: JSON, cut after 80 characters. */
export function shown(value: unknown): string {
  if (value === undefined) return "(not written)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Whether the judge should run: the deployed value is not what matrix-fleet writes itself. */
export function changed(value: unknown, written: unknown): boolean {
  return !sameValue(value, written);
}
