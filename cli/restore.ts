import { formatResults, verifyStack } from "../verify/verify";
import { targetOfStack } from "./verify-target-of";
import { UsageError, parseArgs, runCli } from "./args";
import { loadStack } from "./backup";
import { BackupError } from "./backup-host";
import { restoreStack } from "./restore-run";

const USAGE = `usage: ./fleet restore --stack <name> [--snapshot <id>] [--replace-database] [--replace-files]
                       [--without-signing-key] [--project-dir <dir>]

Brings the organisation back from a backup onto the Docker host its stack points at (docker.host). Deploy the stack
there first: on a new host, pulumi up --refresh --stack <name>. Then the newest snapshot (or --snapshot) is checked
and restored: the database recreated (UTF8, C locale, template0) and the dump restored without one-time keys, the
signing key, the local media and the Jitsi stores put back and checked against the snapshot's sha256 sums; Synapse
is started, waited for until healthy, and verify runs. When Synapse's container runs another image than the stack's
images.synapse (a rollback to an older image, docs/upgrades.md), Synapse stays stopped: pulumi up starts that image.
Nothing that holds data is replaced without its flag: --replace-database for a database with users, rooms or events,
--replace-files for local media (and a signing key that signed them). A database and a signing key that only
Synapse's first start on this host made hold nothing and are replaced, said so.
Exit 0: restored and verify passed; 1: refused or failed (nothing changed when refused); 3: restored, verify failed;
4: restored, Synapse left stopped for pulumi up.`;

/** The options this tool parses (the handbook's command check reads them). */
export const OPTIONS = {
  stack: "value",
  snapshot: "value",
  "replace-database": "flag",
  "replace-files": "flag",
  "without-signing-key": "flag",
  "project-dir": "value",
  help: "flag",
} as const;

async function main(argv: readonly string[]): Promise<number> {
  const { values, flags } = parseArgs(argv, OPTIONS);
  if (flags.has("help")) {
    console.log(USAGE);
    return 0;
  }
  if (values.stack === undefined) throw new UsageError("--stack is required");
  const org = loadStack(values.stack, values["project-dir"]);
  try {
    const report = await restoreStack(org, {
      snapshot: values.snapshot,
      replaceDatabase: flags.has("replace-database"),
      replaceFiles: flags.has("replace-files"),
      withoutSigningKey: flags.has("without-signing-key"),
      log: (line) => console.error(line),
    });
    for (const note of report.notes) console.log(`  ${note}`);
    if (report.synapseLeftStopped !== undefined) {
      console.log(
        `restore ${org.stack}: snapshot ${report.snapshot.slice(0, 8)} restored (${report.files} files checked), Synapse left stopped; next: pulumi up --stack ${org.stack} (starts ${report.synapseLeftStopped.configured}), then npm run verify -- --stack ${org.stack}`,
      );
      return 4;
    }
    console.log(
      `restore ${org.stack}: snapshot ${report.snapshot.slice(0, 8)} restored (${report.files} files checked), Synapse healthy, signing key ${report.servedKeyIds.join(", ")}; ${report.seconds.total} s (${Object.entries(
        report.seconds,
      )
        .filter(([step]) => step !== "total")
        .map(([step, s]) => `${step} ${s} s`)
        .join(", ")})`,
    );
    const results = await verifyStack(targetOfStack(org), {});
    process.stdout.write(formatResults(org.stack, results));
    return results.some((r) => r.outcome === "fail") ? 3 : 0;
  } catch (error) {
    if (!(error instanceof BackupError)) throw error;
    console.error(`restore ${org.stack}: ${error.message}`);
    return 1;
  }
}

if (require.main === module) runCli("restore", USAGE, () => main(process.argv.slice(2)));
