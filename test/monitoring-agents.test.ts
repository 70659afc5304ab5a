/**
 * The programs inside the monitoring's containers (agents/): the call probe's metrics (checked by Prometheus' own
 * `promtool check metrics`), and the alert bot against a fake of Synapse's client-server API: the room made once by
 * its alias and joined again after a restart, invitees invited (again once they exist), every alert posted in
 * order, held while Synapse is down and posted once it is back, a lost session logged in again. The real Synapse and
 * Alertmanager are the Docker lab's (lab/scenarios/monitoring.ts).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";
import { AlertBot } from "../agents/alert-bot";
import { WebhookAlert } from "../agents/alert-messages";
import { CallProbe } from "../agents/call-probe";
import { MatrixRoom } from "../agents/matrix-room";
import { buildStackPlan } from "../config-templates/plan";
import { PROJECT_DIR } from "../config/stack-files";
import { placeholderSecrets } from "../facts/secrets";
import { VerifyNetwork } from "../verify/network";
import { orgFor } from "./helpers";

/** A network where nothing answers but the well-known files, with a cause that needs escaping. */
const NOTHING: VerifyNetwork = {
  getJson: async (url) =>
    url.endsWith("/.well-known/matrix/server")
      ? {
          status: 200,
          headers: new Headers({ "access-control-allow-origin": "*" }),
          body: { "m.server": 'chat.produktor.io:443 "x"\\\nnext' },
        }
      : { status: 502, headers: new Headers(), body: "Bad Gateway" },
  status: async () => 502,
  resolve4: async () => "192.0.2.1",
  tcpConnects: async (host, port) => {
    throw new Error(`connect ECONNREFUSED ${host}:${port}`);
  },
  allocate: async () => ({ errorCode: 401, errorReason: "Unauthorized" }),
  servedCertificate: async () => ({
    validFrom: new Date("2026-11-01T00:00:00Z"),
    validTo: new Date("2027-01-30T00:00:00Z"),
    dnsNames: [],
  }),
  tokenAndJoin: async () => "joined",
  webSocketUpgrade: async () => ({ status: 502, body: "Bad Gateway" }),
  guestTokenAndJoin: async () => "joined",
};

