/**
 * What Alertmanager 0.25 posts to a webhook (notify/webhook/webhook.go `Message`, template/template.go `Data` and
 * `Alert`: version "4"), and the Matrix message the alert bot writes for each alert in it: firing or resolved, the
 * organisation, the alert's summary and description (for a failing probe check: the check and its cause as verify
 * words them), when it started, its runbook link. The structured copy under `org.matrix-fleet.alert` lets a
 * client (the lab's) read it back without parsing text.
 */
export interface WebhookAlert {
  readonly status: "firing" | "resolved";
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly fingerprint: string;
}

export interface WebhookMessage {
  readonly version: string;
  readonly status: string;
  readonly alerts: readonly WebhookAlert[];
}

export interface AlertNotice {
  readonly msgtype: "m.notice";
  readonly body: string;
  readonly format: "org.matrix.custom.html";
  readonly formatted_body: string;
  readonly "org.matrix-fleet.alert": {
    readonly status: "firing" | "resolved";
    readonly alertname: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly startsAt: string;
    readonly endsAt: string;
    readonly fingerprint: string;
  };
}

/** Reads a webhook body; throws on anything that is not Alertmanager's version 4 message. */
export function parseWebhook(text: string): WebhookMessage {
  const body = JSON.parse(text) as Partial<WebhookMessage>;
  if (body.version !== "4" || !Array.isArray(body.alerts))
    throw new Error(`not an Alertmanager webhook message (version ${JSON.stringify(body.version)})`);
  return body as WebhookMessage;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** `2026-12-07 10:00:05 UTC` from Alertmanager's RFC 3339 time; Go's zero time means "not yet". */
function when(time: string): string | undefined {
  const date = new Date(time);
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1000) return undefined;
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

export function alertNotice(alert: WebhookAlert): AlertNotice {
  const name = alert.labels.alertname ?? "alert";
  const stack = alert.labels.stack === undefined ? "" : `[${alert.labels.stack}] `;
  const firing = alert.status === "firing";
  const head =
    `${firing ? "🔥 FIRING" : "✅ RESOLVED"} ${stack}${name}: ${alert.annotations.summary ?? ""}`.trim();
  const since = when(alert.startsAt);
  const until = firing ? undefined : when(alert.endsAt);
  const facts = [
    since && `since ${since}`,
    until && `resolved ${until}`,
    alert.labels.severity && `severity ${alert.labels.severity}`,
  ].filter(Boolean);
  const runbook = alert.annotations.runbook_url;
  const description = firing ? (alert.annotations.description ?? "") : "";
  const lines = [head, description, facts.join(" · "), runbook && `runbook: ${runbook}`].filter((l) => !!l);
  const html = [
    `<b>${escapeHtml(head)}</b>`,
    description && escapeHtml(description),
    escapeHtml(facts.join(" · ")),
    runbook && `runbook: <a href="${escapeHtml(runbook)}">${escapeHtml(runbook)}</a>`,
  ].filter((l) => !!l);
  return {
    msgtype: "m.notice",
    body: lines.join("\n"),
    format: "org.matrix.custom.html",
    formatted_body: html.join("<br>"),
    "org.matrix-fleet.alert": {
      status: alert.status,
      alertname: name,
      labels: alert.labels,
      startsAt: alert.startsAt,
      endsAt: alert.endsAt,
      fingerprint: alert.fingerprint,
    },
  };
}
