/**
 * The Docker lab's scenarios, in one process because they share one deployed fleet: deploy it with the real
 * `pulumi up` (lab/scenarios/deploy.ts; pro-dukt with the previous release set, then upgraded by
 * lab/scenarios/upgrade.ts), run the call scenarios against it (lab/scenarios/calls.ts, the same ones
 * the process lab runs; strict-network.ts, shared-office.ts and the issue #29 scenarios, which need the Docker
 * lab's namespaces; the real browser's calls, browser-calls.ts; the capacity
 * benchmark's smoke, capacity.ts), raise the monitoring's alerts with real faults
 * (lab/scenarios/monitoring.ts), take medex
 * over from Docker Compose (lab/scenarios/cutover.ts: configured in the fleet, deployed only by its cut-over), move
 * moda1 to a new PostgreSQL major (postgres-major.ts), run the restore drill and its faults (lab/scenarios/backups.ts:
 * pro-dukt, upgraded by then, loses its Docker host and comes back from its backup), then break and destroy the
 * fleet (lifecycle). Run by lab/deploy/run.sh in the hub namespace.
 */
import * as path from "node:path";
import { after, before } from "node:test";
import { callScenarios } from "../scenarios/calls";
import { rtcBehindNatScenarios } from "../scenarios/rtc-behind-nat";
import { sharedOfficeScenarios } from "../scenarios/shared-office";
import { siteLanScenarios } from "../scenarios/site-lan";
import { port443Scenarios } from "../scenarios/port-443";
import { peerCallScenarios } from "../scenarios/peer-calls";
import { callRightsScenarios } from "../scenarios/call-rights";
import { signallingAndTlsScenarios } from "../scenarios/signalling-and-tls";
import { strictNetworkScenarios } from "../scenarios/strict-network";
import { monitoringScenarios } from "../scenarios/monitoring";
import { browserCallScenarios } from "../scenarios/browser-calls";
import { cutoverScenarios } from "../scenarios/cutover";
import { delegatedLeaveScenarios } from "../scenarios/delegated-leave";
import { configurePreviousRelease, upgradeScenarios } from "../scenarios/upgrade";
import { postgresMajorScenarios } from "../scenarios/postgres-major";
import { backupScenarios } from "../scenarios/backups";
import { capacityScenarios } from "../scenarios/capacity";
import { DEPLOYED_STACKS, deployScenarios, lifecycleScenarios } from "../scenarios/deploy";
import { lazyTarget } from "../target";
import { LabFleet } from "./fleet";

let fleet: LabFleet | undefined;
const current = () => {
  if (fleet === undefined) throw new Error("the lab fleet was not created");
  return fleet;
};
before(async () => {
  fleet = await LabFleet.create(path.join(process.env.LAB_DIR ?? ".lab/deploy", "fleet"), [
    ...DEPLOYED_STACKS,
    "medex",
  ]);
  // pro-dukt is deployed with the previous release set, then upgraded (lab/scenarios/upgrade.ts).
  await configurePreviousRelease(fleet);
});
after(async () => fleet?.stop());

deployScenarios(current);
upgradeScenarios(
  current,
  lazyTarget(() => current().target()),
);
callScenarios(lazyTarget(() => current().target()));
rtcBehindNatScenarios(current);
strictNetworkScenarios(current);
sharedOfficeScenarios(current);
capacityScenarios(current);
// Issue #29: the site's LAN, networks that pass only 443, peers' users, members' rights, signalling and TLS.
siteLanScenarios(current);
port443Scenarios(current);
peerCallScenarios(current);
callRightsScenarios(current);
signallingAndTlsScenarios(current);
browserCallScenarios(current);
delegatedLeaveScenarios(current);
monitoringScenarios(current);
cutoverScenarios(current);
postgresMajorScenarios(current);
// After the upgrade: pro-dukt runs the current release set when the drill takes its Docker host away.
backupScenarios(current);
lifecycleScenarios();
