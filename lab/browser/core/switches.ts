/**
 * lab/browser/core/ holds the lab browser's pure part, which the unit suite tests (test/browser-lab.test.ts): it
 * may import Node's standard library and nothing of the project. This file: the command line the lab's Chromium
 * runs with: every switch chosen here, none of Playwright's defaults (the driver
 * launches with ignoreDefaultArgs), so that what the browser may do on the network is written down in one place.
 * The lab proves the result: a browser session in a client namespace contacts only lab names and addresses
 * (lab/browser/egress.ts). Where the names come from: Playwright's own list (`chromiumSwitches.ts` in
 * playwright-core 1.65.2), which starts from the same needs, each switch and feature name checked against Debian's
 * chromium 156 binary (its strings; a switch it does not know is silently ignored, so those are left out: Safe
 * Browsing's switches, `--dns-prefetch-disable`, macOS's keychain). Safe Browsing and the other Google APIs also lack
 * the API keys Debian's /usr/bin wrapper exports: the lab runs the binary itself. DNS-over-HTTPS stays off as
 * Chromium's automatic mode upgrades only known public resolvers, and the lab's is 198.18.0.53. The full browser
 * still asked accounts.google.com and update.googleapis.com with all of them (lab/browser/chromium.ts), so the lab
 * runs the headless shell, which lacks those services; the switches stay, for whatever else either build has.
 */

export interface SwitchOptions {
  /** The browser's own profile directory (also its HOME, where Chromium on Linux reads NSS's certificate db). */
  readonly userDataDir: string;
  /** A WAV file: the fake microphone (looped). */
  readonly fakeMicrophone: string;
}

/** Switches that stop Chromium's own traffic to Google and elsewhere: what a lab browser must never send. */
export const NO_TRAFFIC_OF_ITS_OWN: readonly string[] = [
  // The umbrella: no update checks, no variations seed, no Safe Browsing list downloads, no translate, no
  // promotions ("Disables several subsystems which run network requests in the background").
  "--disable-background-networking",
  // The component updater (CRLSets, Widevine, certificate-transparency lists, ...).
  "--disable-component-update",
  // Field trials: neither the testing config compiled in nor a seed from the variations server.
  "--disable-field-trial-config",
  // Crash reports and metrics: recorded at most, never uploaded.
  "--disable-breakpad",
  "--metrics-recording-only",
  // Error beacons to Google (Domain Reliability) and hyperlink auditing pings.
  "--disable-domain-reliability",
  "--no-pings",
  // Sign-in, sync, default apps, extensions and their background pages.
  "--disable-sync",
  "--disable-default-apps",
  "--disable-extensions",
  "--disable-component-extensions-with-background-pages",
  "--no-first-run",
  "--no-default-browser-check",
  "--disable-search-engine-choice-screen",
  // Features that reach out on their own: optimization hints, network time queries (clients2.google.com), the
  // media router's discovery (Cast, DIAL: multicast on the LAN), translate, autofill's server, preconnects to the
  // default search engine, the AI-mode eligibility check.
  "--disable-features=" +
    [
      "OptimizationHints",
      "NetworkTimeServiceQuerying",
      "MediaRouter",
      "DialMediaRouteProvider",
      "Translate",
      "AutofillServerCommunication",
      "PreconnectToSearch",
      "AimEnabled",
      "LensOverlay",
    ].join(","),
  // No keyring daemon (D-Bus) for the password store.
  "--password-store=basic",
];

/** The whole command line, in the order Chromium gets it. */
export function chromiumSwitches(options: SwitchOptions): string[] {
  return [
    // New headless mode (the only one left in the chromium binary since 132).
    "--headless",
    // Playwright drives the browser over file descriptors 3 and 4: no debugging port listens anywhere.
    "--remote-debugging-pipe",
    `--user-data-dir=${options.userDataDir}`,
    "--no-startup-window",
    // The lab runs as root, where Chromium's sandbox cannot start; the browser loads only the lab's own pages.
    "--no-sandbox",
    // /dev/shm is shared by everything on the machine; Chromium's shared memory goes to the profile's tmp instead.
    "--disable-dev-shm-usage",
    ...NO_TRAFFIC_OF_ITS_OWN,
    // A call without a person: permission prompts answered yes, a fake camera, the WAV file as the microphone,
    // remote audio played without a click, and played to nowhere.
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    `--use-file-for-fake-audio-capture=${options.fakeMicrophone}`,
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
    // Screenshots as a person would see them, without scrollbars and colour management differences.
    "--hide-scrollbars",
    "--force-color-profile=srgb",
    // Timers of a page in the background keep running (the call pages never have focus).
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
    "--disable-renderer-backgrounding",
  ];
}
