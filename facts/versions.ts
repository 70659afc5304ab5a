/**
 * Versions read from image references, and compared. The version is the leading `[v]MAJOR[.MINOR[.PATCH]]` of the
 * tag: `matrixdotorg/synapse:v1.163.2`, `postgres:16.10-alpine`, `coturn/coturn:4.17`, a lab build
 * `matrix-fleet-lab/synapse:v1.163.2-<key>`, or a tag pinned by digest `repo:v1.2.3@sha256:<digest>`. A bare digest
 * or a tag without a leading version (`stable-11146-2`) has no readable version.
 */
export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** `1.163.2`, `v1.163.2`, `16.10`, `15` (missing parts are 0); undefined for anything else. */
export function parseVersion(text: string): Version | undefined {
  // The version ends the tag or is followed by a variant or build suffix: `-alpine`, `-<lab key>`, `+build`.
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?=$|[-+_])/.exec(text);
  if (match === null) return undefined;
  return { major: Number(match[1]), minor: Number(match[2] ?? 0), patch: Number(match[3] ?? 0) };
}

/** The tag of an image reference (digest removed), or undefined when it has none. */
export function imageTag(image: string): string | undefined {
  const withoutDigest = image.replace(/@sha256:[0-9a-f]+$/, "");
  const lastSegment = withoutDigest.split("/").pop() ?? "";
  const colon = lastSegment.lastIndexOf(":");
  return colon < 0 ? undefined : lastSegment.slice(colon + 1);
}

/** The version in an image's tag, or undefined when the tag does not start with one. */
export function imageVersion(image: string): Version | undefined {
  const tag = imageTag(image);
  return tag === undefined ? undefined : parseVersion(tag);
}

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** Whether `version` is `floor` or newer (`floor` as text, e.g. "1.143.0"). */
export function atLeast(version: Version, floor: string): boolean {
  const parsed = parseVersion(floor);
  if (parsed === undefined) throw new Error(`not a version: ${floor}`);
  return compareVersions(version, parsed) >= 0;
}

export function formatVersion(version: Version): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}
