/**
 * The settings the Docker lab gives a stack through `pulumi config set` on the workspace's copy of its file: the
 * site's addresses, Docker engine, NPM double, lab images and TLS files, the monitoring's lab intervals
 * (monitoring-settings.ts), and what the lab's network asks of it.
 */
import { OrgConfig } from "../../config/model";
import { labMonitoringSettings } from "./monitoring-settings";
import { Site, TURN_443_STACKS, labImages } from "./sites";

/**
 * Synapse's pause between two batches of a background update (`background_updates.sleep_duration_ms`, 1000 ms by
 * default), shortened in the lab like its other intervals: a new database queues some 50 updates that finish in one
 * batch each, so every deployment onto an empty database (the first ups, the program regressions, a cut-over that
 * leaves the store out, the drill's new host) waited a second per update in the upgrade gate. The upgrade scenario
 * slows the pacing for its own proof that the gate waits, and puts this back afterwards.
 */
export const LAB_BACKGROUND_UPDATE_PACING: ReadonlyArray<[string, string]> = [
  ["overrides.synapse.background_updates.sleep_duration_ms", "50"],
];

export function labSettings(
  org: OrgConfig,
  target: Site,
  npmUrl: string,
  tls: { cert: string; key: string },
): Array<[string, string]> {
  const settings: Array<[string, string]> = [
    ["docker.host", target.dockerHost],
    ["network.publicIp", target.wan],
    ["network.lanIp", target.dockerLan],
    ["proxy.npmUrl", npmUrl],
    ["proxy.lanIp", target.proxyLan],
    // Synapse refuses to reach special-purpose ranges by default; the lab's internet is one (RFC 2544).
    ["overrides.synapse.ip_range_whitelist[0]", "198.18.0.0/15"],
    // Every lab client reaches Synapse from a few addresses: the scenarios must not depend on the number or
    // order of their logins (Synapse's default answered 429 on the sixth).
    ...["address", "account", "failed_attempts"].flatMap((bucket): Array<[string, string]> => [
      [`overrides.synapse.rc_login.${bucket}.per_second`, "1000"],
      [`overrides.synapse.rc_login.${bucket}.burst_count`, "1000"],
    ]),
    ...LAB_BACKGROUND_UPDATE_PACING,
    ...Object.entries(labImages()).map(([key, image]): [string, string] => [`images.${key}`, image]),
    ...labMonitoringSettings(org.serverName),
  ];
  // Every lab stack is behind a router (issue #29): the lab's routers loop back unless a scenario switches it off;
  // a stack that says nothing about its LAN (moda1) is told so.
  if (org.network.lanAccess === undefined) settings.push(["network.lanAccess", "loopback"]);
  // TURN on 443 of the site's second WAN address, over TLS (sites.ts, network.sh).
  const on443 = TURN_443_STACKS.includes(org.stack);
  if (on443) settings.push(["turn.tls", "true"], ["turn.port443Ip", target.turnWan]);
  // TURN over TLS needs tcp/5349 forwarded (preflight compares network.routerForwards); network.sh forwards it.
  const forwards = org.network.routerForwards;
  if (on443 && !forwards.some((f) => f.protocol === "tcp" && f.range.start <= 5349 && f.range.end >= 5349))
    settings.push([`network.routerForwards[${forwards.length}]`, "tcp/5349"]);
  if (org.turn.tls || on443) settings.push(["turn.certFile", tls.cert], ["turn.keyFile", tls.key]);
  return settings;
}
