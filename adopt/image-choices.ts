import { OrgConfig } from "../config/model";
import { RunningDeployment } from "./running-deployment";

function tagOf(image: string): string {
  const last = image.split("/").pop() ?? "";
  const colon = last.lastIndexOf(":");
  return colon < 0 ? "latest" : last.slice(colon + 1);
}

/** Numeric version parts of a tag (`v1.140.0` → [1, 140, 0]; `15-alpine` → [15]). */
function versionOf(image: string): number[] {
  const match = /^v?(\d+(?:\.\d+)*)/.exec(tagOf(image));
  return match === null ? [] : match[1]!.split(".").map(Number);
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Images the data decides: PostgreSQL's major version must match the data directory's, and Synapse cannot go back
 * to a version older than its database schema. Other image changes are upgrades and only reported.
 */
export function imageChoices(
  org: OrgConfig,
  deployment: RunningDeployment,
  notes: string[],
  blockers: string[],
) {
  const images: Record<string, string> = {};
  const pgImage = deployment.services.postgres?.image;
  if (pgImage !== undefined) {
    const theirs = versionOf(pgImage)[0];
    const ours = versionOf(org.images.postgres)[0];
    if (theirs === undefined) {
      blockers.push(
        `${pgImage} has no major version in its tag; find the data directory's version (cat PG_VERSION in it) and set images.postgres to postgres:<that major>.<minor>-alpine`,
      );
    } else if (theirs !== ours) {
      images.postgres = pgImage;
      notes.push(
        `PostgreSQL ${theirs} data cannot be opened by PostgreSQL ${String(ours)}: images.postgres keeps ${pgImage}; upgrade later with pg_upgrade or a dump/restore`,
      );
    }
  }
  const synapseImage = deployment.services.synapse?.image;
  if (
    synapseImage !== undefined &&
    compareVersions(versionOf(synapseImage), versionOf(org.images.synapse)) > 0
  ) {
    images.synapse = synapseImage;
    notes.push(
      `the running Synapse (${synapseImage}) is newer than ${org.images.synapse}; Synapse cannot run on a newer database schema, so images.synapse keeps ${synapseImage}`,
    );
  }
  return images;
}
