import * as path from "node:path";
import { CertificateChoice, PortSpec } from "./model";
import { parsePortSpec } from "./ports";
import { SectionReader } from "./section-reader";

/**
 * Value kinds of the stack config beyond the reader's scalars: hostnames, addresses, URLs, sizes, durations,
 * port forwards, the NPM certificate choice and the override maps. Each reports a problem on its section and
 * returns the value (or a fallback), so parsing goes on and every problem is found in one run.
 */

export const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const SIZE = /^\d+[KMG]?$/;
/** Synapse's `parse_duration` (config/_base.py): digits and one of s, m, h, d, w, y; no suffix means milliseconds. */
const DURATION = /^(\d+)([smhdwy]?)$/;

export function hostname(section: SectionReader, key: string, value: string): string {
  const lower = value.toLowerCase();
  if (value !== "" && !HOSTNAME.test(lower)) {
    section.report(
      key,
      `'${value}' is not a valid DNS hostname`,
      "use a fully qualified name like chat.example.org",
    );
  }
  return lower;
}

/**
 * A Matrix server name (`serverName`, `federation.peers`). It is an identity, in every user ID and room alias and
 * compared by Synapse as written, so capitals are reported instead of quietly lower-cased: the operator decides
 * which name is meant.
 */
export function serverName(section: SectionReader, key: string, value: string): string {
  const lower = hostname(section, key, value);
  if (lower !== value && HOSTNAME.test(lower)) {
    section.report(
      key,
      `'${value}' has capital letters; a server name is an identity (part of every user ID, e.g. @alice:${value}, and fixed after the first start) that Synapse compares as written, so matrix-fleet does not change it`,
      `write it as '${lower}' if that is the name (DNS is case-insensitive, Matrix IDs are not)`,
    );
    return value;
  }
  return lower;
}

export function size(section: SectionReader, key: string, value: string): string {
  if (!SIZE.test(value)) {
    section.report(
      key,
      `'${value}' is not a size`,
      "use a number with an optional K, M or G suffix, e.g. 50M",
    );
  } else if (/^0+[KMG]?$/.test(value)) {
    section.report(
      key,
      key === "clientMaxBodySize"
        ? "'0' switches nginx's body size check off: clients could send bodies of any size through the proxy"
        : "'0' lets nobody upload anything",
      "use a size like 50M (the default)",
    );
  }
  return value;
}

/**
 * A Synapse duration. Synapse reads a number without a unit as milliseconds and knows no `ms` suffix (it fails to
 * start on one), so only whole numbers with a unit pass: `3600` would quietly mean 3.6 seconds.
 */
export function duration(section: SectionReader, key: string, value: string): string {
  const match = DURATION.exec(value);
  const fix = "use a whole number with a unit s, m, h, d, w or y, e.g. 1h";
  if (match === null) {
    section.report(key, `'${value}' is not a duration Synapse reads`, fix);
  } else if (match[2] === "" && Number(match[1]) !== 0) {
    section.report(
      key,
      `'${value}' has no unit, and Synapse reads a number without one as milliseconds (${value} ms)`,
      `${fix}; for seconds write ${Number(match[1])}s`,
    );
  } else if (Number(match[1]) === 0) {
    section.report(key, `'${value}' is zero, ${ZERO_DURATION[key] ?? "which Synapse refuses"}`, fix);
  }
  return value;
}

/** What Synapse makes of a zero duration, per key (synapse/rest/client/voip.py, synapse/config/server.py). */
const ZERO_DURATION: Readonly<Record<string, string>> = {
  turnUserLifetime:
    "and Synapse then hands out no TURN servers at all (/voip/turnServer answers {}): calls behind NAT fail",
  maxEventDelayDuration:
    "and Synapse refuses to start ('max_event_delay_duration' must be a positive value if set)",
  remoteMediaLifetime:
    "and Synapse would purge cached remote media as soon as it is fetched (to keep it forever, leave media_retention out with overrides.synapse)",
};

/**
 * A file on the Docker host whose directory is bind-mounted into a container (coturn's TLS files): an absolute
 * path to a file, written as Docker and the container see it. `//etc/...`, `/a/../b` or `/./` name another path
 * than they seem to, and the checks that read the path (certbot's tree, the mount) must judge the one used.
 */
