/**
 * The backup benchmark (`BENCH=backup ./fleet bench`): in the Docker lab, pro-dukt (with produktor as its federation
 * peer) seeded with the restore drill's data, then backed up twice and restored; then 1 GiB of media added (random
 * bytes: nothing deduplicates or compresses away) and the same again; then the drill's host loss, `pulumi up
 * --refresh` and the restore (the RTO). Targets (issue #25, 2 cores): a 1 GiB backup under 5 minutes, the drill's
 * restore under 10 minutes, a second backup under 10 % of the first. Prints figures; asserts nothing.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { takeBackup } from "../../cli/backup-host";
import { restoreStack } from "../../cli/restore-run";
import { seedOrganisation } from "../scenarios/backup-drill-data";
import { drillOrg } from "../scenarios/backup-drill";
import { registerWithSharedSecret } from "../matrix-client";
import { LabFleet } from "./fleet";
import { BACKUP_DRILL_STACK, docker, labMountNamespace } from "./sites";

const STACK = BACKUP_DRILL_STACK;
const MEDIA_MIB = Number(process.env.BENCH_MEDIA_MIB ?? "1024");
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mib = (bytes: number) => `${(bytes / (1 << 20)).toFixed(1)} MiB`;

async function time<T>(run: () => Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const result = await run();
  return [result, Date.now() - started];
}

/** Two backups and a restore onto the same host (database and files replaced); one table row each. */
async function round(fleet: LabFleet, label: string, rows: string[]): Promise<void> {
  const org = drillOrg(fleet);
  const [first, firstMs] = await time(() => takeBackup(org));
  if (first.outcome !== "success") throw new Error(`${label}: backup failed: ${first.error}`);
  const [second, secondMs] = await time(() => takeBackup(org));
  if (second.outcome !== "success") throw new Error(`${label}: second backup failed: ${second.error}`);
  const [, restoreMs] = await time(() => restoreStack(org, { replaceDatabase: true, replaceFiles: true }));
  const ratio = (second.dataAdded ?? 0) / (first.dataAdded ?? 1);
  rows.push(
    `  ${label.padEnd(28)} ${mib(first.totalBytes ?? 0).padStart(11)}  backup ${seconds(firstMs).padStart(7)}` +
      `  (added ${mib(first.dataAdded ?? 0)})  second ${seconds(secondMs).padStart(6)} (added ${mib(second.dataAdded ?? 0)}, ${(ratio * 100).toFixed(2)} %)` +
      `  restore ${seconds(restoreMs).padStart(7)}`,
  );
  console.error(rows.at(-1));
}

async function main(): Promise<void> {
  const fleet = await LabFleet.create(path.join(process.env.LAB_DIR ?? ".lab/deploy", "bench-backup"), [
    "produktor",
    STACK,
  ]);
  const rows: string[] = [];
  try {
    for (const stack of ["produktor", STACK]) {
      const up = await fleet.up(stack);
      if (up.code !== 0) throw new Error(`${stack} up failed:\n${LabFleet.failure(up)}`);
    }
    const peerOrg = drillOrg(fleet, "produktor");
    const peerHs = `https://${peerOrg.hosts.homeserver}`;
    const peer = await registerWithSharedSecret(
      peerHs,
      String(fleet.homeserver("produktor").registration_shared_secret),
      "bench-peer",
      "bench-peer-password",
      false,
    );
    const org = drillOrg(fleet);
    await seedOrganisation({
      baseUrl: `https://${org.hosts.homeserver}`,
      direct: `http://${fleet.site(STACK).dockerLan}:8008`,
      secret: String(fleet.homeserver(STACK).registration_shared_secret),
      peer: { ...peer, baseUrl: peerHs },
      peerServer: peerOrg.serverName,
    });
    await round(fleet, "the drill's organisation", rows);
    // 1 GiB of media files (as if uploaded: in local_content, owned by Synapse's user), in 16 MiB files.
    const files = Math.ceil(MEDIA_MIB / 16);
    docker(fleet.site(STACK), [
      "exec",
      `matrix-${STACK}-backup`,
      "sh",
      "-c",
      `mkdir -p /stores/synapseMedia/local_content/be/nc && i=0; while [ $i -lt ${files} ]; do head -c 16777216 /dev/urandom > /stores/synapseMedia/local_content/be/nc/bench$i; i=$((i+1)); done; chown -R 991:991 /stores/synapseMedia/local_content/be`,
    ]);
    await round(fleet, `with ${MEDIA_MIB} MiB more media`, rows);
    const lost = spawnSync("nsenter", [
      `--mount=${labMountNamespace()}`,
      "bash",
      path.join(__dirname, "engines.sh"),
      "lose",
      STACK,
    ]);
    if (lost.status !== 0) throw new Error(`engines.sh lose failed: ${lost.stderr}`);
    const [up, upMs] = await time(() => fleet.up(STACK, { refresh: true }));
    if (up.code !== 0) throw new Error(`up --refresh failed:\n${LabFleet.failure(up)}`);
    const [, restoreMs] = await time(() => restoreStack(org));
    rows.push(
      `  host lost (with the media):   pulumi up --refresh ${seconds(upMs)}, restore ${seconds(restoreMs)}: RTO ${seconds(upMs + restoreMs)}`,
    );
  } finally {
    await fleet.stop();
  }
  console.log(`\nmatrix-fleet benchmark: backups of ${STACK} in the Docker lab (restic 0.14, 2 cores)`);
  for (const row of rows) console.log(row);
  console.log(
    "  targets: a 1 GiB backup under 5 min, the drill's restore under 10 min, a second backup under 10 % of the first",
  );
}

void main().catch((error: Error) => {
  console.error(`backup benchmark: ${error.message}`);
  process.exitCode = 1;
});
