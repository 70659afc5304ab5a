import { durationSeconds } from "../config/monitoring-section";
import { OrgConfig } from "../config/model";
import {
  ALERT_NAMES,
  ALERT_THRESHOLDS as T,
  AlertName,
  METRICS as M,
  NOT_A_DISK_FSTYPES,
} from "../facts/monitoring";
import { toYaml } from "./formats";

/**
 * The alert rules of the stack's Prometheus (a rule file as Prometheus 2.42 reads it, rules/manager.go): one rule per
 * alert of facts/monitoring.ts, each with its condition, its pending time from `monitoring.alertFor`, a severity,
 * and annotations that say what happened and link the runbook entry (docs/monitoring.md, one heading per alert).
 * Every rule has a `promtool test rules` test (test/alert-rules.test.ts).
 */

interface RuleText {
  readonly expr: string;
  readonly severity: "critical" | "warning";
  readonly summary: string;
  readonly description: string;
}

/** The failing check's cause as the probe exported it (verify's words), read at evaluation time. */
const PROBE_CAUSE =
  `{{ with printf "${M.probeCheckFailure}{check=%q}" $labels.check | query }}` +
  `{{ with first . }}{{ .Labels.detail }}. Likely cause / fix: {{ .Labels.fix }}{{ end }}{{ end }}`;

const DISK_FILESYSTEMS = `fstype!~"${NOT_A_DISK_FSTYPES.join("|")}"`;
const LIVEKIT_PACKETS = `sum by (job, instance, direction) (rate(${M.livekitPackets}{transmission="initial"}[5m]))`;

function ruleTexts(org: OrgConfig): Record<AlertName, RuleText> {
  return { ...serviceRules(org), ...dataRules(org) };
}

/** Whether the services answer, and whether calls can be placed (the call probe). */
function serviceRules(org: OrgConfig) {
  const probeSilence = 3 * (durationSeconds(org.monitoring.probe.interval) ?? 300);
  return {
    ServiceDown: {
      expr: `${M.up} == 0`,
      severity: "critical",
      summary: "{{ $labels.job }} is down",
      description:
        "Prometheus cannot scrape {{ $labels.job }} at {{ $labels.instance }}: the container is stopped, restarting or unreachable on the stack network.",
    },
    PostgresDown: {
      expr: `${M.postgresUp} == 0`,
      severity: "critical",
      summary: "PostgreSQL does not answer postgres-exporter",
      description:
        "postgres-exporter runs but cannot connect to PostgreSQL: Synapse has no database. Check the postgres container and its log.",
    },
    // The backups check has an alert of its own (BackupTooOld), with its own runbook entry.
    CallProbeCheckFailing: {
      expr: `${M.probeCheckSuccess}{check!="backups"} == 0`,
      severity: "critical",
      summary: 'Call probe: "{{ $labels.check }}" fails',
      description: PROBE_CAUSE,
    },
    CallProbeNotRunning: {
      expr:
        `time() - ${M.probeLastRun} > ${probeSilence}` +
        ` or (up{job="call-probe"} == 1 unless on (job, instance) ${M.probeLastRun})`,
      severity: "warning",
      summary: "The call probe has not finished a run for a while",
      description: `The call probe answers but finished no run in the last ${probeSilence} s (three intervals of monitoring.probe.interval): its checks are stale.`,
    },
    TlsCertificateExpiring: {
      expr: `${M.certificateNotAfter} - time() < ${T.certificateDays} * 86400`,
      severity: "warning",
      summary:
        "The TLS certificate of {{ $labels.host }}:{{ $labels.port }} expires in {{ $value | humanizeDuration }}",
      description: `The certificate served on {{ $labels.host }}:{{ $labels.port }} has less than ${T.certificateDays} days left: its renewal did not happen or did not reach the server.`,
    },
    AlertDeliveryFailing: {
      expr: `${M.alertBotQueue} > 0`,
      severity: "critical",
      summary: "Alerts do not reach the Matrix room",
      description:
        "The alert bot holds {{ $value }} messages it could not post to the alert room: the homeserver is down, or the bot's account or room is broken.",
    },
  } satisfies Partial<Record<AlertName, RuleText>>;
}