export function hostPath(section: SectionReader, key: string, value: string): string {
  const example = `/etc/matrix-fleet/tls/<TURN host>/${key === "keyFile" ? "privkey" : "fullchain"}.pem`;
  if (!value.startsWith("/")) {
    section.report(
      key,
      `'${value}' is not an absolute path on the Docker host; Docker refuses a relative bind mount source, and only during pulumi up`,
      `write the full path, e.g. ${example}`,
    );
    return value;
  }
  const normal = path.posix.normalize(value);
  if (normal === "/" || value.endsWith("/") || /\/\.\.?$/.test(value)) {
    section.report(
      key,
      `'${value}' names a directory, not a file: coturn reads its ${key === "keyFile" ? "key" : "certificate"} from a file, and matrix-fleet mounts the directory holding it`,
      `name the file itself, e.g. ${example}`,
    );
  } else if (normal !== value) {
    const certbot = certbotTree(normal);
    section.report(
      key,
      `'${value}' is not written as Docker and coturn see it: it is ${normal}${certbot === undefined ? "" : `, ${certbot}`}`,
      certbot === undefined
        ? `write it as ${normal}`
        : `write it as ${normal}, and see turn.certFile's rule for certbot's files: a deploy hook copies them to ${example}`,
    );
  }
  return value;
}

/**
 * Whether a path is in a certbot configuration tree (live/ symlinks into archive/, a key only root reads): the
 * system's /etc/letsencrypt, or any other certbot directory such as Nginx Proxy Manager's, recognised by the
 * layout certbot writes (`live/<name>/fullchain.pem`, `archive/<name>/privkey3.pem`). Undefined when it is not.
 */
export function certbotTree(file: string): string | undefined {
  if (file.startsWith("/etc/letsencrypt/")) return "which is in certbot's tree";
  const layout = /^(.*)\/(live|archive)\/([^/]+)\/(cert|chain|fullchain|privkey)\d*\.pem$/.exec(file);
  if (layout === null) return undefined;
  return `which is in a certbot tree (${layout[1] || "/"}, ${layout[2]}/${layout[3]}/: certbot's layout, e.g. Nginx Proxy Manager's own certificates)`;
}

export function portSpecs(section: SectionReader, key: string): readonly PortSpec[] {
  const specs: PortSpec[] = [];
  for (const text of section.stringList(key, [])) {
    const spec = parsePortSpec(text);
    if (spec === undefined) {
      section.report(
        key,
        `entry '${text}' is not a port forward`,
        "write entries like udp/49160-49200 or tcp/443",
      );
    } else {
      specs.push(spec);
    }
  }
  return specs;
}

export function certificate(section: SectionReader): CertificateChoice {
  const value = section.raw("certificate");
  if (value === undefined || value === null || value === "new") return { kind: "new" };
  const id = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof id === "number" && Number.isInteger(id) && id > 0) return { kind: "existing", id };
  section.report(
    "certificate",
    `must be "new" (request a Let's Encrypt certificate) or the id of an existing NPM certificate, got ${JSON.stringify(value)}`,
    "set it to new or to a certificate id from NPM's SSL Certificates page",
  );
  return { kind: "new" };
}

export function stringMap(section: SectionReader, key: string): Readonly<Record<string, string>> {
  const map = section.freeMap(key);
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(map)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      result[name] = String(value);
    } else {
      section.report(`${key}.${name}`, "must be a plain value", "environment variables are strings");
    }
  }
  return result;
}

export function coturnOverrides(
  section: SectionReader,
): Readonly<Record<string, string | number | boolean | string[]>> {
  const map = section.freeMap("coturn");
  const result: Record<string, string | number | boolean | string[]> = {};
  for (const [name, value] of Object.entries(map)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      result[name] = value;
    } else if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
      result[name] = value as string[];
    } else {
      section.report(
        `coturn.${name}`,
        "must be a value, true (a flag) or a list of values",
        "write turnserver.conf options as key: value",
      );
    }
  }
  return result;
}
