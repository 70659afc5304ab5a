/**
 * The lab's view of an organisation's monitoring (issue #27): a reader in its alert room, which reads back what the
 * alert bot posted (the structured `org.matrix-fleet.alert` of each notice), and queries of its Prometheus on the
 * Docker host's loopback, where an operator's SSH tunnel ends (`ip netns exec` into the site's namespace).
 */
import { randomBytes } from "node:crypto";
import { LabFleet } from "./deploy/fleet";
import { ALERT_READER } from "./deploy/monitoring-settings";
import { MatrixError, Session, get, post, registerWithSharedSecret } from "./matrix-client";
import { run, sleep } from "./processes";

export interface AlertNoticeSeen {
  readonly status: "firing" | "resolved";
  readonly alertname: string;
  readonly labels: Readonly<Record<string, string>>;
  /** When Prometheus says the alert fired (ms). */
  readonly startsAt: number;
  readonly body: string;
  /** When Synapse received the notice (origin_server_ts, ms). */
  readonly postedAt: number;
}

export class AlertRoomReader {
  private constructor(
    readonly stack: string,
    private readonly session: Session,
    readonly roomId: string,
  ) {}

  /** Registers the invited reader, then joins the bot's room once the invite is there (bounded). */
  static async join(fleet: LabFleet, stack: string, timeoutMs = 120_000): Promise<AlertRoomReader> {
    const site = fleet.site(stack);
    const baseUrl = `http://${site.dockerLan}:8008`;
    const secret = String(fleet.homeserver(stack).registration_shared_secret);
    const session = await registerWithSharedSecret(
      baseUrl,
      secret,
      ALERT_READER,
      randomBytes(12).toString("hex"),
      false,
    );
    const alias = encodeURIComponent(`#matrix-fleet-alerts:${site.serverName}`);
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      try {
        const { room_id } = (await get(session, `/_matrix/client/v3/directory/room/${alias}`)) as {
          room_id: string;
        };
        await post(session, `/_matrix/client/v3/join/${encodeURIComponent(room_id)}`);
        return new AlertRoomReader(stack, session, room_id);
      } catch (error) {
        // No room yet, or no invite yet (the bot invites again every 15 s until the user exists).
        last = error instanceof MatrixError ? `HTTP ${error.status}` : (error as Error).message;
      }
      await sleep(2000);
    }
    throw new Error(`${stack}: no invite into the alert room within ${timeoutMs / 1000} s (last: ${last})`);
  }

  /** Every alert notice in the room, oldest first; [] while Synapse does not answer. */
  async notices(): Promise<AlertNoticeSeen[]> {
    try {
      const page = (await get(
        this.session,
        `/_matrix/client/v3/rooms/${encodeURIComponent(this.roomId)}/messages?dir=b&limit=500`,
      )) as { chunk?: Array<{ type: string; origin_server_ts: number; content: Record<string, unknown> }> };
      return (page.chunk ?? [])
        .filter((e) => e.type === "m.room.message" && e.content["org.matrix-fleet.alert"] !== undefined)
        .map((e) => {
          const alert = e.content["org.matrix-fleet.alert"] as {
            status: "firing" | "resolved";
            alertname: string;
            labels: Record<string, string>;
            startsAt: string;
          };
          return {
            status: alert.status,
            alertname: alert.alertname,
            labels: alert.labels,
            startsAt: Date.parse(alert.startsAt),
            body: String(e.content.body),
            postedAt: e.origin_server_ts,
          };
        })
        .reverse();
    } catch {
      return [];
    }
  }

  /**
   * The first notice of `status` for an alert with these labels that fired at or after `since`, waited for up to
   * `boundMs` from `from`; throws naming what was looked for and what the room holds.
   */
  async await(
    status: "firing" | "resolved",
    alertname: string,
    labels: Readonly<Record<string, string>>,
    since: number,
    boundMs: number,
    from = Date.now(),
  ): Promise<AlertNoticeSeen> {
    const matches = (n: AlertNoticeSeen) =>
      n.status === status &&
      n.alertname === alertname &&
      n.startsAt >= since - 1000 &&
      Object.entries(labels).every(([key, value]) => n.labels[key] === value);
    let seen: AlertNoticeSeen[];
    // At least one look, also with no time left.
    do {
      seen = await this.notices();
      const found = seen.find(matches);
      if (found !== undefined) return found;
      if (Date.now() - from < boundMs) await sleep(2000);
    } while (Date.now() - from < boundMs);
    throw new Error(
      `${this.stack}: no ${status} ${alertname} ${JSON.stringify(labels)} in the alert room within ${boundMs / 1000} s; the room holds:\n` +
        seen
          .filter((n) => n.startsAt >= since - 1000)
          .map((n) => `  ${n.body.split("\n")[0]} ${JSON.stringify(n.labels)}`)
          .join("\n"),
    );
  }
}

/** A PromQL query on the site's Prometheus, where the operator's tunnel ends: the series it returns. */
export function prometheusQuery(
  stack: string,
  query: string,
): Array<{ metric: Record<string, string>; value: [number, string] }> {
  const url = `http://127.0.0.1:9090/api/v1/query?query=${encodeURIComponent(query)}`;
  const answer = JSON.parse(
    run("ip", ["netns", "exec", `mfd-${stack}`, "curl", "-sS", "--max-time", "10", url]),
  ) as {
    status: string;
    data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  if (answer.status !== "success") throw new Error(`Prometheus of ${stack}: ${JSON.stringify(answer)}`);
  return answer.data.result;
}

/** Polls a PromQL query until it returns a series (bounded). */
export async function untilSeries(stack: string, query: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (prometheusQuery(stack, query).length > 0) return;
    await sleep(2000);
  }
  throw new Error(`${stack}: Prometheus returned nothing for ${query} within ${timeoutMs / 1000} s`);
}
