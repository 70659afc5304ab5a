import { OrgConfig } from "../config/model";
import { buildStackPlan } from "../config-templates/plan";
import { IMAGE_NAMES } from "../facts/images";
import { SecretName, placeholderSecrets } from "../facts/secrets";
import {
  COTURN_HINTS,
  LIVEKIT_HINTS,
  LK_JWT_HINTS,
  SYNAPSE_HINTS,
  hintFor,
  topKey,
} from "./difference-hints";
import { Difference, Redaction, compareDocuments } from "./differences";
import { FoundSecret } from "./found-secrets";
import { RunningDeployment, ServiceRole } from "./running-deployment";

/** Every setting of the running files that the rendered ones would change, drop or add. */
export function renderedDifferences(
  org: OrgConfig,
  deployment: RunningDeployment,
  secrets: readonly FoundSecret[],
  redaction: Redaction,
): Difference[] {
  const values = { ...placeholderSecrets() } as Record<SecretName, string>;
  for (const s of secrets) values[s.name] = s.value;
  const plan = buildStackPlan(org, values);
  const differences: Difference[] = [];
  if (deployment.homeserver !== undefined) {
    differences.push(
      ...compareDocuments(
        "homeserver.yaml",
        deployment.homeserver.content,
        plan.synapse.homeserver,
        redaction,
        hintFor(SYNAPSE_HINTS, (p) => `overrides.synapse.${topKey(p)}`),
      ),
    );
  }
  if (deployment.turnserver !== undefined && plan.coturn !== undefined) {
    const ours = new Map<string, string[]>();
    for (const [option, value] of plan.coturn)
      ours.set(option, [...(ours.get(option) ?? []), value === undefined ? "" : String(value)]);
    const asDoc = (m: Map<string, string[]>) =>
      Object.fromEntries([...m].map(([k, v]) => [k, v.length === 1 ? v[0] : [...v].sort()]));
    differences.push(
      ...compareDocuments(
        "turnserver.conf",
        asDoc(deployment.turnserver.content),
        asDoc(ours),
        redaction,
        hintFor(COTURN_HINTS, (p) => `overrides.coturn.${p}`),
      ),
    );
  }
  if (deployment.livekit !== undefined && plan.livekit !== undefined) {
    differences.push(
      ...compareDocuments(
        "livekit.yaml",
        deployment.livekit.content,
        plan.livekit,
        redaction,
        hintFor(LIVEKIT_HINTS, (p) => `overrides.livekit.${p}`),
      ),
    );
  }
  const lkJwtEnv = deployment.environments.lkJwt;
  if (lkJwtEnv !== undefined && plan.lkJwt !== undefined) {
    differences.push(
      ...compareDocuments(
        "lk-jwt-service environment",
        lkJwtEnv,
        plan.lkJwt,
        redaction,
        hintFor(LK_JWT_HINTS, (p) => `overrides.lkJwt.${p}`),
      ),
    );
  }
  return differences;
}

const COMPONENT_ROLES: ReadonlyArray<readonly [keyof OrgConfig["components"], ServiceRole]> = [
  ["elementWeb", "elementWeb"],
  ["coturn", "coturn"],
  ["matrixRtc", "livekit"],
  ["jitsi", "jitsiWeb"],
  ["ketesa", "ketesa"],
];

/** Services that start or stop running at cut-over, and image changes. */
export function serviceDifferences(org: OrgConfig, deployment: RunningDeployment): Difference[] {
  const differences: Difference[] = [];
  for (const [component, role] of COMPONENT_ROLES) {
    const running = deployment.services[role];
    const enabled = org.components[component];
    if ((running !== undefined) === enabled) continue;
    differences.push({
      file: "services",
      path: `components.${component}`,
      kind: enabled ? "added" : "dropped",
      theirs: running === undefined ? undefined : `${running.name} (${running.image ?? "no image"})`,
      ours: enabled ? "enabled" : undefined,
      hint: enabled ? undefined : `components.${component}: true`,
    });
  }
  for (const image of IMAGE_NAMES) {
    const running = deployment.services[image]?.image;
    if (running === undefined || running === org.images[image]) continue;
    differences.push({
      file: "images",
      path: `images.${image}`,
      kind: "changed",
      theirs: running,
      ours: org.images[image],
      hint: `images.${image}`,
    });
  }
  return differences;
}
