/**
 * The organisations' own monitoring on the Docker lab (issue #27), deployed by the same `pulumi up` as everything
 * else (lab/deploy/monitoring-settings.ts shrinks its intervals to seconds): Prometheus answers on the Docker host's
 * loopback only and scrapes every target; then five real faults (lab/scenarios/monitoring-faults.ts), all at once
 * over the three sites, each raising its alert in the organisation's Matrix room within 2 minutes, read back by a
 * lab client, and resolving within 2 minutes of the repair. With LAB_MONITORING_RULES_REMOVED=1 (shown once, not in
 * every CI run: it adds some 2.5 minutes), the same faults with each one's rule taken out of its Prometheus' rule
 * file must bring none of those alerts within the same 2 minutes (the scenarios are not vacuous), while Prometheus
 * shows each fault. Prints each alert's measured times.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as yaml from "js-yaml";
import { AlertRoomReader, prometheusQuery, untilSeries } from "../alert-room";
import { LabFleet } from "../deploy/fleet";
import { docker } from "../deploy/sites";
import { run } from "../processes";
import { MONITORING_FAULTS, MonitoringFault, mountSmallDisk, unmountSmallDisk } from "./monitoring-faults";

const SITES = ["produktor", "pro-dukt", "moda1"] as const;
/** The issue's bound: an alert fires within 2 minutes of its fault and resolves within 2 minutes of the repair. */
const BOUND_MS = 120_000;
const RULES = "/etc/prometheus/rules/matrix-fleet.yml";
const timings: string[] = [];

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The fault's alert, firing and resolved, read back from the room; the times measured from fault and repair. */
async function faultRaisesAndResolves(
  fleet: LabFleet,
  reader: AlertRoomReader,
  f: MonitoringFault,
): Promise<void> {
  const injected = Date.now();
  // The repair starts when the check returns (the fault's `during` then undoes it).
  let repaired = 0;
  const firing = await f.during(fleet, async () => {
    if (f.deliveredAfterRepair) {
      // The room's homeserver is the fault: Prometheus must have fired it in time; the bot posts it after.
      const labels = Object.entries(f.labels)
        .map(([key, value]) => `,${key}="${value}"`)
        .join("");
      await untilSeries(f.stack, `ALERTS{alertname="${f.alertname}",alertstate="firing"${labels}}`, BOUND_MS);
      repaired = Date.now();
      return undefined;
    }
    const seen = await reader.await("firing", f.alertname, f.labels, injected, BOUND_MS, injected);
    repaired = Date.now();
    return seen;
  });
  const fired = firing ?? (await reader.await("firing", f.alertname, f.labels, injected, BOUND_MS, repaired));
  assert.ok(
    fired.startsAt - injected <= BOUND_MS,
    `${f.name}: fired ${seconds(fired.startsAt - injected)} after the fault`,
  );
  assert.match(fired.body, f.says, `${f.name}: what the alert says`);
  const resolved = await reader.await("resolved", f.alertname, f.labels, injected, BOUND_MS, repaired);
  const firedAfter = f.deliveredAfterRepair ? fired.startsAt - injected : fired.postedAt - injected;
  timings.push(
    `${f.stack.padEnd(9)} ${f.name}: ${f.alertname} fired ${seconds(firedAfter)} after the fault` +
      `${f.deliveredAfterRepair ? ` (posted ${seconds(fired.postedAt - repaired)} after the repair began)` : ""}, ` +
      `resolved ${seconds(resolved.postedAt - repaired)} after the repair began`,
  );
}

