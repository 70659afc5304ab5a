/**
 * The lab's browser calls, driven from the test process: step one (the media path: lab/browser/pages/media-call.ts)
 * and step two (Element Call in the widget host: lab/browser/pages/widget-host.ts), each heard by an rtc-node
 * MatrixRTC participant (lab/call-client.ts) that takes the user's whole way to the same LiveKit room. What a call
 * returns is everything a scenario asserts on or names a failure with: how far the page got, the WebRTC stats'
 * selected candidate pairs, what the page asked the network and what the browser said about it, and what left
 * the client namespace.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CallOutcome, matrixRoomWithUsers, runCallClient } from "../audio-call";
import { LabTarget } from "../target";
import { sleep } from "../processes";
import { BrowserLab, NetworkEntry, OpenedPage, iceReport, waitUntil } from "./browser-lab";
import { Egress, egressSince, markEgress } from "./egress";
import type { IceReport } from "./core/ice-report";

export interface BrowserCall {
  /** The page's own account: its state, the step it reached, its error. */
  readonly page: { state: string; step: string; error?: string };
  /** Milliseconds from opening the page to the page's "joined". */
  readonly setupMs: number;
  readonly ice: IceReport;
  readonly network: readonly NetworkEntry[];
  readonly console: readonly string[];
  /** The rtc-node participant's outcome (none when the page never joined). */
  readonly heard?: CallOutcome;
  readonly egress: Egress;
  /** The screenshot of the joined call, when one was asked for. */
  readonly screenshot?: string;
}

export interface BrowserCallOptions {
  readonly stack: string;
  /** Where the browser runs, and where the listening rtc-node participant runs. */
  readonly namespace: string;
  readonly listenerNamespace: string;
  /** How long the page may take to join. */
  readonly joinWithinMs?: number;
  /** A screenshot of the joined call to this file. */
  readonly screenshot?: string;
  /**
   * The browser's console showing the failure a fault scenario expects: the wait for the join ends there rather than
   * after `joinWithinMs` (Element Call stays in its joining state after a refused token request).
   */
  readonly failsWhen?: (console: readonly string[]) => boolean;
}

/** Waits for the page's own end state, or until the console shows the expected failure; bounded by `timeoutMs`. */
async function settled(
  opened: OpenedPage,
  expression: string,
  options: BrowserCallOptions,
  timeoutMs: number,
) {
  const failsWhen = options.failsWhen;
  if (failsWhen === undefined) return waitUntil(opened.page, expression, timeoutMs);
  let ended = false;
  const failureSeen = async () => {
    for (let waited = 0; waited < timeoutMs && !ended; waited += 250) {
      if (failsWhen(opened.console)) return false;
      await sleep(250);
    }
    return false;
  };
  try {
    return await Promise.race([waitUntil(opened.page, expression, timeoutMs), failureSeen()]);
  } finally {
    ended = true;
  }
}

async function listen(
  target: LabTarget,
  stack: string,
  namespace: string,
  roomId: string,
  listener: { user: string; password: string },
): Promise<CallOutcome> {
  const matrixRtc = {
    serverName: target.organisation(stack).serverName,
    ...listener,
    roomId,
    endpoint: "sfu/get" as const,
  };
  return runCallClient(
    target,
    stack,
    { namespace },
    { deadlineMs: 25_000, participants: [{ matrixRtc, publishes: false }] },
  );
}

/** Step one: the media page joins from `namespace`, an rtc-node participant listens. */
export async function mediaCall(
  lab: BrowserLab,
  target: LabTarget,
  options: BrowserCallOptions,
): Promise<BrowserCall> {
  const { roomId, users } = await matrixRoomWithUsers(target, options.stack, "browser-media", 2);
  const mark = markEgress(options.namespace);
  const started = Date.now();
  const opened = await lab.open(options.namespace, "media-call", {
    server: target.organisation(options.stack).serverName,
    user: users[0]!.user,
    password: users[0]!.password,
    room: roomId,
  });
  try {
    await settled(
      opened,
      "window.labCall && window.labCall.state !== 'running'",
      options,
      options.joinWithinMs ?? 45_000,
    );
    const page = (await opened.page.evaluate("window.labCall")) as BrowserCall["page"];
    const setupMs = Date.now() - started;
    const heard =
      page.state === "joined"
        ? await listen(target, options.stack, options.listenerNamespace, roomId, users[1]!)
        : undefined;
    const screenshot = await shoot(opened.page, options.screenshot);
    return {
      page,
      setupMs,
      ice: await iceReport(opened.page),
      network: opened.network,
      console: opened.console,
      heard,
      egress: egressSince(mark),
      screenshot,
    };
  } finally {
    await opened.context.close();
  }
}

async function shoot(
  page: import("playwright-core").Page,
  file: string | undefined,
): Promise<string | undefined> {
  if (file === undefined) return undefined;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file });
  return file;
}

/**
 * Step two: Element Call in the widget host, from `namespace`. A person clicks "Join call" in Element Call's lobby
 * (Element Web's voice-call intent shows it); the host then waits for Element Call's `io.element.join`.
 */
export async function elementCall(
  lab: BrowserLab,
  target: LabTarget,
  options: BrowserCallOptions,
): Promise<BrowserCall> {
  const { roomId, users } = await matrixRoomWithUsers(target, options.stack, "element-call", 2);
  const mark = markEgress(options.namespace);
  const started = Date.now();
  const opened = await lab.open(options.namespace, "widget-host", {
    server: target.organisation(options.stack).serverName,
    user: users[0]!.user,
    password: users[0]!.password,
    room: roomId,
    intent: "start_call_voice",
  });
  try {
    const within = options.joinWithinMs ?? 90_000;
    const join = opened.page.frameLocator("iframe").getByRole("button", { name: "Join call" });
    await join.click({ timeout: within }).catch(() => undefined);
    await settled(opened, "window.labWidget && window.labWidget.state !== 'running'", options, within);
    const page = (await opened.page.evaluate("window.labWidget")) as BrowserCall["page"];
    const setupMs = Date.now() - started;
    const heard =
      page.state === "joined"
        ? await listen(target, options.stack, options.listenerNamespace, roomId, users[1]!)
        : undefined;
    const screenshot = await shoot(opened.page, options.screenshot);
    const frame = opened.page.frames().find((f) => f.url().includes("/widgets/element-call/"));
    return {
      page,
      setupMs,
      ice: frame === undefined ? { connections: [], errors: [] } : await iceReport(frame),
      network: opened.network,
      console: opened.console,
      heard,
      egress: egressSince(mark),
      screenshot,
    };
  } finally {
    await opened.context.close();
  }
}

/** The selected pairs of every connection, one line each: "local relay/tls turns:… -> remote host 198.18.1.1". */
export function describePairs(ice: IceReport): string[] {
  return ice.connections.flatMap((c) =>
    c.pairs.map(
      (p) =>
        `${c.state}: local ${p.local.type}${p.local.relayProtocol ? `/${p.local.relayProtocol}` : ""} ${p.local.address}:${p.local.port}${p.local.url ? ` (${p.local.url})` : ""} -> remote ${p.remote.type} ${p.remote.address}:${p.remote.port} (${p.bytesSent}/${p.bytesReceived} bytes)`,
    ),
  );
}
