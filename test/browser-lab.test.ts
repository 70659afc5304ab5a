/**
 * The lab browser's pure parts (lab/browser/): the fake microphone's WAV file, the Chromium command line, the page
 * server's path mapping, the DNS log reading of the egress proof, and the causes named from what Chromium reports.
 * The browser itself runs in the Docker lab (lab/scenarios/browser-calls.ts).
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { nameCause } from "../lab/browser/core/causes";
import { namesAskedFrom } from "../lab/browser/core/dns-log";
import { fileFor } from "../lab/browser/core/site-paths";
import { NO_TRAFFIC_OF_ITS_OWN, chromiumSwitches } from "../lab/browser/core/switches";
import { voiceLikeWav } from "../lab/browser/core/wav";

describe("the fake microphone", () => {
  it("is a RIFF/WAVE file of 16-bit mono PCM (the canonical 44-byte header)", () => {
    const wav = voiceLikeWav(48_000);
    assert.equal(wav.toString("ascii", 0, 4), "RIFF");
    assert.equal(wav.readUInt32LE(4), wav.length - 8);
    assert.equal(wav.toString("ascii", 8, 16), "WAVEfmt ");
    assert.equal(wav.readUInt16LE(20), 1, "PCM");
    assert.equal(wav.readUInt16LE(22), 1, "mono");
    assert.equal(wav.readUInt32LE(24), 48_000);
    assert.equal(wav.readUInt32LE(28), 96_000, "byte rate");
    assert.equal(wav.readUInt16LE(34), 16);
    assert.equal(wav.toString("ascii", 36, 40), "data");
    assert.equal(wav.readUInt32LE(40), wav.length - 44);
  });

  it("holds loud bursts of changing pitch with silence between them, not a steady tone noise suppression learns", () => {
    const wav = voiceLikeWav(48_000, 12_000, 180, 70);
    const samples = Array.from({ length: (wav.length - 44) / 2 }, (_, i) => wav.readInt16LE(44 + i * 2));
    assert.equal(samples.length, 8 * 250 * 48, "8 bursts of 180 ms and gaps of 70 ms");
    const burst = (b: number) => samples.slice(b * 12_000, b * 12_000 + 8640);
    const gap = (b: number) => samples.slice(b * 12_000 + 8640, (b + 1) * 12_000);
    const periods = (s: number[]) => s.filter((v, i) => i > 0 && s[i - 1]! < 0 && v >= 0).length;
    assert.ok(Math.max(...burst(0)) > 11_900, "loud enough to count as audible");
    assert.deepEqual([...new Set(gap(3))], [0]);
    assert.ok(Math.abs(periods(burst(0)) - 330 * 0.18) <= 1 && Math.abs(periods(burst(1)) - 440 * 0.18) <= 1);
  });
});

describe("the Chromium command line", () => {
  const args = chromiumSwitches({ userDataDir: "/p", fakeMicrophone: "/p/mic.wav" });

  it("drives the browser over a pipe, never a debugging port that listens", () => {
    assert.ok(args.includes("--remote-debugging-pipe"));
    assert.deepEqual(
      args.filter(
        (a) => a.startsWith("--remote-debugging-port") || a.startsWith("--remote-debugging-address"),
      ),
      [],
    );
  });

  it("has every switch against the browser's own traffic, and one --disable-features (Chromium keeps the last)", () => {
    for (const s of NO_TRAFFIC_OF_ITS_OWN) assert.ok(args.includes(s), s);
    assert.equal(args.filter((a) => a.startsWith("--disable-features=")).length, 1);
    assert.equal(args.filter((a) => a.startsWith("--enable-features=")).length, 0);
  });

  it("uses fake media with the WAV file as the microphone, and the given profile", () => {
    for (const s of [
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      "--use-file-for-fake-audio-capture=/p/mic.wav",
      "--user-data-dir=/p",
      "--headless",
    ])
      assert.ok(args.includes(s), s);
  });
});

describe("the page server's files", () => {
  it("serves the site, Element Call's build under /widgets/element-call/, and nothing above either", () => {
    assert.equal(fileFor("/site", "/media-call.html?x#y", "/ec"), path.resolve("/site/media-call.html"));
    assert.equal(fileFor("/site", "/widgets/element-call/index.html", "/ec"), path.resolve("/ec/index.html"));
    assert.equal(fileFor("/site", "/widgets/element-call/", "/ec"), path.resolve("/ec/index.html"));
    assert.equal(fileFor("/site", "/../etc/passwd", "/ec"), undefined);
    assert.equal(fileFor("/site", "/widgets/element-call/%2e%2e/%2e%2e/etc/passwd", "/ec"), undefined);
  });
});

describe("the egress proof's DNS log", () => {
  it("reads the names each client address asked dnsmasq for, once each", () => {
    const log = [
      "Dec  7 12:00:00 dnsmasq[4242]: query[A] chat.produktor.io from 198.19.200.2",
      "Dec  7 12:00:00 dnsmasq[4242]: /etc/hosts chat.produktor.io is 198.18.1.1",
      "Dec  7 12:00:01 dnsmasq[4242]: query[AAAA] clients2.google.com from 198.19.200.2",
      "Dec  7 12:00:01 dnsmasq[4242]: query[A] chat.produktor.io from 198.19.200.2",
      "Dec  7 12:00:02 dnsmasq[4242]: query[A] turn.produktor.io from 198.19.201.2",
    ].join("\n");
    assert.deepEqual(namesAskedFrom(log, "198.19.200.2"), ["chat.produktor.io", "clients2.google.com"]);
    assert.deepEqual(namesAskedFrom(log, "198.19.201.2"), ["turn.produktor.io"]);
  });
});

describe("the causes named from what the browser reported", () => {
  const none = { connections: [], errors: [] };
  // Chromium 156's console messages, as the lab browser logged them.
  const corsWellKnown =
    "error: Access to fetch at 'https://produktor.io/.well-known/matrix/client' from origin 'https://web.lab.internal' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.";
  const preflight =
    "error: Access to fetch at 'https://matrix-rtc.produktor.io/livekit/jwt/sfu/get' from origin 'https://web.lab.internal' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present on the requested resource.";

  it("names CORS on the well-known file", () => {
    const cause = nameCause({
      page: { state: "failed", step: "well-known" },
      console: [corsWellKnown],
      ice: none,
    });
    assert.equal(cause.name, "well-known-cors");
    assert.match(cause.message, /Access-Control-Allow-Origin: \*/);
  });

  it("names the missing /livekit/jwt/ route from a failed preflight", () => {
    const cause = nameCause({
      page: { state: "failed", step: "lk-jwt-service" },
      console: [preflight],
      ice: none,
    });
    assert.equal(cause.name, "lk-jwt-not-routed");
    assert.match(cause.message, /Route \/livekit\/jwt\//);
    const elsewhere = nameCause({
      page: {
        state: "failed",
        step: "lk-jwt-service",
        error: "https://matrix-rtc.produktor.io/livekit/jwt/sfu/get answered HTTP 404: {}",
      },
      console: [],
      ice: none,
    });
    assert.equal(elsewhere.name, "lk-jwt-not-routed");
    // Element Call in the widget host: the host saw the join, the iframe's request was refused.
    const widget = nameCause({ page: { state: "joined", step: "lobby" }, console: [preflight], ice: none });
    assert.equal(widget.name, "lk-jwt-not-routed");
  });

  it("names TURN/TLS when no relay came of the turns: server, and not when one did", () => {
    const errors = ["turns:turn.produktor.io:5349?transport=tcp 701 TURN allocate request timed out."];
    const failed = nameCause(
      { page: { state: "failed", step: "livekit" }, console: [], ice: { connections: [], errors } },
      "coturn presents a certificate the lab CA does not vouch for",
    );
    assert.equal(failed.name, "turn-tls-untrusted");
    assert.match(failed.message, /lab CA does not vouch/);
    const relay = {
      type: "relay",
      protocol: "udp",
      address: "198.18.1.1",
      port: 49160,
      relayProtocol: "tls",
    };
    const remote = { type: "host", protocol: "udp", address: "198.18.1.1", port: 50100 };
    const pair = { state: "succeeded", local: relay, remote, bytesSent: 1, bytesReceived: 1 };
    const joined = nameCause({
      page: { state: "joined", step: "microphone" },
      console: [],
      ice: {
        connections: [{ state: "connected", pairs: [pair], inboundAudio: { packets: 0, energy: 0 } }],
        errors,
      },
    });
    assert.equal(joined.name, "unknown");
  });

  it("does not blame CORS for a failure at another step", () => {
    const cause = nameCause({
      page: { state: "failed", step: "login", error: "HTTP 403" },
      console: [corsWellKnown],
      ice: none,
    });
    assert.equal(cause.name, "unknown");
    assert.match(cause.message, /failed at login: HTTP 403/);
  });
});
