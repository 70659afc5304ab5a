import { OrgConfig, ServiceOverrides } from "../config/model";
import { Problem, problem } from "../config/problems";
import { StackPlan, buildStackPlan } from "../config-templates/plan";
import { COTURN_REGISTRY } from "./override-keys-coturn";
import { ELEMENT_WEB_REGISTRY } from "./override-keys-element-web";
import { LIVEKIT_REGISTRY } from "./override-keys-livekit";
import { LK_JWT_REGISTRY } from "./override-keys-lk-jwt";
import { SYNAPSE_REGISTRY } from "./override-keys-synapse";
import { ServiceRegistry, changed, valueAt } from "./override-registry";
import { typeMismatch, typeText } from "./override-values";
import { Touched, walkJudged, walkUnjudged } from "./override-walk";

/**
 * Overrides judged by construction (issue #28): every key of `overrides.<service>` is one a registry judges
 * (override-keys-*.ts) and is judged on the deployed document (its type as the service reads it, its value
 * against the rest of the stack), or it is refused as unknown; `overrides.unjudged.<service>` may hold only keys no
 * registry judges (config-templates/unjudged-overrides.ts lists them for render, preview and summary.md).
 */

export const REGISTRIES: readonly ServiceRegistry[] = [
  SYNAPSE_REGISTRY,
  COTURN_REGISTRY,
  LIVEKIT_REGISTRY,
  ELEMENT_WEB_REGISTRY,
  LK_JWT_REGISTRY,
];

/** The component whose files each service's overrides reach, for an override of a service that is off. */
const COMPONENT_OF: Readonly<Partial<Record<keyof ServiceOverrides, string>>> = {
  coturn: "components.coturn",
  livekit: "components.matrixRtc",
  lkJwt: "components.matrixRtc",
  elementWeb: "components.elementWeb",
};

const isEmpty = (map: Readonly<Record<string, unknown>>) => Object.keys(map).length === 0;

const withoutOverrides = (org: OrgConfig): OrgConfig => {
  const none: ServiceOverrides = { synapse: {}, livekit: {}, coturn: {}, lkJwt: {}, elementWeb: {} };
  return { ...org, overrides: { ...none, unjudged: none } };
};

/** Every problem of the stack's overrides, judged on the plan (the documents as they would be deployed). */
export function checkOverrides(plan: StackPlan): Problem[] {
  const org = plan.org;
  const used = REGISTRIES.filter(
    (r) => !isEmpty(org.overrides[r.service]) || !isEmpty(org.overrides.unjudged[r.service]),
  );
  if (used.length === 0) return [];
  const baseline = buildStackPlan(withoutOverrides(org), plan.secrets);
  return used.flatMap((registry) => serviceProblems(plan, baseline, registry));
}

function serviceProblems(plan: StackPlan, baseline: StackPlan, registry: ServiceRegistry): Problem[] {
  const org = plan.org;
  const document = registry.document(plan);
  if (document === undefined) {
    const component = COMPONENT_OF[registry.service] ?? "components";
    return [
      problem(
        org.stack,
        isEmpty(org.overrides[registry.service])
          ? `overrides.unjudged.${registry.service}`
          : `overrides.${registry.service}`,
        `is set, but ${component} is off: no ${registry.file} is deployed, so the override reaches nothing`,
        `remove it, or turn ${component} on`,
      ),
    ];
  }
  const judged = walkJudged(org.stack, registry, org.overrides[registry.service]);
  const unjudged = walkUnjudged(org.stack, registry, org.overrides.unjudged[registry.service]);
  const written = registry.document(baseline);
  return [
    ...judged.problems,
    ...unjudged.problems,
    ...judged.touched.flatMap((touched) => judge(plan, baseline, registry, document, written, touched)),
  ];
}

function judge(
  plan: StackPlan,
  baseline: StackPlan,
  registry: ServiceRegistry,
  document: Readonly<Record<string, unknown>>,
  baseDocument: Readonly<Record<string, unknown>> | undefined,
  { path, spec }: Touched,
): Problem[] {
  const value = valueAt(document, path);
  const written = valueAt(baseDocument, path);
  if (!changed(value, written)) return [];
  const key = `overrides.${registry.service}.${path.join(".")}`;
  const stack = plan.org.stack;
  if (value !== undefined && spec.checkedBy?.typeToo !== true) {
    const wrong = typeMismatch(spec.type, value);
    if (wrong !== undefined)
      return [
        problem(
          stack,
          key,
          `${path.join(".")} ${wrong}: ${registry.typeConsequence}`,
          `write it as ${typeText(spec.type)}, or drop the override`,
        ),
      ];
  }
  const own = (spec.judge?.(value, { plan, baseline, path, written }) ?? []).map((verdict) =>
    problem(stack, verdict.key ?? key, verdict.message, verdict.fix),
  );
  // A section removed as a whole (`database: null`) takes every key under it along: each is judged as removed,
  // so that no key matrix-fleet writes escapes its judgement through its parent.
  if (spec.type.kind !== "section" || value !== undefined) return own;
  const children = Object.entries(spec.type.keys).flatMap(([name, child]) =>
    judge(plan, baseline, registry, document, baseDocument, { path: [...path, name], spec: child }),
  );
  return [...own, ...children];
}
