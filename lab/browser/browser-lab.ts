/**
 * The lab browser for a scenario group: the web site built and served on the web origin (lab/browser/site.ts,
 * page-server.ts, origin.ts), and one Chromium per client namespace, started on first use and reused by every
 * scenario of the group (each participant is a browser context of its own: its own cookies, storage and
 * RTCPeerConnections). `stop()` closes the browsers by PID and the server.
 */
import * as path from "node:path";
import { BrowserContext, Frame, Page } from "playwright-core";
import { labCertificate } from "../deploy/sites";
import type { IceReport } from "./core/ice-report";
import { LabBrowser, launchLabBrowser } from "./chromium";
import { PageServer, startPageServer } from "./page-server";
import { WEB_ORIGIN_ADDRESS, WEB_ORIGIN_NAME } from "./origin";
import { buildSite } from "./site";

export interface BrowserLabOptions {
  /** Where the site, the certificate, the browsers' profiles and the screenshots go. */
  readonly dir: string;
  /** The lab CA's PEM file (the browsers trust it, the web origin's certificate is signed with it). */
  readonly caFile: string;
  /** The lab's pid file, for lab_down. */
  readonly labPidFile?: string;
  /** Where the page server listens; the lab's web origin by default (development: a loopback address). */
  readonly listen?: { readonly host: string; readonly port: number; readonly name: string };
}

/** What a page asked the network for, as the browser saw it (Playwright's request/response events). */
export interface NetworkEntry {
  readonly method: string;
  readonly url: string;
  readonly status?: number;
  /** The answer's Access-Control-Allow-Origin header, when there was an answer. */
  readonly allowOrigin?: string;
  readonly failure?: string;
}

export interface OpenedPage {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly network: NetworkEntry[];
  readonly console: string[];
}

export class BrowserLab {
  private readonly browsers = new Map<string, Promise<LabBrowser>>();
  /** Browser start times (ms), in the order they were started. */
  readonly startTimes: number[] = [];

  private constructor(
    readonly options: BrowserLabOptions,
    readonly server: PageServer,
    readonly siteBuildMs: number,
  ) {}

  static async start(options: BrowserLabOptions): Promise<BrowserLab> {
    const site = path.join(options.dir, "site");
    const siteBuildMs = await buildSite(site);
    const listen = options.listen ?? { host: WEB_ORIGIN_ADDRESS, port: 443, name: WEB_ORIGIN_NAME };
    const tls = labCertificate(path.join(options.dir, "tls"), "web-origin", [listen.name]);
    const server = await startPageServer({ siteDir: site, ...listen, cert: tls.cert, key: tls.key });
    return new BrowserLab(options, server, siteBuildMs);
  }

  /** The Chromium of a client namespace ("" in development), started on first use. */
  browser(namespace: string): Promise<LabBrowser> {
    let running = this.browsers.get(namespace);
    if (running === undefined) {
      running = launchLabBrowser({
        namespace,
        dir: path.join(this.options.dir, `chromium-${namespace || "here"}`),
        trustedCa: this.options.caFile,
        labPidFile: this.options.labPidFile,
        name: namespace || "here",
      }).then((b) => {
        this.startTimes.push(b.startedInMs);
        return b;
      });
      this.browsers.set(namespace, running);
    }
    return running;
  }

  /** A new participant: a browser context of its own with the WebRTC probe, on `page` of the site. */
  async open(namespace: string, page: string, fragment: Record<string, string>): Promise<OpenedPage> {
    const { browser } = await this.browser(namespace);
    const context = await browser.newContext({
      viewport: { width: 1280, height: 720 },
      ignoreHTTPSErrors: false,
    });
    await context.addInitScript({ path: path.join(this.options.dir, "site", "peer-connections.js") });
    const network: NetworkEntry[] = [];
    const consoleLines: string[] = [];
    context.on("response", (response) =>
      network.push({
        method: response.request().method(),
        url: response.url(),
        status: response.status(),
        allowOrigin: response.headers()["access-control-allow-origin"],
      }),
    );
    context.on("requestfailed", (request) =>
      network.push({ method: request.method(), url: request.url(), failure: request.failure()?.errorText }),
    );
    const opened = await context.newPage();
    opened.on("console", (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
    const url = `${this.server.origin}/${page}.html#${new URLSearchParams(fragment).toString()}`;
    await opened.goto(url, { waitUntil: "load", timeout: 30_000 });
    return { page: opened, context, network, console: consoleLines };
  }

  /** Closes every browser (by PID if it does not close) and the page server. */
  async stop(): Promise<void> {
    const browsers = await Promise.allSettled([...this.browsers.values()]);
    this.browsers.clear();
    for (const b of browsers) if (b.status === "fulfilled") await b.value.close();
    await this.server.close();
  }
}

/** The probe's report from a frame (lab/browser/pages/peer-connections.ts). */
export async function iceReport(frame: Frame | Page): Promise<IceReport> {
  return (await frame.evaluate(
    "window.labIce ? window.labIce() : { connections: [], errors: [] }",
  )) as IceReport;
}

/** Waits, bounded, until `expression` (evaluated in the frame) is true; false when the time ran out. */
export async function waitUntil(
  frame: Frame | Page,
  expression: string,
  timeoutMs: number,
): Promise<boolean> {
  return frame
    .waitForFunction(expression, undefined, { timeout: timeoutMs, polling: 250 })
    .then(() => true)
    .catch(() => false);
}