/** Disk, database, federation, media and backups: the load and the data. */
function dataRules(org: OrgConfig) {
  return {
    DiskAlmostFull: {
      expr:
        `(1 - ${M.filesystemAvail}{${DISK_FILESYSTEMS}} / ${M.filesystemSize}{${DISK_FILESYSTEMS}}) * 100` +
        ` > ${T.diskUsedPercent}`,
      severity: "warning",
      summary: '{{ $labels.mountpoint }} on the Docker host is {{ $value | printf "%.0f" }} % full',
      description: `The filesystem at {{ $labels.mountpoint }} ({{ $labels.device }}) is more than ${T.diskUsedPercent} % full: PostgreSQL, media uploads and logs stop when it is full.`,
    },
    PostgresConnectionsNearLimit: {
      expr:
        `sum by (job, instance) (${M.postgresConnections}) / on (job, instance)` +
        ` max by (job, instance) (${M.postgresMaxConnections}) * 100 > ${T.postgresConnectionsPercent}`,
      severity: "warning",
      summary: 'PostgreSQL uses {{ $value | printf "%.0f" }} % of its connections',
      description: `More than ${T.postgresConnectionsPercent} % of max_connections are in use: new connections will be refused soon.`,
    },
    SynapseFederationSenderBehind: {
      expr:
        `max by (job, instance) (${M.synapsePersistedPosition}) - on (job, instance)` +
        ` max by (job, instance) (${M.synapseProcessingPositions}{name="federation_sender"}) > ${T.federationSenderLagEvents}`,
      severity: "warning",
      summary: "Synapse's federation sender is {{ $value }} events behind",
      description: `Synapse persisted more than ${T.federationSenderLagEvents} events that its federation sender has not handled yet: peers see our messages late.`,
    },
    SynapseFederationQueueGrowing: {
      expr: `sum by (job, instance) (${M.synapsePendingPdus}) > ${T.federationPendingPdus}`,
      severity: "warning",
      summary: "{{ $value }} events wait to be sent to federation peers",
      description: `More than ${T.federationPendingPdus} events (PDUs) wait in Synapse's per-peer queues: a peer is slow or unreachable.`,
    },
    LivekitPacketLoss: {
      expr:
        `sum by (job, instance, direction) (rate(${M.livekitPacketLoss}[5m])) / ${LIVEKIT_PACKETS} > ${T.livekitLossRatio}` +
        ` and on (job, instance, direction) ${LIVEKIT_PACKETS} > ${T.livekitMinPacketRate}`,
      severity: "warning",
      summary: 'LiveKit loses {{ $value | humanizePercentage }} of "{{ $labels.direction }}" media packets',
      description: `More than ${T.livekitLossRatio * 100} % of the media packets LiveKit counts are lost (over 5 minutes, at more than ${T.livekitMinPacketRate} packets/s): calls stutter.`,
    },
    // verify's backups check, run by the call probe on the backup's status file: the last run failed, or the
    // newest success is older than backup.maxAge (verify/backup-checks.ts words which).
    BackupTooOld: {
      expr: `${M.probeCheckSuccess}{check="backups"} == 0`,
      severity: "critical",
      summary: `The backups fail or are older than backup.maxAge (${org.backup.maxAge})`,
      description: PROBE_CAUSE,
    },
  } satisfies Partial<Record<AlertName, RuleText>>;
}

/** The rule file: every alert of facts/monitoring.ts, in that order. */
export function alertRulesDocument(org: OrgConfig): Record<string, unknown> {
  const texts = ruleTexts(org);
  const base = org.monitoring.runbookUrl;
  return {
    groups: [
      {
        name: "matrix-fleet",
        rules: ALERT_NAMES.map((name) => ({
          alert: name,
          expr: texts[name].expr,
          for: org.monitoring.alertFor[name],
          labels: { severity: texts[name].severity },
          annotations: {
            summary: texts[name].summary,
            description: texts[name].description,
            runbook_url: `${base}#${name.toLowerCase()}`,
          },
        })),
      },
    ],
  };
}

export function renderAlertRules(document: Readonly<Record<string, unknown>>): string {
  return toYaml(document);
}
