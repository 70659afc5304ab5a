import { isPlainObject } from "../config/merge";
import { OrgConfig } from "../config/model";
import { Problem, problem } from "../config/problems";
import { StackPlan } from "../config-templates/plan";
import { LK_JWT_FACTS, VersionFact } from "../facts/compatibility";
import { DEFAULT_IMAGES, ImageName } from "../facts/images";
import { Version, atLeast, formatVersion, imageVersion } from "../facts/versions";
import { lkJwtWebhookUrl } from "../model/release";

/**
 * What the release set's rules (release-compat.ts) read and say: the version of each image a stack runs, how a
 * problem names an image and the fix that raises it, and LiveKit's webhook to lk-jwt-service.
 */
/** The images whose versions the rules read, and which of them a stack runs. */
export const VERSIONED: readonly ImageName[] = ["synapse", "postgres", "livekit", "lkJwt"];
export const LABEL: Readonly<Partial<Record<ImageName, string>>> = {
  synapse: "Synapse",
  postgres: "PostgreSQL",
  livekit: "LiveKit",
  lkJwt: "lk-jwt-service",
};

export function runs(org: OrgConfig, name: ImageName): boolean {
  return name === "synapse" || name === "postgres" || org.components.matrixRtc;
}

export function version(org: OrgConfig, name: ImageName): Version | undefined {
  return runs(org, name) ? imageVersion(org.images[name]) : undefined;
}

/** "Synapse 1.139.0 (matrixdotorg/synapse:v1.139.0)". */
export function named(org: OrgConfig, name: ImageName): string {
  const v = imageVersion(org.images[name]);
  return `${LABEL[name]} ${v === undefined ? "?" : formatVersion(v)} (${org.images[name]})`;
}

/** The fix that moves one image to at least `floor`: the release set's own image when that is new enough. */
export function raise(name: ImageName, floor: string): string {
  return `set images.${name} to ${LABEL[name]} ${floor} or newer; the release set pins ${DEFAULT_IMAGES[name]} (remove the override)`;
}

/** Of two images in conflict, the key to report: the one the stack overrides (the first when both or neither). */
export function culprit(org: OrgConfig, first: ImageName, second: ImageName): ImageName {
  return org.images[first] === DEFAULT_IMAGES[first] && org.images[second] !== DEFAULT_IMAGES[second]
    ? second
    : first;
}

/** One image below a floor: the problem at its key. */
export function below(org: OrgConfig, name: ImageName, fact: VersionFact, consequence: string): Problem[] {
  const v = version(org, name);
  if (v === undefined || atLeast(v, fact.since)) return [];
  return [
    problem(
      org.stack,
      `images.${name}`,
      `${named(org, name)} is older than ${fact.since}, from which ${fact.fact}; ${consequence}`,
      raise(name, fact.since),
    ),
  ];
}

export function experimental(plan: StackPlan): Record<string, unknown> {
  const flags = plan.synapse.homeserver.experimental_features;
  return isPlainObject(flags) ? flags : {};
}

export function at(document: Record<string, unknown>, path: readonly string[]): unknown {
  let node: unknown = document;
  for (const part of path) node = isPlainObject(node) ? node[part] : undefined;
  return node;
}

function webhook(plan: StackPlan): Record<string, unknown> | undefined {
  const hook = plan.livekit?.webhook;
  return isPlainObject(hook) ? hook : undefined;
}

function webhookUrls(plan: StackPlan): string[] {
  const urls = webhook(plan)?.urls;
  return Array.isArray(urls) ? urls.map(String) : [];
}

/** LiveKit's webhook and lk-jwt-service's version: rendered, reaching /sfu_webhook, signed with its key. */
export function webhookProblems(plan: StackPlan): Problem[] {
  const { org } = plan;
  const jwt = version(org, "lkJwt");
  if (plan.livekit === undefined || jwt === undefined) return [];
  const delegates = atLeast(jwt, LK_JWT_FACTS.delegatedLeave.since);
  const toLkJwt = webhookUrls(plan).filter((url) => url.endsWith("/sfu_webhook"));
  if (!delegates)
    return toLkJwt.length === 0
      ? []
      : [
          problem(
            org.stack,
            "overrides.livekit.webhook.urls",
            `LiveKit would post its participant events to ${toLkJwt[0]}, which ${named(org, "lkJwt")} does not serve (from ${LK_JWT_FACTS.delegatedLeave.since} on ${LK_JWT_FACTS.delegatedLeave.fact})`,
            `drop the override, or ${raise("lkJwt", LK_JWT_FACTS.delegatedLeave.since)}`,
          ),
        ];
  const problems: Problem[] = [];
  const expected = lkJwtWebhookUrl(org);
  if (!webhookUrls(plan).includes(expected))
    problems.push(
      problem(
        org.stack,
        "overrides.livekit.webhook.urls",
        `does not include ${expected}: ${named(org, "lkJwt")} never learns that a member's client is gone and cannot send its leave event (ghost call members until the delayed event times out)`,
        "drop the override (the program renders the URL)",
      ),
    );
  const keys = isPlainObject(plan.livekit.keys) ? Object.keys(plan.livekit.keys) : [];
  const apiKey = webhook(plan)?.api_key;
  if (typeof apiKey !== "string" || !keys.includes(apiKey) || apiKey !== plan.lkJwt?.LIVEKIT_KEY)
    problems.push(
      problem(
        org.stack,
        "overrides.livekit.webhook.api_key",
        "is not LiveKit's API key that lk-jwt-service verifies the webhook with (LIVEKIT_KEY): every post is rejected",
        "drop the override (the program renders LiveKit's own key)",
      ),
    );
  return problems;
}