/** Each site's rule file without the rules its faults need, loaded by SIGHUP; and back. */
function rulesWithout(fleet: LabFleet, stack: string, alerts: readonly string[] | undefined): void {
  const container = `matrix-${stack}-prometheus`;
  const site = fleet.site(stack);
  const deployed = fleet.rendered(stack, "monitoring/alert-rules.yml");
  const rules = yaml.load(deployed) as { groups: Array<{ rules: Array<{ alert: string }> }> };
  for (const group of rules.groups)
    group.rules = group.rules.filter((r) => !(alerts ?? []).includes(r.alert));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rules-"));
  try {
    fs.writeFileSync(path.join(dir, "rules.yml"), alerts === undefined ? deployed : yaml.dump(rules), {
      mode: 0o644,
    });
    docker(site, ["cp", path.join(dir, "rules.yml"), `${container}:${RULES}`]);
    docker(site, ["kill", "--signal", "HUP", container]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function monitoringScenarios(current: () => LabFleet): void {
  describe("the organisations' own monitoring (issue #27)", () => {
    const readers = new Map<string, AlertRoomReader>();
    before(async () => {
      for (const stack of SITES) readers.set(stack, await AlertRoomReader.join(current(), stack));
      await mountSmallDisk(current(), "produktor");
    });
    after(() => {
      unmountSmallDisk(current(), "produktor");
      console.log(["monitoring: alert times measured", ...timings].join("\n  "));
    });

    it("Prometheus answers on the Docker host's loopback only, and every target it scrapes is up", async () => {
      const fleet = current();
      for (const stack of SITES) {
        const site = fleet.site(stack);
        run("ip", [
          "netns",
          "exec",
          site.namespace,
          "curl",
          "-fsS",
          "--max-time",
          "5",
          "http://127.0.0.1:9090/-/ready",
        ]);
        for (const address of [site.wan, site.dockerLan]) {
          const outside = run("bash", [
            "-c",
            `curl -s -o /dev/null -w '%{http_code}' --max-time 3 http://${address}:9090/-/ready || true`,
          ]);
          assert.equal(outside, "000", `${stack}: Prometheus answers at ${address}`);
        }
        await untilSeries(stack, "count(up == 1) == count(up)", 60_000);
        const jobs = prometheusQuery(stack, "up")
          .map((s) => s.metric.job)
          .sort();
        const expected = [
          "alert-bot",
          "alertmanager",
          "call-probe",
          "node",
          "postgres",
          "prometheus",
          "synapse",
        ];
        if (stack !== "moda1") expected.push("livekit");
        assert.deepEqual(
          jobs,
          expected.sort(),
          `${stack}: scrape jobs (no coturn: Debian's coturn has no exporter)`,
        );
        await untilSeries(
          stack,
          'matrix_fleet_probe_check_success{check="TURN allocation over UDP"} == 1',
          60_000,
        );
      }
    });

    describe(
      "five real faults at once: each alert in its Matrix room within 2 min, resolved within 2 min of the repair",
      { concurrency: true },
      () => {
        for (const f of MONITORING_FAULTS) {
          it(`${f.stack}: ${f.name} → ${f.alertname}`, { timeout: 420_000 }, async () => {
            await faultRaisesAndResolves(current(), readers.get(f.stack)!, f);
          });
        }
      },
    );

    describe(
      "the same faults with their rules taken out: no alert within 2 min, while Prometheus shows each fault",
      {
        concurrency: true,
        skip:
          process.env.LAB_MONITORING_RULES_REMOVED === "1"
            ? false
            : "shown on demand: LAB_MONITORING_RULES_REMOVED=1 LAB_TEST_PATTERN='own monitoring' bash lab/deploy/run.sh",
      },
      () => {
        const removed = new Map<string, string[]>();
        for (const f of MONITORING_FAULTS)
          removed.set(f.stack, [...(removed.get(f.stack) ?? []), f.alertname]);
        before(() => {
          for (const [stack, alerts] of removed) rulesWithout(current(), stack, alerts);
        });
        after(() => {
          for (const stack of removed.keys()) rulesWithout(current(), stack, undefined);
        });
        for (const f of MONITORING_FAULTS) {
          it(`${f.stack}: ${f.name} without the ${f.alertname} rule`, { timeout: 420_000 }, async () => {
            const injected = Date.now();
            await f.during(current(), async () => {
              await untilSeries(f.stack, f.evidence, BOUND_MS);
              const left = BOUND_MS - (Date.now() - injected);
              await assert.rejects(
                readers
                  .get(f.stack)!
                  .await("firing", f.alertname, f.labels, injected, Math.max(left, 0), Date.now()),
                /no firing/,
              );
            });
            if (f.deliveredAfterRepair) {
              // Whatever the bot held while its homeserver was down is posted once its queue is empty again.
              await untilSeries(f.stack, "matrix_fleet_alert_bot_queue_length == 0", BOUND_MS);
              await assert.rejects(
                readers.get(f.stack)!.await("firing", f.alertname, f.labels, injected, 0),
                /no firing/,
                "nothing was held for after the repair either",
              );
            }
          });
        }
      },
    );
  });
}
