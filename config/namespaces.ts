import { CONFIG_NAMESPACE, Problem } from "./problems";
import { editDistance } from "./section-reader";

/**
 * Keys of a Pulumi `config:` map are `<namespace>:<name>`; the program reads only `matrix-fleet:*`. Keys of other
 * namespaces (`docker:host`, `pulumi:template`) are not ours and pass untouched, but a key whose namespace is a
 * misspelling of ours (`matrix_fleet:organisation`), or a key without a namespace, is a setting meant for this
 * program that it would never see: those are kept, under their name as written, and reported.
 */

/** A namespace written like ours but not exactly: other separators or capitals, or one or two typos. */
export function isMisspeltNamespace(namespace: string): boolean {
  if (namespace === CONFIG_NAMESPACE) return false;
  const squash = (text: string) => text.toLowerCase().replace(/[-_.\s]/g, "");
  return editDistance(squash(namespace), squash(CONFIG_NAMESPACE)) <= 2;
}

/** Marks a key written without a namespace, kept beside the project's own keys without colliding with them. */
const NO_NAMESPACE = ":";

/**
 * Strips the project namespace from a Pulumi `config:` map: `matrix-fleet:serverName` becomes `serverName`.
 * Keys of other namespaces are left out; misspelt namespaces and keys without one are kept with a `:` in their
 * key, which no setting of ours has, for `foreignKeyProblems` to report.
 */
export function projectConfig(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const colon = key.indexOf(":");
    if (key.startsWith(prefix)) result[key.slice(prefix.length)] = value;
    else if (colon < 0) result[`${NO_NAMESPACE}${key}`] = value;
    else if (isMisspeltNamespace(key.slice(0, colon))) result[key] = value;
  }
  return result;
}

/** One problem for each key `projectConfig` kept because its namespace is missing or misspelt. */
export function foreignKeyProblems(stack: string, values: Readonly<Record<string, unknown>>): Problem[] {
  return Object.keys(values)
    .filter((key) => key.includes(":"))
    .map((key) => {
      const written = key.startsWith(NO_NAMESPACE) ? key.slice(NO_NAMESPACE.length) : key;
      const name = key.startsWith(NO_NAMESPACE) ? written : key.slice(key.indexOf(":") + 1);
      const namespace = key.startsWith(NO_NAMESPACE) ? undefined : key.slice(0, key.indexOf(":"));
      return {
        stack,
        key: written,
        message:
          namespace === undefined
            ? `has no namespace: Pulumi hands matrix-fleet only keys written ${CONFIG_NAMESPACE}:<name>, so this one would be ignored`
            : `is in namespace '${namespace}', not '${CONFIG_NAMESPACE}': Pulumi would hand it to no program, and the setting would be silently ignored`,
        fix: `rename it to ${CONFIG_NAMESPACE}:${name}`,
      };
    });
}
