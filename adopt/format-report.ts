import * as yaml from "js-yaml";
import { isPlainObject } from "../config/merge";
import { CONFIG_NAMESPACE } from "../config/problems";
import { AdoptionReport } from "./adoption-report";
import { Difference } from "./differences";

/** How `adopt` was invoked, so the printed commands can call it again for each secret. */
export interface AdoptInvocation {
  readonly compose: string;
  readonly hostDir: string | undefined;
}

/** POSIX shell quoting: plain words stay as they are, anything else goes in single quotes. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function leaves(value: unknown, prefix: string): Array<[string, string]> {
  if (Array.isArray(value)) return value.flatMap((item, index) => leaves(item, `${prefix}[${index}]`));
  if (!isPlainObject(value)) return [[prefix, String(value)]];
  return Object.entries(value).flatMap(([k, v]) => leaves(v, prefix === "" ? k : `${prefix}.${k}`));
}

/** `pulumi config set` for every adopted setting (non-secret), in path syntax. */
export function configCommands(report: AdoptionReport): string[] {
  return leaves(report.stackConfig, "").map(
    ([key, value]) =>
      `pulumi config set --stack ${shellQuote(report.stack)} --path ${shellQuote(key)} ${shellQuote(value)}`,
  );
}

/**
 * One command per adopted secret. By default the value travels through a pipe from `adopt --print-secret` into
 * `pulumi config set --secret` (which reads a value from stdin when none is given), so it is never shown;
 * `showSecrets` puts it on the command line instead.
 */
export function secretCommands(
  report: AdoptionReport,
  invocation: AdoptInvocation,
  showSecrets: boolean,
): string[] {
  return report.secrets.map((secret) => {
    const target = `pulumi config set --stack ${shellQuote(report.stack)} --secret --path ${shellQuote(`adoptedSecrets.${secret.name}`)}`;
    if (showSecrets) return `${target} -- ${shellQuote(secret.value)}`;
    const source = [
      "npm run --silent adopt --",
      `--stack ${shellQuote(report.stack)}`,
      `--compose ${shellQuote(invocation.compose)}`,
      ...(invocation.hostDir === undefined ? [] : [`--host-dir ${shellQuote(invocation.hostDir)}`]),
      `--print-secret ${secret.name}`,
    ].join(" ");
    return `${source} | ${target}`;
  });
}

/** A bare turnserver.conf flag has no value. */
function shown(value: string | undefined): string {
  return value === "" ? "(flag)" : String(value);
}

function formatDifference(d: Difference): string {
  const what =
    d.kind === "changed"
      ? `${d.path}: ${shown(d.theirs)} -> ${shown(d.ours)}`
      : d.kind === "dropped"
        ? `${d.path} = ${shown(d.theirs)}`
        : `${d.path} = ${shown(d.ours)}`;
  const detail =
    d.reason !== undefined
      ? `\n        intended: ${d.reason}`
      : d.hint === undefined
        ? ""
        : d.kind === "added"
          ? `\n        set by: ${d.hint}`
          : `\n        keep theirs with: ${d.hint}`;
  return `    ${d.kind.padEnd(8)} ${what}${detail}`;
}

/** The report as an operator reads it: blockers, (a) stack config, (b) commands, (c) differences, notes. */
export function formatAdoptionReport(
  report: AdoptionReport,
  invocation: AdoptInvocation,
  showSecrets: boolean,
): string {
  const out: string[] = [`matrix-fleet adopt: stack ${report.stack} from ${invocation.compose}`, ""];
  if (report.blockers.length > 0) {
    out.push(`BLOCKERS (${report.blockers.length}): a cut-over now would lose data or identity`);
    for (const blocker of report.blockers) out.push(`  - ${blocker.replace(/\n/g, "\n    ")}`);
    out.push("");
  }
  out.push(
    `(a) Stack config to set (merge key by key into Pulumi.${report.stack}.yaml under config:, or run the commands below)`,
  );
  const namespaced = Object.fromEntries(
    Object.entries(report.stackConfig).map(([key, value]) => [`${CONFIG_NAMESPACE}:${key}`, value]),
  );
  out.push(
    Object.keys(namespaced).length === 0
      ? "  (nothing: the stack already matches the running layout)"
      : yaml
          .dump(namespaced, { lineWidth: -1 })
          .trimEnd()
          .split("\n")
          .map((line) => `  ${line}`)
          .join("\n"),
  );
  out.push("");
  out.push("(b) Commands (the same settings with pulumi config set, then each secret");
  out.push(
    showSecrets
      ? "    WITH ITS VALUE, as asked by --show-secrets)"
      : "    piped from this tool into pulumi config set --secret: values are never shown; --show-secrets prints them)",
  );
  for (const command of [...configCommands(report), ...secretCommands(report, invocation, showSecrets)])
    out.push(`  ${command}`);
  out.push("  # No pulumi import: adopted volumes are read by the stack, never owned by it, so no Pulumi");
  out.push("  # operation can delete or replace them. Then: pulumi preview --stack " + report.stack);
  out.push("");
  out.push(
    `(c) Differences between the running configuration and what matrix-fleet renders (${report.differences.length})`,
  );
  let file = "";
  for (const d of report.differences) {
    if (d.file !== file) {
      file = d.file;
      out.push(`  ${file}`);
    }
    out.push(formatDifference(d));
  }
  if (report.notes.length > 0) {
    out.push("", "Notes");
    for (const note of report.notes) out.push(`  - ${note}`);
  }
  return `${out.join("\n")}\n`;
}

/** The report for machines (`--json`): like the text, secret values only with `showSecrets`. */
export function adoptionReportJson(
  report: AdoptionReport,
  invocation: AdoptInvocation,
  showSecrets: boolean,
) {
  return {
    stack: report.stack,
    stackConfig: report.stackConfig,
    configCommands: configCommands(report),
    secretCommands: secretCommands(report, invocation, showSecrets),
    secrets: report.secrets.map((s) => ({
      name: s.name,
      source: s.source,
      ...(showSecrets ? { value: s.value } : {}),
    })),
    differences: report.differences,
    blockers: report.blockers,
    notes: report.notes,
  };
}
