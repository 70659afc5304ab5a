import { SECRET_SPECS, SecretGroup, SecretName, neededSecrets } from "../facts/secrets";
import { Adoption, BackupOptions, Components, SecretRotation } from "./model";
import { SectionReader } from "./section-reader";

/**
 * A rotation bump rotates the generated secrets of its group (their RandomPassword keepers); an adopted secret has
 * no RandomPassword and keeps the value the running deployment uses (components/fleet-secrets.ts). A bump of a
 * group whose every secret is adopted therefore does nothing at all, silently: refused, with the way that works.
 */
export function checkRotationOfAdopted(
  top: SectionReader,
  rotation: SecretRotation,
  adoption: Adoption,
  parts: { readonly components: Components; readonly backup: BackupOptions },
): void {
  const needed = neededSecrets(parts);
  for (const group of Object.keys(rotation) as SecretGroup[]) {
    if (rotation[group] === "1") continue;
    const inGroup = needed.filter((name) => SECRET_SPECS[name].group === group);
    const adopted = inGroup.filter((name) => adoption.secrets.includes(name));
    if (inGroup.length === 0 || adopted.length !== inGroup.length) continue;
    top.report(
      `secretRotation.${group}`,
      `is '${rotation[group]}', a bump of the ${group} secrets, but ${listed(adopted)} ${adopted.length === 1 ? "is" : "are"} adopted (adoptedSecrets) and ${adopted.length === 1 ? "keeps its" : "keep their"} existing value: the bump rotates nothing`,
      `to rotate, remove ${adopted.map((name) => `adoptedSecrets.${name}`).join(" and ")} (pulumi config rm --path adoptedSecrets.<name> --stack ${top.stackName}): the next pulumi up generates new values and restarts their consumers; if no rotation was meant, set secretRotation.${group} back to 1`,
    );
  }
}

const listed = (names: readonly SecretName[]) => names.join(" and ");