function promtoolCheckMetrics(text: string): { status: number | null; output: string } {
  const tools = execFileSync("bash", [path.join(PROJECT_DIR, "tools", "prometheus-tools.sh")], {
    encoding: "utf8",
    timeout: 300_000,
  }).trim();
  const result = spawnSync(path.join(tools, "promtool"), ["check", "metrics"], {
    input: text,
    encoding: "utf8",
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("the call probe's metrics", () => {
  const org = orgFor("produktor");
  const probe = new CallProbe(buildStackPlan(org, placeholderSecrets()).monitoring!.probe, {
    password: "x",
    network: NOTHING,
    now: () => 1_800_000_000_000,
  });

  it("before a run: no check, no last run (CallProbeNotRunning reads the missing timestamp)", () => {
    const text = probe.metrics();
    assert.match(text, /^matrix_fleet_probe_runs_total 0$/m);
    assert.doesNotMatch(text, /matrix_fleet_probe_last_run_timestamp_seconds \d/);
    assert.doesNotMatch(text, /matrix_fleet_probe_check_success\{/);
  });

  it("after a run: each check's result, duration and cause as verify words it, valid for promtool", async () => {
    const { run } = await probe.runOnce();
    const text = probe.metrics();
    assert.match(text, /^matrix_fleet_probe_check_success\{check="well-known client"\} 0$/m);
    assert.match(
      text,
      /^matrix_fleet_probe_check_failure_info\{check="well-known client",detail="https:\/\/produktor\.io\/\.well-known\/matrix\/client answered HTTP 502",fix="serve the well-known files from the proxy host of the server name"\} 1$/m,
    );
    // A skipped check (it needs the login that failed) is no series: it neither passes nor fails.
    assert.doesNotMatch(text, /check="TURN allocation over UDP"/);
    // Quotes and backslashes in a cause come back as verify wrote them, read as the format says.
    const line = text
      .split("\n")
      .find((l) => l.startsWith('matrix_fleet_probe_check_failure_info{check="well-known server"'))!;
    const written = /detail="((?:[^"\\]|\\.)*)"/.exec(line)![1]!;
    const unescaped = written.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    assert.equal(unescaped, run.results.find((r) => r.name === "well-known server")!.detail);
    assert.match(unescaped, /\\"x\\"\\\\/, "quotes and backslashes in the cause");
    assert.match(text, /^matrix_fleet_probe_last_run_timestamp_seconds 1800000000$/m);
    assert.match(text, /^matrix_fleet_probe_runs_total 1$/m);
    const checked = promtoolCheckMetrics(text);
    assert.equal(checked.status, 0, checked.output);
  });

  it("exports every certificate it read with its end (TlsCertificateExpiring)", async () => {
    const text = probe.metrics();
    assert.match(
      text,
      /^matrix_fleet_tls_certificate_not_after_timestamp_seconds\{host="turn\.produktor\.io",port="5349"\} 1801267200$/m,
    );
  });
});

describe("the call probe's backups check", () => {
  const org = orgFor("produktor");
  const config = buildStackPlan(org, placeholderSecrets()).monitoring!.probe;
  const now = Date.now();
  const status = (ageSeconds: number) => {
    const success = {
      at: "then",
      epoch: Math.floor(now / 1000) - ageSeconds,
      trigger: "schedule",
      outcome: "success",
      seconds: 2,
    };
    return { status: { lastRun: success, lastSuccess: success } as never, startedEpoch: 0 };
  };
  const probeReading = (ageSeconds: number) =>
    new CallProbe(config, { password: "x", network: NOTHING, backupReader: async () => status(ageSeconds) });

  it("reads the status file's path from its config, and judges it as verify does (backup.maxAge)", async () => {
    assert.equal(config.backupStatusFile, "/work/status.json");
    const fresh = probeReading(3600);
    await fresh.runOnce();
    assert.match(fresh.metrics(), /^matrix_fleet_probe_check_success\{check="backups"\} 1$/m);
    assert.match(
      fresh.metrics(),
      new RegExp(
        `^matrix_fleet_backup_last_success_timestamp_seconds ${Math.floor(now / 1000) - 3600}$`,
        "m",
      ),
    );
    const old = probeReading(27 * 3600);
    await old.runOnce();
    assert.match(old.metrics(), /^matrix_fleet_probe_check_success\{check="backups"\} 0$/m);
    assert.match(
      old.metrics(),
      /check_failure_info\{check="backups",detail="the last successful backup is 27\.0 h old, older than backup\.maxAge 26h/,
    );
  });

  it("never reaches for the Docker host: without a status file the check is skipped", async () => {
    const probe = new CallProbe(
      { ...config, backupStatusFile: undefined },
      { password: "x", network: NOTHING },
    );
    const { run } = await probe.runOnce();
    assert.equal(run.results.find((r) => r.name === "backups")?.outcome, "skip");
  });
});

interface FakeRoom {
  id: string;
  alias: string;
  members: Map<string, string>;
  messages: Array<{ txn: string; content: Record<string, unknown> }>;
}

/** Synapse's client-server API as the bot uses it (v3), in memory. */
class FakeSynapse {
  down = false;
  readonly users = new Set(["@matrix-fleet-alerts:produktor.io", "@ops:produktor.io"]);
  readonly rooms: FakeRoom[] = [];
  tokens = new Set<string>();
  logins = 0;
  readonly fetch: typeof fetch = async (input, init) => {
    if (this.down) throw new TypeError("fetch failed");
    const url = new URL(String(input));
    const [status, body] = this.answer(init?.method ?? "GET", decodeURIComponent(url.pathname), init);
    return new Response(JSON.stringify(body), { status });
  };

  private answer(method: string, path: string, init: RequestInit | undefined): [number, unknown] {
    const p = path.replace("/_matrix/client/v3", "");
    const body = init?.body === undefined ? {} : JSON.parse(String(init.body));
    if (method === "POST" && p === "/login") {
      if (body.password !== "bot-password") return [403, { errcode: "M_FORBIDDEN" }];
      const token = `token-${++this.logins}`;
      this.tokens.add(token);
      return [200, { access_token: token, user_id: "@matrix-fleet-alerts:produktor.io" }];
    }
    const auth = String((init?.headers as Record<string, string>)?.Authorization ?? "");
    if (!this.tokens.has(auth.replace("Bearer ", ""))) return [401, { errcode: "M_UNKNOWN_TOKEN" }];
    const byAlias = (alias: string) => this.rooms.find((r) => r.alias === alias);
    const byId = (id: string) => this.rooms.find((r) => r.id === id);
    let m: RegExpExecArray | null;
    if (method === "GET" && (m = /^\/directory\/room\/(.+)$/.exec(p))) {
      const room = byAlias(m[1]!);
      return room === undefined ? [404, { errcode: "M_NOT_FOUND" }] : [200, { room_id: room.id }];
    }
    if (method === "POST" && p === "/createRoom") {
      const room = {
        id: `!r${this.rooms.length}:produktor.io`,
        alias: `#${body.room_alias_name}:produktor.io`,
        members: new Map([["@matrix-fleet-alerts:produktor.io", "join"]]),
        messages: [],
      };
      this.rooms.push(room);
      return [200, { room_id: room.id }];
    }
    if (method === "POST" && (m = /^\/join\/(.+)$/.exec(p))) return [200, { room_id: byAlias(m[1]!)!.id }];
    if ((m = /^\/rooms\/([^/]+)\/state\/m\.room\.member\/(.+)$/.exec(p))) {
      const membership = byId(m[1]!)?.members.get(m[2]!);
      return membership === undefined ? [404, { errcode: "M_NOT_FOUND" }] : [200, { membership }];
    }
    if (method === "POST" && (m = /^\/rooms\/([^/]+)\/invite$/.exec(p))) {
      if (!this.users.has(body.user_id)) return [404, { errcode: "M_NOT_FOUND", error: "Unknown user" }];
      byId(m[1]!)!.members.set(body.user_id, "invite");
      return [200, {}];
    }
    if (method === "PUT" && (m = /^\/rooms\/([^/]+)\/send\/m\.room\.message\/(.+)$/.exec(p))) {
      const room = byId(m[1]!)!;
      if (!room.messages.some((message) => message.txn === m![2]))
        room.messages.push({ txn: m[2]!, content: body });
      return [200, { event_id: `$e${room.messages.length}` }];
    }
    return [404, { errcode: "M_UNRECOGNIZED" }];
  }
}

function alert(
  name: string,
  status: "firing" | "resolved",
  labels: Record<string, string> = {},
): WebhookAlert {
  return {
    status,
    labels: { alertname: name, stack: "produktor", severity: "critical", ...labels },
    annotations: {
      summary: `${name} summary`,
      description: "allocation refused: 401 Unauthorized. Likely cause / fix: check coturn",
      runbook_url: `docs/monitoring.md#${name.toLowerCase()}`,
    },
    startsAt: "2026-12-07T10:00:05.123Z",
    endsAt: status === "firing" ? "0001-01-01T00:00:00Z" : "2026-12-07T10:03:00Z",
    fingerprint: `${name}-fp`,
  };
}

const webhook = (...alerts: WebhookAlert[]) => JSON.stringify({ version: "4", status: "firing", alerts });

function newBot(synapse: FakeSynapse, invite = ["@ops:produktor.io", "@later:produktor.io"]) {
  const room = new MatrixRoom(
    {
      homeserver: "http://synapse:8008",
      user: "matrix-fleet-alerts",
      password: "bot-password",
      alias: "#matrix-fleet-alerts:produktor.io",
      name: "ProProdukt alerts",
      invite,
    },
    synapse.fetch,
  );
  return { room, bot: new AlertBot(room, { log: () => undefined, backoffMs: [5], setupRetryMs: 5 }) };
}

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(done(), `timed out waiting until ${what}`);
}

describe("the alert bot posts Alertmanager's alerts into the organisation's room", () => {
  it("makes the room once, invites who exists (the others once they do), posts firing and resolved in order", async () => {
    const synapse = new FakeSynapse();
    const { bot } = newBot(synapse);
    bot.receive(webhook(alert("CallProbeCheckFailing", "firing", { check: "TURN allocation over UDP" })));
    await until("the firing alert is posted", () => synapse.rooms[0]?.messages.length === 1);
    const room = synapse.rooms[0]!;
    assert.equal(room.alias, "#matrix-fleet-alerts:produktor.io");
    assert.equal(room.members.get("@ops:produktor.io"), "invite");
    assert.equal(room.members.get("@later:produktor.io"), undefined, "not registered yet");
    const first = room.messages[0]!.content;
    assert.equal(first.msgtype, "m.notice");
    assert.equal(
      first.body,
      [
        "🔥 FIRING [produktor] CallProbeCheckFailing: CallProbeCheckFailing summary",
        "allocation refused: 401 Unauthorized. Likely cause / fix: check coturn",
        "since 2026-12-07 10:00:05 UTC · severity critical",
        "runbook: docs/monitoring.md#callprobecheckfailing",
      ].join("\n"),
    );
    assert.deepEqual((first["org.matrix-fleet.alert"] as { labels: unknown }).labels, {
      alertname: "CallProbeCheckFailing",
      stack: "produktor",
      severity: "critical",
      check: "TURN allocation over UDP",
    });
    synapse.users.add("@later:produktor.io");
    bot.receive(webhook(alert("CallProbeCheckFailing", "resolved", { check: "TURN allocation over UDP" })));
    await until("the resolved alert is posted", () => room.messages.length === 2);
    assert.match(String(room.messages[1]!.content.body), /^✅ RESOLVED \[produktor\] CallProbeCheckFailing/);
    assert.match(String(room.messages[1]!.content.body), /resolved 2026-12-07 10:03:00 UTC/);
    await until("the late user is invited", () => room.members.get("@later:produktor.io") === "invite");
    bot.stop();
  });

  it("holds alerts while Synapse is down and posts them, in order, once it is back; a lost session logs in again", async () => {
    const synapse = new FakeSynapse();
    const { bot } = newBot(synapse, []);
    bot.receive(webhook(alert("DiskAlmostFull", "firing")));
    await until("posted", () => synapse.rooms[0]?.messages.length === 1);
    synapse.down = true;
    bot.receive(webhook(alert("ServiceDown", "firing", { job: "synapse" })));
    bot.receive(webhook(alert("ServiceDown", "resolved", { job: "synapse" })));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(bot.queued, 2);
    assert.match(bot.metrics(), /^matrix_fleet_alert_bot_queue_length 2$/m);
    synapse.down = false;
    synapse.tokens.clear(); // Synapse restarted with the session gone.
    await until("both posted after the restart", () => synapse.rooms[0]!.messages.length === 3);
    const bodies = synapse.rooms[0]!.messages.map((m) => String(m.content.body).split("\n")[0]);
    assert.deepEqual(bodies, [
      "🔥 FIRING [produktor] DiskAlmostFull: DiskAlmostFull summary",
      "🔥 FIRING [produktor] ServiceDown: ServiceDown summary",
      "✅ RESOLVED [produktor] ServiceDown: ServiceDown summary",
    ]);
    assert.equal(synapse.logins, 2);
    assert.equal(synapse.rooms.length, 1, "no second room");
    assert.match(bot.metrics(), /^matrix_fleet_alert_bot_messages_sent_total 3$/m);
    bot.stop();
  });

  it("after a restart joins its room by the alias instead of making another", async () => {
    const synapse = new FakeSynapse();
    const first = newBot(synapse, []);
    first.bot.receive(webhook(alert("DiskAlmostFull", "firing")));
    await until("posted", () => synapse.rooms[0]?.messages.length === 1);
    first.bot.stop();
    const second = newBot(synapse, []);
    second.bot.receive(webhook(alert("DiskAlmostFull", "resolved")));
    await until("posted by the new bot", () => synapse.rooms[0]!.messages.length === 2);
    assert.equal(synapse.rooms.length, 1);
    second.bot.stop();
  });

  it("refuses what is not Alertmanager's webhook", () => {
    const { bot } = newBot(new FakeSynapse());
    assert.throws(
      () => bot.receive(JSON.stringify({ version: "3", alerts: [] })),
      /not an Alertmanager webhook/,
    );
    assert.throws(() => bot.receive("{"));
    bot.stop();
  });
});
