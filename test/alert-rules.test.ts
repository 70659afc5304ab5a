/**
 * The stack's alert rules under Prometheus' own rule tester (`promtool test rules`, Prometheus 2.42 as the lab runs
 * it: tools/prometheus-tools.sh unpacks Debian's promtool and amtool into a cache). Every alert has a case that
 * fires it, with the labels and annotations the alert bot posts (the failing probe check's cause read back as verify
 * words it), and cases that must not fire: below the threshold, before its pending time, or the wrong series. The
 * series are written here from the exporters' metric names and labels (facts/monitoring.ts names the sources), never
 * copied from a rule. promtool, amtool and Prometheus' config check also read every stack's rendered files.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as yaml from "js-yaml";
import { renderPlanFiles } from "../config-templates/files";
import { buildStackPlan } from "../config-templates/plan";
import { ALERT_NAMES, AlertName } from "../facts/monitoring";
import { placeholderSecrets } from "../facts/secrets";
import { PROJECT_DIR } from "../config/stack-files";
import { STACKS, orgFor } from "./helpers";
import { judgeBackups } from "../verify/backup-checks";
import { CheckFailure } from "../verify/failure";

interface ExpectedAlert {
  readonly labels: Record<string, string>;
  readonly summary: string;
  readonly description: string;
}

interface RuleCase {
  readonly alert: AlertName;
  readonly name: string;
  readonly interval: string;
  /** How often the rules are evaluated (promtool's evaluation_interval; 1m unless said). */
  readonly evaluation?: string;
  readonly series: ReadonlyArray<readonly [series: string, values: string]>;
  /** At each time, exactly these alerts of `alert` fire (none: pending, or never). */
  readonly expect: ReadonlyArray<readonly [at: string, alerts: readonly ExpectedAlert[]]>;
}

const PROBE = 'job="call-probe",instance="call-probe:9735"';
const TURN_CHECK = "TURN allocation over UDP";
const TURN_FIX =
  "Synapse's turn_shared_secret and coturn's static-auth-secret differ, or lt-cred-mech is set";

/** verify's own words for backups 27 h old (verify/backup-checks.ts), as the probe exports them. */
const BACKUP_FAILURE = backupFailure();

function backupFailure(): { detail: string; fix: string } {
  const now = 1_800_000_000;
  const success = { at: "then", epoch: now - 27 * 3600, trigger: "schedule", outcome: "success", seconds: 3 };
  const status = { lastRun: success, lastSuccess: success, snapshot: "0123abcd" };
  try {
    judgeBackups(orgFor("produktor"), { status: status as never, startedEpoch: now - 30 * 3600 }, now);
  } catch (error) {
    if (error instanceof CheckFailure) return { detail: error.message, fix: error.fix };
  }
  throw new Error("verify's backups check passed a backup 27 h old");
}

