import { isPlainObject } from "../config/merge";
import { Problem, problem } from "../config/problems";
import { StackPlan } from "../config-templates/plan";
import {
  LIVEKIT_FACTS,
  LK_JWT_FACTS,
  SYNAPSE_FACTS,
  SYNAPSE_POSTGRES_FLOORS,
  SYNAPSE_REMOVED_KEYS,
} from "../facts/compatibility";
import { DEFAULT_IMAGES, isPinned } from "../facts/images";
import { atLeast, imageVersion } from "../facts/versions";
import {
  VERSIONED,
  at,
  below,
  culprit,
  experimental,
  named,
  raise,
  runs,
  version,
  webhookProblems,
} from "./release-versions";

/**
 * The release set's preflight rules: a stack whose images (overrides included) are a combination known not to work
 * is refused, naming both versions and the fix. Each rule cites the version fact it rests on
 * (facts/compatibility.ts); docs/upgrades.md shows the table; test/bad-configuration-cases.ts has a failing and a
 * passing case for each.
 */
export interface CompatRule {
  readonly id: string;
  /** One line for the rule table: what is refused. */
  readonly refuses: string;
  readonly check: (plan: StackPlan) => Problem[];
}

export const RELEASE_RULES: readonly CompatRule[] = [
  {
    id: "version-readable",
    refuses:
      "a Synapse, PostgreSQL, LiveKit or lk-jwt-service image whose tag does not start with its version",
    check: ({ org }) =>
      VERSIONED.filter(
        // A moving tag is refused by checkImagesPinned already.
        (name) =>
          runs(org, name) && isPinned(org.images[name]) && imageVersion(org.images[name]) === undefined,
      ).map((name) =>
        problem(
          org.stack,
          `images.${name}`,
          `the version of '${org.images[name]}' cannot be read from its tag, so the release set's compatibility rules cannot judge it`,
          `tag it with its version: repo:v1.2.3, or repo:v1.2.3@sha256:<digest> to pin the digest too`,
        ),
      ),
  },
  {
    id: "synapse-sliding-sync",
    refuses:
      "Synapse older than 1.114.0, or simplified sliding sync turned off: Element X refuses the server",
    check: (plan) => {
      const { org } = plan;
      const problems = below(
        org,
        "synapse",
        SYNAPSE_FACTS.nativeSlidingSync,
        "Element X refuses a server without it",
      );
      if (experimental(plan).msc3575_enabled === false)
        problems.push(
          problem(
            org.stack,
            "overrides.synapse.experimental_features.msc3575_enabled",
            "turns off simplified sliding sync (MSC4186): Element X says 'This server doesn't support sliding sync' and cannot log in",
            "drop the override (Synapse's default, true, is what Element X needs)",
          ),
        );
      return problems;
    },
  },
  {
    id: "synapse-rtc-transports",
    refuses:
      "MatrixRTC on a Synapse older than 1.140.0: no matrix_rtc.transports, MISSING_MATRIX_RTC_TRANSPORT",
    check: ({ org }) =>
      org.components.matrixRtc
        ? below(
            org,
            "synapse",
            SYNAPSE_FACTS.rtcTransports,
            "it ignores the rendered matrix_rtc section, and Element X finds no MatrixRTC transport",
          )
        : [],
  },
  {
    id: "synapse-office-rate-limit",
    refuses:
      "MatrixRTC on a Synapse older than 1.156.0: call members behind one office address share one delayed-event bucket",
    check: ({ org }) =>
      org.components.matrixRtc
        ? below(
            org,
            "synapse",
            SYNAPSE_FACTS.delayedEventsPerUserLimit,
            "members of a call behind one address are dropped with 429 at about ten people (field failure #14)",
          )
        : [],
  },
  {
    id: "lk-jwt-delegation-synapse",
    refuses:
      "lk-jwt-service 0.6.0 or newer with a Synapse older than 1.143.0: delegated leave events answered 401",
    check: ({ org }) => {
      const jwt = version(org, "lkJwt");
      const synapse = version(org, "synapse");
      if (jwt === undefined || synapse === undefined) return [];
      const fact = SYNAPSE_FACTS.delayedEventsWithoutToken;
      if (!atLeast(jwt, LK_JWT_FACTS.delegatedLeave.since) || atLeast(synapse, fact.since)) return [];
      const key = culprit(org, "synapse", "lkJwt");
      return [
        problem(
          org.stack,
          `images.${key}`,
          `${named(org, "lkJwt")} restarts and sends its members' delayed leave events without an access token, which ${named(org, "synapse")} refuses: only from Synapse ${fact.since} on ${fact.fact}`,
          key === "synapse"
            ? raise("synapse", fact.since)
            : `set images.lkJwt below ${LK_JWT_FACTS.delegatedLeave.since} or images.synapse to ${fact.since} or newer; the release set pins ${DEFAULT_IMAGES.lkJwt} with ${DEFAULT_IMAGES.synapse}`,
        ),
      ];
    },
  },
  {
    id: "sticky-events",
    refuses:
      "sticky events (Element Call's matrix_2_0 mode) on a Synapse older than 1.148.0 or with lk-jwt-service older than 0.4.0",
    check: (plan) => {
      const { org } = plan;
      if (experimental(plan).msc4354_enabled !== true) return [];
      const key = "overrides.synapse.experimental_features.msc4354_enabled";
      const problems: Problem[] = [];
      const synapse = version(org, "synapse");
      if (synapse !== undefined && !atLeast(synapse, SYNAPSE_FACTS.stickyEvents.since))
        problems.push(
          problem(
            org.stack,
            key,
            `${named(org, "synapse")} does not read it: only from ${SYNAPSE_FACTS.stickyEvents.since} on ${SYNAPSE_FACTS.stickyEvents.fact}`,
            `${raise("synapse", SYNAPSE_FACTS.stickyEvents.since)}, or drop the override`,
          ),
        );
      const jwt = version(org, "lkJwt");
      if (jwt !== undefined && !atLeast(jwt, LK_JWT_FACTS.getToken.since))
        problems.push(
          problem(
            org.stack,
            key,
            `with sticky events advertised, Element Call offers its matrix_2_0 mode, whose token comes from /get_token, which ${named(org, "lkJwt")} does not serve (from ${LK_JWT_FACTS.getToken.since} on ${LK_JWT_FACTS.getToken.fact})`,
            `${raise("lkJwt", LK_JWT_FACTS.getToken.since)}, or drop the override`,
          ),
        );
      return problems;
    },
  },
  {
    id: "synapse-removed-keys",
    refuses:
      "a homeserver.yaml key the pinned Synapse no longer reads or refuses (msc3861 from 1.157.0, msc3266_enabled from 1.153.0)",
    check: (plan) => {
      const { org } = plan;
      const synapse = version(org, "synapse");
      if (synapse === undefined) return [];
      return SYNAPSE_REMOVED_KEYS.filter((removed) => {
        const value = at(plan.synapse.homeserver, removed.path);
        const present = isPlainObject(value) ? Object.keys(value).length > 0 : value !== undefined;
        return present && atLeast(synapse, removed.removedIn);
      }).map((removed) =>
        problem(
          org.stack,
          `overrides.synapse.${removed.path.join(".")}`,
          `${named(org, "synapse")} ${removed.effect} (removed in ${removed.removedIn})`,
          removed.fix,
        ),
      );
    },
  },
  {
    id: "synapse-postgres",
    refuses: "a PostgreSQL major older than the pinned Synapse accepts (14 from Synapse 1.143.0)",
    check: ({ org }) => {
      const synapse = version(org, "synapse");
      const postgres = version(org, "postgres");
      if (synapse === undefined || postgres === undefined) return [];
      const floor = SYNAPSE_POSTGRES_FLOORS.find(
        (f) => atLeast(synapse, f.synapse) && postgres.major < f.postgresMajor,
      );
      if (floor === undefined) return [];
      return [
        problem(
          org.stack,
          `images.${culprit(org, "postgres", "synapse")}`,
          `${named(org, "synapse")} refuses ${named(org, "postgres")}: from Synapse ${floor.synapse} on, PostgreSQL must be ${floor.postgresMajor} or newer`,
          `keep images.postgres at a major of ${floor.postgresMajor} or newer (the release set pins ${DEFAULT_IMAGES.postgres}); a new major needs the dump and restore in docs/upgrades.md`,
        ),
      ];
    },
  },
  {
    id: "livekit-client-sdk",
    refuses: "LiveKit older than 1.10.0: the livekit-client Element Call ships gets no answer to its join",
    check: ({ org }) =>
      org.components.matrixRtc
        ? below(
            org,
            "livekit",
            LIVEKIT_FACTS.clientOfferInJoin,
            "Element Web's Element Call cannot join calls",
          )
        : [],
  },
  {
    id: "lk-jwt-webhook",
    refuses:
      "LiveKit's webhook missing, not signed with its key, or posting to an lk-jwt-service older than 0.6.0",
    check: webhookProblems,
  },
];

/** Every rule of the release set on one stack's documents. */
export function checkReleaseCompatibility(plan: StackPlan): Problem[] {
  return RELEASE_RULES.flatMap((rule) => rule.check(plan));
}
