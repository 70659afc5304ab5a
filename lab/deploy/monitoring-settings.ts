/**
 * The lab's monitoring settings (issue #27), set on every lab stack with `pulumi config set --path`: intervals in
 * seconds so that the fault scenarios (lab/scenarios/monitoring.ts) see alerts fire and resolve within a minute,
 * no coturn exporter (Debian 12's coturn 4.6.1, which the lab image runs, is built without it), and the lab's
 * reader invited into the alert room.
 */
export const ALERT_READER = "lab-alerts";

export function labMonitoringSettings(serverName: string): Array<[key: string, value: string]> {
  return [
    ["monitoring.scrapeInterval", "5s"],
    ["monitoring.evaluationInterval", "5s"],
    ["monitoring.probe.interval", "15s"],
    ["monitoring.coturnExporter", "false"],
    // The alerts the faults raise: at the first evaluation that sees them (one failed probe run).
    ["monitoring.alertFor.ServiceDown", "10s"],
    ["monitoring.alertFor.CallProbeCheckFailing", "0s"],
    ["monitoring.alertFor.DiskAlmostFull", "10s"],
    ["monitoring.alerts.groupWait", "1s"],
    ["monitoring.alerts.groupInterval", "5s"],
    ["monitoring.alerts.invite[0]", `@${ALERT_READER}:${serverName}`],
  ];
}