/** The cases: each alert's condition read from the upstream metric it names (facts/monitoring.ts). */
const CASES: readonly RuleCase[] = [
  {
    alert: "ServiceDown",
    name: "a scrape target that stops answering fires after 2m, naming its job",
    interval: "1m",
    series: [
      ['up{job="synapse",instance="synapse:9000"}', "1 1 0 0 0 0"],
      ['up{job="node",instance="node-exporter:9100"}', "1x5"],
    ],
    expect: [
      ["3m", []],
      [
        "4m",
        [
          {
            labels: { severity: "critical", job: "synapse", instance: "synapse:9000" },
            summary: "synapse is down",
            description:
              "Prometheus cannot scrape synapse at synapse:9000: the container is stopped, restarting or unreachable on the stack network.",
          },
        ],
      ],
    ],
  },
  {
    alert: "PostgresDown",
    name: "postgres-exporter up but PostgreSQL not: fires after 1m",
    interval: "1m",
    series: [['pg_up{job="postgres",instance="postgres-exporter:9187"}', "1 0 0 0"]],
    expect: [
      ["1m", []],
      [
        "2m",
        [
          {
            labels: { severity: "critical", job: "postgres", instance: "postgres-exporter:9187" },
            summary: "PostgreSQL does not answer postgres-exporter",
            description:
              "postgres-exporter runs but cannot connect to PostgreSQL: Synapse has no database. Check the postgres container and its log.",
          },
        ],
      ],
    ],
  },
  {
    alert: "CallProbeCheckFailing",
    name: "a check failing in two runs fires with verify's cause; one failed run does not",
    interval: "1m",
    series: [
      // Runs every 5 minutes: the value holds between runs. TURN fails from 1m on; the TLS check once only.
      [`matrix_fleet_probe_check_success{${PROBE},check="${TURN_CHECK}"}`, "1 0x10"],
      [
        `matrix_fleet_probe_check_failure_info{${PROBE},check="${TURN_CHECK}",detail="allocation refused: 401 Unauthorized",fix="${TURN_FIX}"}`,
        "_ 1x10",
      ],
      [
        `matrix_fleet_probe_check_success{${PROBE},check="coturn's TLS certificate on 5349"}`,
        "1 0 0 0 0 0 1x5",
      ],
      [`matrix_fleet_probe_check_success{${PROBE},check="client API versions"}`, "1x10"],
      // The backups check has its own alert (BackupTooOld): no CallProbeCheckFailing for it.
      [`matrix_fleet_probe_check_success{${PROBE},check="backups"}`, "0x10"],
    ],
    expect: [
      ["6m", []],
      [
        "7m",
        [
          {
            labels: { severity: "critical", ...labelsOf(PROBE), check: TURN_CHECK },
            summary: `Call probe: "${TURN_CHECK}" fails`,
            description: `allocation refused: 401 Unauthorized. Likely cause / fix: ${TURN_FIX}`,
          },
        ],
      ],
    ],
  },
  {
    alert: "CallProbeNotRunning",
    name: "no run finished for three intervals (15 min at the default 5 min) fires 5 min later",
    interval: "1m",
    series: [
      // The last run finished at 120 s and none since; time() - 120 > 900 from 17m on.
      [`matrix_fleet_probe_last_run_timestamp_seconds{${PROBE}}`, "0 60 120x30"],
      [`up{${PROBE}}`, "1x30"],
    ],
    expect: [
      ["21m", []],
      [
        "23m",
        [
          {
            labels: { severity: "warning", ...labelsOf(PROBE) },
            summary: "The call probe has not finished a run for a while",
            description:
              "The call probe answers but finished no run in the last 900 s (three intervals of monitoring.probe.interval): its checks are stale.",
          },
        ],
      ],
    ],
  },
  {
    alert: "CallProbeNotRunning",
    name: "a probe that answers but never finished a run fires too",
    interval: "1m",
    series: [[`up{${PROBE}}`, "1x10"]],
    expect: [
      ["4m", []],
      [
        "6m",
        [
          {
            labels: { severity: "warning", ...labelsOf(PROBE) },
            summary: "The call probe has not finished a run for a while",
            description:
              "The call probe answers but finished no run in the last 900 s (three intervals of monitoring.probe.interval): its checks are stale.",
          },
        ],
      ],
    ],
  },
  {
    alert: "TlsCertificateExpiring",
    name: "13 days left fires after 1h; 15 days left does not",
    interval: "1m",
    series: [
      [
        `matrix_fleet_tls_certificate_not_after_timestamp_seconds{${PROBE},host="chat.produktor.io",port="443"}`,
        "1123200x70",
      ],
      [
        `matrix_fleet_tls_certificate_not_after_timestamp_seconds{${PROBE},host="turn.produktor.io",port="5349"}`,
        "1296000x70",
      ],
    ],
    expect: [
      ["59m", []],
      [
        "61m",
        [
          {
            labels: { severity: "warning", ...labelsOf(PROBE), host: "chat.produktor.io", port: "443" },
            // 1123200 - 3660 s = 12 d 22 h 59 m.
            summary: "The TLS certificate of chat.produktor.io:443 expires in 12d 22h 59m 0s",
            description:
              "The certificate served on chat.produktor.io:443 has less than 14 days left: its renewal did not happen or did not reach the server.",
          },
        ],
      ],
    ],
  },
  {
    alert: "DiskAlmostFull",
    name: "a disk 90 % full fires after 10m; 80 % and a full tmpfs do not",
    interval: "1m",
    series: [
      [
        'node_filesystem_avail_bytes{job="node",instance="node-exporter:9100",device="/dev/vda",fstype="ext4",mountpoint="/"}',
        "10x15",
      ],
      [
        'node_filesystem_size_bytes{job="node",instance="node-exporter:9100",device="/dev/vda",fstype="ext4",mountpoint="/"}',
        "100x15",
      ],
      [
        'node_filesystem_avail_bytes{job="node",instance="node-exporter:9100",device="/dev/vdb",fstype="xfs",mountpoint="/srv"}',
        "20x15",
      ],
      [
        'node_filesystem_size_bytes{job="node",instance="node-exporter:9100",device="/dev/vdb",fstype="xfs",mountpoint="/srv"}',
        "100x15",
      ],
      [
        'node_filesystem_avail_bytes{job="node",instance="node-exporter:9100",device="tmpfs",fstype="tmpfs",mountpoint="/run"}',
        "1x15",
      ],
      [
        'node_filesystem_size_bytes{job="node",instance="node-exporter:9100",device="tmpfs",fstype="tmpfs",mountpoint="/run"}',
        "100x15",
      ],
    ],
    expect: [
      ["9m", []],
      [
        "11m",
        [
          {
            labels: {
              severity: "warning",
              job: "node",
              instance: "node-exporter:9100",
              device: "/dev/vda",
              fstype: "ext4",
              mountpoint: "/",
            },
            summary: "/ on the Docker host is 90 % full",
            description:
              "The filesystem at / (/dev/vda) is more than 85 % full: PostgreSQL, media uploads and logs stop when it is full.",
          },
        ],
      ],
    ],
  },
  {
    alert: "PostgresConnectionsNearLimit",
    name: "85 of 100 connections fires after 10m; 70 does not",
    interval: "1m",
    series: [
      [
        'pg_stat_activity_count{job="postgres",instance="postgres-exporter:9187",datname="synapse",state="active"}',
        "20 50x15",
      ],
      [
        'pg_stat_activity_count{job="postgres",instance="postgres-exporter:9187",datname="synapse",state="idle"}',
        "50 35x15",
      ],
      ['pg_settings_max_connections{job="postgres",instance="postgres-exporter:9187"}', "100x15"],
    ],
    expect: [
      ["10m", []],
      [
        "12m",
        [
          {
            labels: { severity: "warning", job: "postgres", instance: "postgres-exporter:9187" },
            summary: "PostgreSQL uses 85 % of its connections",
            description:
              "More than 80 % of max_connections are in use: new connections will be refused soon.",
          },
        ],
      ],
    ],
  },
  {
    alert: "SynapseFederationSenderBehind",
    name: "200 events not yet handled by the federation sender fires after 10m; another sender's lag does not",
    interval: "1m",
    series: [
      [
        'synapse_event_persisted_position{job="synapse",instance="synapse:9000",server_name="produktor.io"}',
        "1000x15",
      ],
      [
        'synapse_event_processing_positions{job="synapse",instance="synapse:9000",server_name="produktor.io",name="federation_sender"}',
        "1000 800x15",
      ],
      [
        'synapse_event_processing_positions{job="synapse",instance="synapse:9000",server_name="produktor.io",name="appservice_sender"}',
        "10x15",
      ],
    ],
    expect: [
      ["10m", []],
      [
        "12m",
        [
          {
            labels: { severity: "warning", job: "synapse", instance: "synapse:9000" },
            summary: "Synapse's federation sender is 200 events behind",
            description:
              "Synapse persisted more than 100 events that its federation sender has not handled yet: peers see our messages late.",
          },
        ],
      ],
    ],
  },
  {
    alert: "SynapseFederationQueueGrowing",
    name: "60 PDUs waiting for peers fires after 15m; 40 does not",
    interval: "1m",
    series: [
      [
        'synapse_federation_transaction_queue_pending_pdus{job="synapse",instance="synapse:9000",server_name="produktor.io"}',
        "40x5 60x20",
      ],
    ],
    expect: [
      ["19m", []],
      [
        "21m",
        [
          {
            labels: { severity: "warning", job: "synapse", instance: "synapse:9000" },
            summary: "60 events wait to be sent to federation peers",
            description:
              "More than 50 events (PDUs) wait in Synapse's per-peer queues: a peer is slow or unreachable.",
          },
        ],
      ],
    ],
  },
  {
    alert: "LivekitPacketLoss",
    name: "10 % loss at 100 packets/s fires after 10m; 10 % of a trickle and 1 % do not",
    interval: "1m",
    series: [
      // Incoming: 100 packets/s, 10 lost/s. Outgoing: 10 packets/s, 1 lost/s (too few to judge).
      [
        'livekit_packet_total{job="livekit",instance="198.19.1.2:6789",direction="incoming",transmission="initial",country=""}',
        "0+6000x20",
      ],
      [
        'livekit_packet_loss_total{job="livekit",instance="198.19.1.2:6789",direction="incoming",source="MICROPHONE",type="AUDIO",country=""}',
        "0+600x20",
      ],
      [
        'livekit_packet_total{job="livekit",instance="198.19.1.2:6789",direction="outgoing",transmission="initial",country=""}',
        "0+600x20",
      ],
      [
        'livekit_packet_loss_total{job="livekit",instance="198.19.1.2:6789",direction="outgoing",source="MICROPHONE",type="AUDIO",country=""}',
        "0+60x20",
      ],
    ],
    expect: [
      ["9m", []],
      [
        "15m",
        [
          {
            labels: {
              severity: "warning",
              job: "livekit",
              instance: "198.19.1.2:6789",
              direction: "incoming",
            },
            summary: 'LiveKit loses 10% of "incoming" media packets',
            description:
              "More than 5 % of the media packets LiveKit counts are lost (over 5 minutes, at more than 50 packets/s): calls stutter.",
          },
        ],
      ],
    ],
  },
  {
    alert: "LivekitPacketLoss",
    name: "1 % loss at 100 packets/s does not fire",
    interval: "1m",
    series: [
      [
        'livekit_packet_total{job="livekit",instance="h:6789",direction="incoming",transmission="initial",country=""}',
        "0+6000x20",
      ],
      [
        'livekit_packet_loss_total{job="livekit",instance="h:6789",direction="incoming",source="CAMERA",type="VIDEO",country=""}',
        "0+60x20",
      ],
    ],
    expect: [["15m", []]],
  },
  {
    alert: "BackupTooOld",
    name: "verify's backups check failing in the probe fires with verify's words after 10m; CallProbeCheckFailing stays quiet",
    interval: "1m",
    series: [
      [`matrix_fleet_probe_check_success{${PROBE},check="backups"}`, "1 0x14"],
      [
        `matrix_fleet_probe_check_failure_info{${PROBE},check="backups",detail="${BACKUP_FAILURE.detail}",fix="${BACKUP_FAILURE.fix}"}`,
        "_ 1x14",
      ],
    ],
    expect: [
      ["10m", []],
      [
        "12m",
        [
          {
            labels: { severity: "critical", ...labelsOf(PROBE), check: "backups" },
            summary: "The backups fail or are older than backup.maxAge (26h)",
            description: `${BACKUP_FAILURE.detail}. Likely cause / fix: ${BACKUP_FAILURE.fix}`,
          },
        ],
      ],
    ],
  },
  {
    alert: "AlertDeliveryFailing",
    name: "messages the bot cannot post for 10m fire; an emptied queue does not",
    interval: "1m",
    series: [
      ['matrix_fleet_alert_bot_queue_length{job="alert-bot",instance="alert-bot:9736"}', "0 3x12"],
      ['matrix_fleet_alert_bot_queue_length{job="alert-bot",instance="alert-bot:9737"}', "2x5 0x10"],
    ],
    expect: [
      ["10m", []],
      [
        "11m",
        [
          {
            labels: { severity: "critical", job: "alert-bot", instance: "alert-bot:9736" },
            summary: "Alerts do not reach the Matrix room",
            description:
              "The alert bot holds 3 messages it could not post to the alert room: the homeserver is down, or the bot's account or room is broken.",
          },
        ],
      ],
    ],
  },
];

