import { createHash } from "node:crypto";
import { METRICS as M } from "../facts/monitoring";
import { AlertNotice, alertNotice, parseWebhook } from "./alert-messages";
import { MatrixRoom } from "./matrix-room";
import { exposition } from "./metrics-text";

/**
 * The alert bot: takes Alertmanager's webhook, answers at once, and posts each alert into the organisation's alert
 * room through a bounded queue. A message Synapse did not take (down, restarting) stays queued and is retried with
 * backoff, in order, until it is posted: when Synapse itself was down, its firing alert arrives with the resolved
 * one after the restart, each saying when it started. Its queue length is a metric (AlertDeliveryFailing).
 */
export interface QueuedNotice {
  readonly key: string;
  readonly notice: AlertNotice;
}

const QUEUE_LIMIT = 500;
const BACKOFF_MS = [1000, 2000, 5000, 10_000, 15_000];
/** How often the room and pending invites are tried again while no message waits. */
const SETUP_RETRY_MS = 15_000;

export class AlertBot {
  private readonly queue: QueuedNotice[] = [];
  private sent = 0;
  private failures = 0;
  private dropped = 0;
  private attempt = 0;
  private received = 0;
  private setupAttempts = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending = false;
  private stopped = false;

  private readonly backoffMs: readonly number[];
  private readonly setupRetryMs: number;

  constructor(
    private readonly room: MatrixRoom,
    options: { log?: (line: string) => void; backoffMs?: readonly number[]; setupRetryMs?: number } = {},
  ) {
    this.log = options.log ?? console.log;
    this.backoffMs = options.backoffMs ?? BACKOFF_MS;
    this.setupRetryMs = options.setupRetryMs ?? SETUP_RETRY_MS;
  }

  private readonly log: (line: string) => void;

  /** Queues every alert of a webhook body; throws (HTTP 400 to Alertmanager) on a body that is none. */
  receive(body: string): number {
    const message = parseWebhook(body);
    for (const alert of message.alerts) {
      const notice = alertNotice(alert);
      // One transaction ID per notification, kept across its retries (Synapse posts a retried one once); a
      // reminder Alertmanager repeats (repeat_interval) is a notification of its own.
      this.received++;
      const key = createHash("sha256")
        .update(`${alert.fingerprint}|${alert.status}|${alert.startsAt}|${this.received}`)
        .digest("hex")
        .slice(0, 24);
      if (this.queue.length >= QUEUE_LIMIT) {
        this.queue.shift();
        this.dropped++;
      }
      this.queue.push({ key, notice });
    }
    this.kick(0);
    return message.alerts.length;
  }

  /** Tries to post the queue now (and, while it is not empty, again later with backoff). */
  kick(delayMs: number): void {
    if (this.stopped || this.sending || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, delayMs);
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const next = this.queue[0]!;
        await this.room.send(next.notice, next.key);
        this.queue.shift();
        this.sent++;
        this.attempt = 0;
      }
      // The room made (or found) before any alert, and invitees who did not exist before invited.
      if (this.needsSetup) await this.room.ready();
    } catch (error) {
      this.failures++;
      if (/HTTP 40[34]/.test((error as Error).message) && !/M_UNKNOWN_TOKEN/.test((error as Error).message))
        this.room.forgetRoom();
      this.log(`alert-bot: ${this.queue.length} message(s) wait: ${(error as Error).message}`);
    } finally {
      this.sending = false;
    }
    if (this.queue.length > 0 || this.needsSetup) {
      const wait = this.backoffMs[Math.min(this.attempt, this.backoffMs.length - 1)]!;
      this.attempt++;
      // Setup only (no message waits): often at first, then every 5 minutes (an invitee that never exists).
      this.setupAttempts = this.queue.length > 0 ? 0 : this.setupAttempts + 1;
      this.kick(this.queue.length > 0 ? wait : this.setupAttempts > 20 ? 300_000 : this.setupRetryMs);
    }
  }

  private get needsSetup(): boolean {
    return this.room.room === undefined || this.room.pendingInvites.length > 0;
  }

  get queued(): number {
    return this.queue.length;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  metrics(): string {
    return exposition([
      {
        name: M.alertBotQueue,
        help: "Messages the alert bot holds because Synapse did not take them yet.",
        type: "gauge",
        samples: [{ value: this.queue.length }],
      },
      {
        name: M.alertBotSent,
        help: "Messages the alert bot posted to the alert room.",
        type: "counter",
        samples: [{ value: this.sent }],
      },
      {
        name: M.alertBotFailures,
        help: "Attempts to post that Synapse refused or did not answer.",
        type: "counter",
        samples: [{ value: this.failures }],
      },
      {
        name: "matrix_fleet_alert_bot_dropped_total",
        help: `Messages dropped because more than ${QUEUE_LIMIT} waited.`,
        type: "counter",
        samples: [{ value: this.dropped }],
      },
    ]);
  }
}
