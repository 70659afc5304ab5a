import { REGISTRIES } from "../checks/overrides";
import { JudgedKey, Registry, saysOf } from "../checks/override-registry";
import { typeText } from "../checks/override-values";
import { SERVICE_TITLES } from "../checks/override-walk";

/**
 * docs/override-keys.md: every key an override may set, per service, taken from the registries themselves
 * (checks/override-keys-*.ts), so the page cannot drift from what preflight judges (`npm run schema` writes it, a
 * test compares). Any key not listed is refused, unless written under overrides.unjudged.
 */

function rows(keys: Registry, prefix = ""): string[] {
  return Object.entries(keys).flatMap(([name, spec]) => {
    const key = `${prefix}${name}`;
    if (spec.type.kind === "section") return rows(spec.type.keys, `${key}.`);
    const item = spec.type.kind === "list" ? spec.type.item : undefined;
    const inner = item?.kind === "section" ? rows(item.keys, `${key}[].`) : [];
    return [row(key, spec, item?.kind === "section"), ...inner];
  });
}

function row(key: string, spec: JudgedKey, listOfMaps: boolean): string {
  const type = listOfMaps ? "a list of maps (keys below)" : typeText(spec.type);
  const judged = [
    saysOf(spec.judge),
    spec.checkedBy !== undefined ? `judged by ${spec.checkedBy.check}` : undefined,
  ].filter((part) => part !== undefined);
  return `| \`${key}\` | ${type.replace(/\|/g, "\\|")} | ${judged.length > 0 ? judged.join("; ") : "its type"} |`;
}

export function overrideKeysMarkdown(): string {
  const sections = REGISTRIES.map((registry) => {
    const first = Object.values(registry.keys)[0];
    return [
      `## \`overrides.${registry.service}\`: ${SERVICE_TITLES[registry.service]}'s ${registry.file}`,
      "",
      `Types as read from ${first?.source ?? "upstream"} (docs/upstream/). A value of another type: ${registry.typeConsequence}.`,
      "",
      "| key | type | judgement |",
      "| --- | --- | --- |",
      ...rows(registry.keys),
      "",
    ].join("\n");
  });
  return [
    "# Override keys matrix-fleet judges",
    "",
    "When you need this: to find whether an override key is judged, by what type and rule, before writing it under",
    "`overrides.<service>` ([expert overrides](overrides.md)).",
    "",
    "Generated from `checks/override-keys-*.ts` by `npm run schema`; do not edit by hand. An override",
    "(`overrides.<service>.<key>`) may set these keys only: each is judged on the file that would be deployed, by its",
    "type as the service reads it and by its value against the rest of the stack. Any other key is refused, listing",
    "these; to deploy one anyway, write it under `overrides.unjudged.<service>` (see [expert overrides](overrides.md)).",
    "",
    "Judgements: *its type* (any value of that type), *written from X* (matrix-fleet writes it from stack key X: an",
    "override may only repeat it), *refused*, or a rule on the value; *judged by checkY* names the preflight check.",
    "",
    ...sections,
    "## How to check it worked",
    "",
    "`./fleet render --stack <name>` exits 0 with the override in the stack file: preflight judged it on the file that",
    "would be deployed. A refused key's message names the judgement and the stack key to change instead.",
    "",
  ].join("\n");
}