function labelsOf(selector: string): Record<string, string> {
  return Object.fromEntries([...selector.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

/** promtool test files for the given cases over one rule file: one per evaluation interval. */
function promtoolTestFiles(rules: string, cases: readonly RuleCase[]): string[] {
  const intervals = [...new Set(cases.map((c) => c.evaluation ?? "1m"))];
  return intervals.map((interval) =>
    promtoolTests(
      rules,
      cases.filter((c) => (c.evaluation ?? "1m") === interval),
      interval,
    ),
  );
}

function promtoolTests(rules: string, cases: readonly RuleCase[], evaluation: string): string {
  return yaml.dump(
    {
      rule_files: [rules],
      evaluation_interval: evaluation,
      tests: cases.map((c) => ({
        name: `${c.alert}: ${c.name}`,
        interval: c.interval,
        input_series: c.series.map(([series, values]) => ({ series, values })),
        alert_rule_test: c.expect.map(([at, alerts]) => ({
          eval_time: at,
          alertname: c.alert,
          exp_alerts: alerts.map((a) => ({
            exp_labels: a.labels,
            exp_annotations: {
              summary: a.summary,
              description: a.description,
              runbook_url: `docs/monitoring.md#${c.alert.toLowerCase()}`,
            },
          })),
        })),
      })),
    },
    { lineWidth: -1 },
  );
}

let tools = "";
let dir = "";

function run(tool: string, args: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync(path.join(tools, tool), args, { cwd: dir, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function renderedFiles(stack: string, changes: Record<string, unknown> = {}) {
  return renderPlanFiles(buildStackPlan(orgFor(stack, changes), placeholderSecrets()));
}

describe("the alert rules under promtool test rules (Prometheus 2.42)", () => {
  before(() => {
    tools = execFileSync("bash", [path.join(PROJECT_DIR, "tools", "prometheus-tools.sh")], {
      encoding: "utf8",
      timeout: 300_000,
    }).trim();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "alert-rules-"));
    fs.writeFileSync(path.join(dir, "rules.yml"), renderedFiles("produktor").alertRules!);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("has a case that fires every alert the stack renders", () => {
    const firing = new Set(CASES.filter((c) => c.expect.some(([, a]) => a.length > 0)).map((c) => c.alert));
    assert.deepEqual(
      ALERT_NAMES.filter((name) => !firing.has(name)),
      [],
    );
    const rendered = yaml.load(renderedFiles("produktor").alertRules!) as {
      groups: Array<{ rules: Array<{ alert: string }> }>;
    };
    assert.deepEqual(
      rendered.groups[0]!.rules.map((r) => r.alert),
      [...ALERT_NAMES],
    );
  });

  it("every case passes", () => {
    const files = promtoolTestFiles("rules.yml", CASES).map((text, i) => {
      fs.writeFileSync(path.join(dir, `tests-${i}.yml`), text);
      return `tests-${i}.yml`;
    });
    const { status, output } = run("promtool", ["test", "rules", ...files]);
    assert.equal(status, 0, output);
  });

  it("fails when a rule is missing (the tests are not vacuous)", () => {
    const rules = yaml.load(renderedFiles("produktor").alertRules!) as {
      groups: Array<{ rules: Array<{ alert: string }> }>;
    };
    rules.groups[0]!.rules = rules.groups[0]!.rules.filter((r) => r.alert !== "DiskAlmostFull");
    fs.writeFileSync(path.join(dir, "broken.yml"), yaml.dump(rules, { lineWidth: -1 }));
    const disk = CASES.filter((c) => c.alert === "DiskAlmostFull");
    fs.writeFileSync(path.join(dir, "broken-tests.yml"), promtoolTests("broken.yml", disk, "1m"));
    const { status, output } = run("promtool", ["test", "rules", "broken-tests.yml"]);
    assert.equal(status, 1);
    assert.match(output, /alertname: DiskAlmostFull/);
  });

  it("monitoring.alertFor changes how long a condition must hold (0s: at the first evaluation)", () => {
    fs.writeFileSync(
      path.join(dir, "fast.yml"),
      renderedFiles("produktor", { monitoring: { alertFor: { ServiceDown: "0s" } } }).alertRules!,
    );
    const fast: RuleCase = {
      ...CASES[0]!,
      name: "fires at once",
      expect: [["2m", CASES[0]!.expect[1]![1]]],
    };
    fs.writeFileSync(path.join(dir, "fast-tests.yml"), promtoolTests("fast.yml", [fast], "1m"));
    const { status, output } = run("promtool", ["test", "rules", "fast-tests.yml"]);
    assert.equal(status, 0, output);
  });

  it("promtool and amtool accept every stack's prometheus.yml, rules and alertmanager.yml", () => {
    const variants: Array<[string, Record<string, unknown>]> = [
      ...STACKS.map((stack): [string, Record<string, unknown>] => [stack, {}]),
      [
        "produktor",
        {
          // The lab's settings (lab/deploy/fleet.ts): seconds everywhere, no coturn exporter, e-mail with a login.
          monitoring: {
            scrapeInterval: "5s",
            evaluationInterval: "5s",
            coturnExporter: false,
            probe: { interval: "15s" },
            alertFor: { ServiceDown: "0s", CallProbeCheckFailing: "0s" },
            alerts: {
              groupWait: "1s",
              groupInterval: "5s",
              invite: ["@lab-reader:produktor.io"],
              email: {
                to: "ops@produktor.io",
                from: "alerts@produktor.io",
                smarthost: "mail.produktor.io:587",
                username: "alerts",
              },
            },
          },
        },
      ],
    ];
    for (const [stack, changes] of variants) {
      const files = renderedFiles(stack, changes);
      const label = `${stack} ${JSON.stringify(changes)}`;
      fs.writeFileSync(path.join(dir, "prometheus.yml"), files.prometheus!);
      fs.writeFileSync(path.join(dir, "check-rules.yml"), files.alertRules!);
      fs.writeFileSync(path.join(dir, "alertmanager.yml"), files.alertmanager!);
      for (const [tool, args] of [
        ["promtool", ["check", "config", "--syntax-only", "prometheus.yml"]],
        ["promtool", ["check", "rules", "check-rules.yml"]],
        ["amtool", ["check-config", "alertmanager.yml"]],
      ] as const) {
        const { status, output } = run(tool, args);
        assert.equal(status, 0, `${label}: ${tool} ${args.join(" ")}\n${output}`);
      }
    }
  });
});

describe("the runbook", () => {
  it("has a section for every alert, where its runbook_url points", () => {
    const page = fs.readFileSync(path.join(PROJECT_DIR, "docs", "monitoring.md"), "utf8");
    const headings = [...page.matchAll(/^### (\S+)$/gm)].map((m) => m[1]!);
    assert.deepEqual(
      ALERT_NAMES.filter((name) => !headings.includes(name)),
      [],
      "alerts without a runbook section",
    );
    const rules = yaml.load(renderedFiles("produktor").alertRules!) as {
      groups: Array<{ rules: Array<{ alert: string; annotations: { runbook_url: string } }> }>;
    };
    for (const rule of rules.groups[0]!.rules)
      assert.equal(rule.annotations.runbook_url, `docs/monitoring.md#${rule.alert.toLowerCase()}`);
  });
});
