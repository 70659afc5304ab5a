import * as fs from "node:fs";
import * as http from "node:http";
import type { CallProbeConfig } from "../config-templates/call-probe";
import type { BackupReader, BackupStatus } from "../verify/backup-status";
import { CallProbe, runSummary } from "./call-probe";
import { TEXT_FORMAT } from "./metrics-text";

/**
 * The call probe's container program: `node call-probe.js <call-probe.json>`, its Matrix password in
 * MATRIX_PASSWORD. Serves /metrics (Prometheus scrapes it) and /health, and runs until stopped.
 */
function main(): void {
  const file = process.argv[2];
  const password = process.env.MATRIX_PASSWORD;
  if (file === undefined || password === undefined || password === "") {
    console.error("usage: MATRIX_PASSWORD=... node call-probe.js <call-probe.json>");
    process.exit(2);
  }
  const config = JSON.parse(fs.readFileSync(file, "utf8")) as CallProbeConfig;
  const probe = new CallProbe(config, { password, backupReader: statusFileReader(config.backupStatusFile) });
  const server = http.createServer((request, response) => {
    if (request.url === "/metrics") {
      response.writeHead(200, { "Content-Type": TEXT_FORMAT }).end(probe.metrics());
    } else if (request.url === "/health") {
      response.writeHead(200, { "Content-Type": "text/plain" }).end("ok\n");
    } else {
      response.writeHead(404).end();
    }
  });
  server.listen(config.listenPort, () => {
    console.log(
      `call-probe: checking ${config.target.serverName} every ${config.intervalSeconds} s as ${config.user}; metrics on :${config.listenPort}/metrics`,
    );
    probe.start((run) => console.log(runSummary(run)));
  });
  const stop = () => {
    probe.stop();
    server.close(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

/**
 * The backups check's reader inside the probe: the backup's status file on its work volume (mounted read-only),
 * absent before the first backup. The probe cannot ask Docker when the backup container started, so a missing file
 * counts from the probe's own start (both start in the same `pulumi up`).
 */
function statusFileReader(file: string | undefined): BackupReader | undefined {
  if (file === undefined) return undefined;
  const startedEpoch = Math.floor(Date.now() / 1000);
  return async () => {
    const text = await fs.promises.readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return "";
      throw new Error(`cannot read ${file}: ${error.message}`);
    });
    return { status: text === "" ? undefined : (JSON.parse(text) as BackupStatus), startedEpoch };
  };
}

main();
