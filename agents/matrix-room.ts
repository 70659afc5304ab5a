import { randomBytes } from "node:crypto";

/**
 * The alert bot's side of the Matrix client-server API (v3), on the organisation's own Synapse over the stack
 * network: password login on a fixed device (a restart reuses it instead of adding devices), the alert room found
 * by its alias or created with it (private, invite only, not federated, the listed users invited), invites repeated
 * until accepted or pending, and notices sent with a transaction ID of their own (a resend after a lost answer is
 * not posted twice). Every request is bounded; failures throw with Synapse's answer.
 */
export interface RoomSettings {
  readonly homeserver: string;
  readonly user: string;
  readonly password: string;
  readonly alias: string;
  readonly name: string;
  readonly invite: readonly string[];
  readonly timeoutMs?: number;
}

export class MatrixError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errcode: string | undefined,
  ) {
    super(message);
  }
}

const DEVICE = "MATRIX_FLEET_ALERT_BOT";

export class MatrixRoom {
  private token: string | undefined;
  private roomId: string | undefined;
  /** Invitees still to invite (not joined or invited yet, or the invite failed). */
  private pending: Set<string>;
  private readonly txnPrefix = randomBytes(6).toString("hex");

  constructor(
    private readonly settings: RoomSettings,
    private readonly fetcher: typeof fetch = fetch,
  ) {
    this.pending = new Set(settings.invite);
  }

  get room(): string | undefined {
    return this.roomId;
  }

  get pendingInvites(): readonly string[] {
    return [...this.pending];
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
    auth = true,
  ): Promise<Record<string, unknown>> {
    const response = await this.fetcher(`${this.settings.homeserver}/_matrix/client/v3${path}`, {
      method,
      headers: {
        "Content-Type": "application/json",
        ...(auth && this.token !== undefined ? { Authorization: `Bearer ${this.token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.settings.timeoutMs ?? 10_000),
    });
    const text = await response.text();
    const json = (text === "" ? {} : JSON.parse(text)) as Record<string, unknown>;
    if (!response.ok) {
      if (json.errcode === "M_UNKNOWN_TOKEN") this.token = undefined;
      throw new MatrixError(
        `${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`,
        response.status,
        json.errcode as string | undefined,
      );
    }
    return json;
  }

  private async login(): Promise<void> {
    const answer = await this.call(
      "POST",
      "/login",
      {
        type: "m.login.password",
        identifier: { type: "m.id.user", user: this.settings.user },
        password: this.settings.password,
        device_id: DEVICE,
        initial_device_display_name: "matrix-fleet alert bot",
      },
      false,
    );
    this.token = String(answer.access_token);
  }

  /** Logged in, in the room (found by alias, joined, or created), invites sent: ready to post. */
  async ready(): Promise<string> {
    if (this.token === undefined) await this.login();
    if (this.roomId === undefined) this.roomId = await this.findOrCreateRoom();
    if (this.pending.size > 0) await this.invitePending();
    return this.roomId;
  }

  private async findOrCreateRoom(): Promise<string> {
    const alias = encodeURIComponent(this.settings.alias);
    try {
      const found = await this.call("GET", `/directory/room/${alias}`);
      const joined = await this.call("POST", `/join/${alias}`, {});
      return String(joined.room_id ?? found.room_id);
    } catch (error) {
      if (!(error instanceof MatrixError) || error.status !== 404) throw error;
    }
    const localpart = this.settings.alias.slice(1, this.settings.alias.indexOf(":"));
    const created = await this.call("POST", "/createRoom", {
      preset: "private_chat",
      visibility: "private",
      room_alias_name: localpart,
      name: this.settings.name,
      topic: "Alerts of this organisation's monitoring (matrix-fleet): firing and resolved.",
      creation_content: { "m.federate": false },
    });
    // Invited one by one afterwards (invitePending): one unknown user must not fail the room's creation.
    return String(created.room_id);
  }

  private async invitePending(): Promise<void> {
    for (const user of [...this.pending]) {
      const room = encodeURIComponent(this.roomId!);
      try {
        const state = await this.call(
          "GET",
          `/rooms/${room}/state/m.room.member/${encodeURIComponent(user)}`,
        ).catch((error: Error): Record<string, unknown> => {
          if (error instanceof MatrixError && error.status === 404) return {};
          throw error;
        });
        if (state.membership !== "join" && state.membership !== "invite")
          await this.call("POST", `/rooms/${room}/invite`, { user_id: user });
        this.pending.delete(user);
      } catch (error) {
        // An unknown user (not registered yet) stays pending: invited on a later attempt.
        console.error(`alert-bot: inviting ${user} failed: ${(error as Error).message}`);
      }
    }
  }

  /** Posts one notice; `key` makes the transaction ID, so a resend of the same message is not posted twice. */
  async send(content: unknown, key: string): Promise<string> {
    const room = await this.ready();
    const txn = `${this.txnPrefix}-${key}`;
    const answer = await this.call(
      "PUT",
      `/rooms/${encodeURIComponent(room)}/send/m.room.message/${encodeURIComponent(txn)}`,
      content,
    );
    return String(answer.event_id);
  }

  /** Forgets the room after Synapse refused it (the bot was kicked, the room went): found or made again next time. */
  forgetRoom(): void {
    this.roomId = undefined;
    this.pending = new Set(this.settings.invite);
  }
}
