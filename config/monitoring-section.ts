import { ALERT_NAMES, AlertName, DEFAULT_ALERT_FOR } from "../facts/monitoring";
import { AlertDelivery, AlertEmail, Components, MonitoringOptions } from "./model";
import { SectionReader } from "./section-reader";
import { serverName as serverNameValue } from "./values";

/**
 * The `monitoring` section (issue #27): Prometheus' intervals and retention, the call probe, each alert's pending
 * time and where alerts go. Durations are Prometheus' (`30s`, `5m`, `1h30m`); every problem is reported at once.
 */

/** Prometheus' duration notation (prometheus/common model.ParseDuration): units from years down to milliseconds. */
const PROMETHEUS_DURATION =
  /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_SECONDS = [365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001];

/** Seconds of a Prometheus duration, or undefined when it is none. */
export function durationSeconds(value: string): number | undefined {
  const match = value === "" ? null : PROMETHEUS_DURATION.exec(value);
  if (match === null) return undefined;
  return match
    .slice(1)
    .reduce((sum, part, i) => sum + (part === undefined ? 0 : Number(part) * UNIT_SECONDS[i]!), 0);
}

function prometheusDuration(
  section: SectionReader,
  key: string,
  fallback: string,
  options: { zero: boolean } = { zero: false },
): string {
  const value = section.string(key, fallback);
  const seconds = durationSeconds(value);
  if (seconds === undefined)
    section.report(
      key,
      `'${value}' is not a Prometheus duration`,
      "write a number with a unit (ms, s, m, h, d, w, y), e.g. 30s or 1h30m",
    );
  else if (seconds === 0 && !options.zero)
    section.report(key, `'${value}' is zero`, `use a positive duration, e.g. ${fallback} (the default)`);
  return seconds === undefined ? fallback : value;
}

/** An e-mail address Alertmanager's SMTP client can send from or to (net/mail's addr-spec, roughly). */
function email(section: SectionReader, key: string, value: string): string {
  if (!/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(value))
    section.report(key, `'${value}' is not an e-mail address`, "use an address like ops@example.org");
  return value;
}

/** A room alias localpart as Synapse accepts it in `room_alias_name` (no `#`, `:` or whitespace). */
const ALIAS_LOCALPART = /^[a-z0-9._=\-/+]+$/;
/** A Matrix user ID: `@localpart:server`. */
const USER_ID = /^@([a-z0-9._=\-/+]+):(.+)$/;

export function parseMonitoring(
  top: SectionReader,
  components: Components,
  serverName: string,
): MonitoringOptions {
  const section = top.section("monitoring");
  const scrapeInterval = prometheusDuration(section, "scrapeInterval", "30s");
  const evaluationInterval = prometheusDuration(section, "evaluationInterval", "30s");
  const retention = prometheusDuration(section, "retention", "15d");
  const coturnExporter = section.boolean("coturnExporter", true);
  const probeSection = section.section("probe");
  const probe = {
    interval: prometheusDuration(probeSection, "interval", "5m"),
    viaLan: probeSection.boolean("viaLan", true),
  };
  probeSection.rejectUnknownKeys();
  const alertFor = parseAlertFor(section);
  const alerts = parseAlertDelivery(section, components, serverName);
  const monitoring: MonitoringOptions = {
    scrapeInterval,
    evaluationInterval,
    retention,
    coturnExporter,
    probe,
    alertFor,
    alerts,
    runbookUrl: section.string("runbookUrl", "docs/monitoring.md"),
  };
  if (components.monitoring && coturnExporter && !components.coturn && section.has("coturnExporter")) {
    section.report(
      "coturnExporter",
      "is true, but coturn is off (components.coturn): there is no exporter to scrape",
      "remove monitoring.coturnExporter, or turn coturn on",
    );
  }
  section.rejectUnknownKeys();
  return monitoring;
}

/** `monitoring.alertFor.<AlertName>`: a known alert and a duration (zero fires at the first evaluation). */
function parseAlertFor(section: SectionReader): Readonly<Record<AlertName, string>> {
  const alertFor = section.section("alertFor");
  const result = Object.fromEntries(
    ALERT_NAMES.map((name) => [
      name,
      prometheusDuration(alertFor, name, DEFAULT_ALERT_FOR[name], { zero: true }),
    ]),
  ) as Record<AlertName, string>;
  alertFor.rejectUnknownKeys();
  return result;
}

function parseAlertDelivery(
  section: SectionReader,
  components: Components,
  serverName: string,
): AlertDelivery {
  const alerts = section.section("alerts");
  const matrix = alerts.boolean("matrix", true);
  const matrixRoom = alerts.string("matrixRoom", "matrix-fleet-alerts");
  if (!ALIAS_LOCALPART.test(matrixRoom))
    alerts.report(
      "matrixRoom",
      `'${matrixRoom}' is no room alias localpart (lower-case letters, digits and . _ = - / +, no # or :)`,
      "write the part between # and : of the alias, e.g. matrix-fleet-alerts",
    );
  const invite = alerts.stringList("invite", []).filter((user) => {
    const match = USER_ID.exec(user);
    if (match === null)
      alerts.report(
        "invite",
        `'${user}' is no Matrix user ID`,
        "write each entry as @localpart:server.name (quote it in YAML: '@' starts no plain scalar)",
      );
    else if (serverNameValue(alerts, "invite", match[2]!) !== serverName)
      alerts.report(
        "invite",
        `'${user}' is a user of ${match[2]}, but the alert room is not federated (it tells how this organisation's services fail): only users of ${serverName} can join it`,
        `invite users of ${serverName} only`,
      );
    return match !== null;
  });
  const delivery: AlertDelivery = {
    matrix,
    matrixRoom,
    invite,
    email: parseAlertEmail(alerts),
    groupWait: prometheusDuration(alerts, "groupWait", "30s", { zero: true }),
    groupInterval: prometheusDuration(alerts, "groupInterval", "5m"),
    repeatInterval: prometheusDuration(alerts, "repeatInterval", "4h"),
  };
  if (components.monitoring && !matrix && delivery.email === undefined)
    alerts.report(
      "matrix",
      "is false and no monitoring.alerts.email is set: alerts would fire with nobody told",
      "keep monitoring.alerts.matrix true, or set monitoring.alerts.email (to, from, smarthost)",
    );
  alerts.rejectUnknownKeys();
  return delivery;
}

function parseAlertEmail(alerts: SectionReader): AlertEmail | undefined {
  const present = alerts.has("email");
  const section = alerts.section("email");
  // Read (and so known to the schema) whether or not the section is there; required only when it is.
  const text = (key: string, example: string) =>
    present ? section.requiredString(key, example) : section.string(key, undefined);
  const to = text("to", "ops@example.org");
  const from = text("from", "alerts@example.org");
  const smarthost = text("smarthost", "mail.example.org:587");
  const username = section.string("username", undefined);
  const requireTls = section.boolean("requireTls", true);
  section.rejectUnknownKeys();
  if (!present) return undefined;
  if (to) email(section, "to", to);
  if (from) email(section, "from", from);
  if (smarthost && !/^[a-z0-9.-]+:\d{1,5}$/i.test(smarthost))
    section.report(
      "smarthost",
      `'${smarthost}' is not host:port`,
      "write the SMTP server as host:port, e.g. mail.example.org:587",
    );
  return { to: to ?? "", from: from ?? "", smarthost: smarthost ?? "", username, requireTls };
}
