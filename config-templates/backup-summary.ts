import { isPlainObject } from "../config/merge";
import { MEDIA_DIRS_BACKED_UP, ONE_TIME_KEYS_TABLE } from "../facts/backup";
import { backupMounts, repositoryLabel } from "../model/backup-layout";
import { StackPlan } from "./plan";

/**
 * summary.md's "Backups" section: where the backups go, how often, what they keep and hold, how to read them and
 * restore; and how far Synapse's media cache may grow (read from the rendered homeserver.yaml, overrides merged).
 */
export function backupSummarySection(plan: StackPlan): string[] {
  const { org } = plan;
  const backup = org.backup;
  const lines = ["## Backups", ""];
  if (!backup.enabled) {
    lines.push(
      "**Off** (`backup.enabled: false`): matrix-fleet backs up nothing of this organisation.",
      "",
      ...mediaRetentionLines(plan),
    );
    return lines;
  }
  const schedule =
    backup.schedule.kind === "daily"
      ? `daily at ${String(backup.schedule.hour).padStart(2, "0")}:${String(backup.schedule.minute).padStart(2, "0")} UTC`
      : `every ${backup.schedule.seconds} s`;
  const kept = Object.entries(backup.retention)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(", ");
  const onHost = backup.repository.kind !== "remote";
  const jitsi = backupMounts(org).some((m) => m.store === "jitsiProsody");
  lines.push(
    `- **When:** ${schedule} (\`backup.schedule\`), and at start when the last backup is older than that; \`./fleet backup --stack ${org.stack}\` takes one now.`,
    `- **Where:** ${repositoryLabel(org)}, with restic (\`${org.images.backup}\`): encrypted, deduplicated, incremental.` +
      (onHost
        ? " **It is on the Docker host: a lost disk takes it along.** Copy it off the host, or set `backup.repository` to an off-host location (sftp:, rest:, s3:)."
        : ""),
    `- **Kept:** ${kept} (\`backup.retention\`).`,
    `- **What:** the database (\`pg_dump -Fd -Z0\`, a file per table, by a job container of the server's own image \`${org.images.postgres}\`, without the data of \`${ONE_TIME_KEYS_TABLE}\`), the signing key \`${org.adoption.signingKeyPath}\`, ${MEDIA_DIRS_BACKED_UP.map((d) => `\`${d}\``).join(" and ")} of \`${org.adoption.mediaStorePath}\` (not the remote media cache), \`homeserver.yaml\` and \`log.config\`${jitsi ? ", the Jitsi prosody data and transcripts" : ""}; a manifest with the sha256 of every file.`,
    `- **Password:** \`pulumi stack output --stack ${org.stack} --show-secrets backupPassword\`. **Without it the backups cannot be read.** Keep it, the Pulumi state and the state's passphrase off the Docker host.`,
    `- **Checked:** \`verify\` fails when the last successful backup is older than ${backup.maxAge} (\`backup.maxAge\`) or the last run failed.`,
    `- **Restore** (onto this stack's Docker host, e.g. a new one): \`pulumi up --refresh --stack ${org.stack}\`, then \`./fleet restore --stack ${org.stack}\` (docs/backups.md).`,
    "",
    ...mediaRetentionLines(plan),
  );
  return lines;
}

function mediaRetentionLines(plan: StackPlan): string[] {
  const retention = plan.synapse.homeserver.media_retention;
  const remote = isPlainObject(retention) ? retention.remote_media_lifetime : undefined;
  const local = isPlainObject(retention) ? retention.local_media_lifetime : undefined;
  return [
    remote === undefined || remote === null
      ? "Media cache: **unbounded**: cached remote media is never purged (no `media_retention.remote_media_lifetime`)."
      : `Media cache: remote media unused for ${String(remote)} is purged (\`media_retention.remote_media_lifetime\`, \`synapse.remoteMediaLifetime\`); local media is ${local === undefined || local === null ? "kept" : `purged after ${String(local)} unused`}.`,
    "",
  ];
}
