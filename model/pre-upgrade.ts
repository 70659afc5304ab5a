/**
 * Whether `pulumi up` must take a backup before it replaces a stateful service, decided from what the Docker host
 * runs (components/pre-upgrade-backup-provider.ts reads it). Pure.
 *
 * A backup is needed when Synapse's or PostgreSQL's container runs another image than the one `up` is about to run:
 * the new image may migrate the database beyond the rollback window (docs/upgrades.md). It is taken only when the
 * data was made and is served by a healthy Synapse on a running PostgreSQL. A Synapse that is not healthy is a
 * failed upgrade being rolled back or fixed, or a restore that left it stopped: the snapshot taken before that
 * upgrade (or the restored one) is the way back, and a new one would overwrite it as "the last pre-upgrade" with
 * data no healthy version made. A host that runs neither container yet (a first deploy, a new Docker host) has
 * nothing to back up.
 */

export const STATEFUL_SERVICES = ["synapse", "postgres"] as const;
export type StatefulService = (typeof STATEFUL_SERVICES)[number];

/** What the host says about one stateful container (docker inspect), or undefined when it does not exist. */
export interface ObservedContainer {
  /** The image ID the container runs (`.Image`, sha256:...). */
  readonly imageId: string;
  /** That image's tags on the host, for the operator (may be empty). */
  readonly imageNames: readonly string[];
  /** `.State.Status`: running, exited, restarting, ... */
  readonly status: string;
  /** `.State.Health.Status` when the container has a healthcheck: healthy, unhealthy, starting. */
  readonly health?: string;
}

/** The image `up` is about to run for a service: the configured name and the ID the engine resolved. */
export interface WantedImage {
  readonly image: string;
  readonly imageId: string;
}

export interface ImageChange {
  readonly service: StatefulService;
  /** The running image, by its first tag (or its ID). */
  readonly from: string;
  readonly to: string;
}

export type PreUpgradeDecision =
  | { readonly kind: "nothing"; readonly reason: string }
  | { readonly kind: "skip"; readonly reason: string; readonly changes: readonly ImageChange[] }
  | {
      readonly kind: "backup";
      readonly changes: readonly ImageChange[];
      /** The Synapse image that made the data being backed up. */
      readonly synapseImage: string;
    };

/** The first sha256 image ID in a text (the Docker provider's image IDs may carry the name after it). */
export function imageIdOf(text: string): string {
  return /sha256:[0-9a-f]{64}/.exec(text)?.[0] ?? text;
}

const nameOf = (observed: ObservedContainer): string => observed.imageNames[0] ?? observed.imageId;

export function describeChanges(changes: readonly ImageChange[]): string {
  return changes.map((c) => `${c.service} ${c.from} -> ${c.to}`).join("; ");
}

export function decidePreUpgradeBackup(
  observed: Readonly<Record<StatefulService, ObservedContainer | undefined>>,
  wanted: Readonly<Record<StatefulService, WantedImage>>,
): PreUpgradeDecision {
  const { synapse, postgres } = observed;
  if (synapse === undefined && postgres === undefined)
    return { kind: "nothing", reason: "Synapse and PostgreSQL do not run on this Docker host yet: no data" };
  const changes = STATEFUL_SERVICES.flatMap((service): ImageChange[] => {
    const running = observed[service];
    if (running === undefined || imageIdOf(running.imageId) === imageIdOf(wanted[service].imageId)) return [];
    return [{ service, from: nameOf(running), to: wanted[service].image }];
  });
  if (changes.length === 0)
    return { kind: "nothing", reason: "Synapse and PostgreSQL keep the images they run" };
  const synapseState = synapse === undefined ? "not there" : `${synapse.status}/${synapse.health ?? "-"}`;
  if (synapse?.status !== "running" || synapse.health !== "healthy" || postgres?.status !== "running")
    return {
      kind: "skip",
      changes,
      reason:
        `Synapse is ${synapseState} and PostgreSQL ${postgres?.status ?? "not there"}: no healthy version serves ` +
        "this data (a failed upgrade, or a restore that left Synapse stopped), so the snapshot taken before the " +
        "last upgrade, or the one restored, stays the way back (./fleet rollback names it)",
    };
  return { kind: "backup", changes, synapseImage: nameOf(synapse) };
}
