import { OrgConfig } from "../config/model";
import { repositoryLabel } from "./backup-layout";
import { dockerName, homeserverBaseUrl } from "./topology";

/** What operators get from `pulumi stack output`: where each service answers, and how to create the first admin. */
export function publicUrls(org: OrgConfig): Record<string, string> {
  const c = org.components;
  const urls: Record<string, string> = {
    homeserver: homeserverBaseUrl(org),
    wellKnownServer: `https://${org.hosts.wellKnown}/.well-known/matrix/server`,
    wellKnownClient: `https://${org.hosts.wellKnown}/.well-known/matrix/client`,
  };
  if (c.elementWeb) urls.element = `https://${org.hosts.element}`;
  if (c.matrixRtc) {
    urls.livekitJwt = `https://${org.hosts.rtc}/livekit/jwt`;
    urls.livekitSfu = `wss://${org.hosts.rtc}/livekit/sfu`;
  }
  if (c.coturn) urls.turn = `turn:${org.hosts.turn}:${org.ports.turn}`;
  if (c.jitsi) urls.jitsi = `https://${org.hosts.jitsi}`;
  if (c.ketesa) urls.admin = `https://${org.hosts.admin}`;
  return urls;
}

/**
 * Synapse's own tool registers the first admin with the shared registration secret from homeserver.yaml, so the
 * secret never appears on a command line.
 */
export function firstAdminCommand(org: OrgConfig): string {
  const target = org.docker.host.startsWith("unix://") ? "" : ` -H ${org.docker.host}`;
  return (
    `docker${target} exec -it ${dockerName(org.stack, "synapse")} register_new_matrix_user ` +
    `-c /config/homeserver.yaml --admin http://localhost:${org.ports.synapse}`
  );
}

/** The `backup` stack output: where backups go and the commands an operator needs (never the password itself). */
export function backupOutputs(org: OrgConfig): Record<string, unknown> {
  const backup = org.backup;
  if (!backup.enabled) return { enabled: false };
  return {
    enabled: true,
    repository: repositoryLabel(org),
    schedule: backup.schedule.text,
    retention: Object.fromEntries(Object.entries(backup.retention).filter(([, count]) => count > 0)),
    maxAge: backup.maxAge,
    passwordCommand: `pulumi stack output --stack ${org.stack} --show-secrets backupPassword`,
    backupNow: `./fleet backup --stack ${org.stack}`,
    status: `./fleet backup --stack ${org.stack} --status`,
    restore: `./fleet restore --stack ${org.stack} [--snapshot <id>]`,
  };
}
