import { CertificateChoice, PortSpec } from "./model";
import { parsePortSpec } from "./ports";
import { SectionReader } from "./section-reader";

/**
 * Value kinds of the stack config beyond the reader's scalars: hostnames, addresses, URLs, sizes, durations,
 * port forwards, the NPM certificate choice and the override maps. Each reports a problem on its section and
 * returns the value (or a fallback), so parsing goes on and every problem is found in one run.
 */

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const SIZE = /^\d+[KMG]?$/;
const DURATION = /^\d+(ms|s|m|h|d|w|y)?$/;

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

export function ipv4(section: SectionReader, key: string, value: string): string {
  if (value !== "" && !IPV4.test(value)) {
    section.report(key, `'${value}' is not an IPv4 address`, "use a dotted address like 203.0.113.10");
  }
  return value;
}

export function url(section: SectionReader, key: string, value: string): string {
  if (value !== "" && !/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(value)) {
    section.report(key, `'${value}' is not an http(s) URL`, "use a URL like http://192.0.2.20:81");
  }
  return value.replace(/\/+$/, "");
}

export function email(section: SectionReader, key: string, value: string): string {
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
    section.report(key, `'${value}' is not an e-mail address`, "use an address like admin@example.org");
  }
  return value;
}

export function size(section: SectionReader, key: string, value: string): string {
  if (!SIZE.test(value)) {
    section.report(
      key,
      `'${value}' is not a size`,
      "use a number with an optional K, M or G suffix, e.g. 50M",
    );
  }
  return value;
}

export function duration(section: SectionReader, key: string, value: string): string {
  if (!DURATION.test(value)) {
    section.report(
      key,
      `'${value}' is not a duration`,
      "use a number with a unit ms, s, m, h, d, w or y, e.g. 24h",
    );
  }
  return value;
}

export function dockerHost(section: SectionReader, value: string): string {
  if (!/^(unix:\/\/\/\S+|ssh:\/\/\S+|tcp:\/\/\S+)$/.test(value)) {
    section.report(
      "host",
      `'${value}' is not a Docker host address`,
      "use unix:///var/run/docker.sock or ssh://user@host",
    );
  }
  return value;
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
