import { SectionReader } from "./section-reader";

/**
 * Values whose meaning belongs to the software that consumes them: a time zone the Jitsi containers' tzdata knows,
 * an image reference Docker can pull, a contact URI Synapse shows. Checked here so that a value the consumer
 * would reject or misread is refused before anything is created.
 */

/** IANA names that Node's ICU does not list (it lists canonical zones) but the tz database has as written. */
const EXTRA_ZONE_NAMES = ["UTC", "Etc/UTC", "GMT", "Etc/GMT"];

/**
 * The containers read `TZ` as a file under /usr/share/zoneinfo (the IANA tz database), whose names are case
 * sensitive; an unknown name silently becomes UTC. Node's ICU carries the same database: a name it does not know
 * is no IANA name, and one it knows only in other capitals would not be found in the container.
 */
export function timeZone(section: SectionReader, key: string, value: string): string {
  const canonical = [...Intl.supportedValuesOf("timeZone"), ...EXTRA_ZONE_NAMES];
  const differentCase = canonical.find((name) => name.toLowerCase() === value.toLowerCase());
  let known: boolean;
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    known = !/^[+-]/.test(value);
  } catch {
    known = false;
  }
  if (!known) {
    section.report(
      key,
      `'${value}' is not an IANA time zone name; the containers would silently fall back to UTC`,
      "use a name of the tz database, e.g. Europe/Berlin or UTC",
    );
  } else if (differentCase !== undefined && differentCase !== value) {
    section.report(
      key,
      `'${value}' is written in other capitals than the tz database's '${differentCase}'; the containers look the name up case-sensitively and would fall back to UTC`,
      `write it as ${differentCase}`,
    );
  }
  return value;
}

/**
 * `[registry/]repository[:tag][@sha256:digest]`, repository in lower case (distribution/reference's grammar): a
 * first component is a registry only with a dot or a port in it, or as `localhost`.
 */
const IMAGE_REFERENCE =
  /^(?:(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+(?::\d+)?|[a-zA-Z0-9-]+:\d+|localhost)\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;

export function imageReference(section: SectionReader, key: string, value: string): string {
  if (!IMAGE_REFERENCE.test(value)) {
    section.report(
      key,
      `'${value}' is not an image reference Docker can pull`,
      "write it as repository:tag, e.g. matrixdotorg/synapse:v1.157.1 (repository in lower case, no spaces)",
    );
  }
  return value;
}

/** Synapse's `admin_contact` is shown to users as a link: a URI such as `mailto:admin@example.org`. */
export function contactUri(section: SectionReader, key: string, value: string): string {
  if (!/^(mailto:[^\s@]+@[^\s@]+\.[^\s@]+|https:\/\/\S+)$/.test(value)) {
    const email = /^[^\s@:]+@[^\s@]+\.[^\s@]+$/.test(value);
    section.report(
      key,
      `'${value}' is not a contact URI; Synapse shows admin_contact to users as a link`,
      email ? `write it as mailto:${value}` : "write it as mailto:admin@example.org or an https:// URL",
    );
  }
  return value;
}
