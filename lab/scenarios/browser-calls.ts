/**
 * A real browser in the Docker lab (issue #30): headless Chromium (lab/browser/) in the lab's client namespaces,
 * against the organisation deployed with the real `pulumi up`. Step one, the media path: a page logs a user in,
 * gets a LiveKit token from lk-jwt-service through the proxy as Element Call does and joins with livekit-client; an
 * rtc-node MatrixRTC participant hears it, the WebRTC stats' selected candidate pair is the expected kind (direct on
 * the open network, relayed by coturn over TLS on a network that lets out only TCP 443 and 5349), and nothing of
 * the browser's leaves the lab. Step two: Element Call's embedded build in a widget host, joined as a person joins,
 * heard by an rtc-node participant, screenshotted. The faults, each named from what the browser reported: the
 * well-known file without CORS, lk-jwt-service's path not proxied, coturn with a certificate the browser does not
 * trust. One browser process per namespace serves the whole group; faults are variants of the running fronts and
 * of coturn's certificate files.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tls from "node:tls";
import { after, before, describe, it } from "node:test";
import { BrowserLab } from "../browser/browser-lab";
import { BrowserCall, describePairs, elementCall, mediaCall } from "../browser/calls";
import { corsRefusal, nameCause } from "../browser/core/causes";
import { LabFleet } from "../deploy/fleet";
import { CLIENT_NAMESPACE, docker, labCaDir } from "../deploy/sites";
import { sleep } from "../processes";
import { STRICT_NAMESPACE } from "./strict-network";

const STACK = "produktor";
const LAB_DIR = path.resolve(process.env.LAB_DIR ?? ".lab/deploy");
export const SCREENSHOTS = path.join(LAB_DIR, "screenshots");

/** One line per call for the log: what a reader of a lab run wants to see without the assertions. */
function report(what: string, call: BrowserCall): void {
  console.log(
    `browser ${what}: page ${call.page.state} at ${call.page.step}${call.page.error ? ` (${call.page.error})` : ""}, ` +
      `set up in ${call.setupMs} ms, heard ${JSON.stringify(call.heard ?? {})}; ${describePairs(call.ice).join("; ") || "no selected pair"}; ` +
      `ICE errors ${JSON.stringify(call.ice.errors)}; egress ${call.egress.packetsElsewhere} packets elsewhere ${JSON.stringify(call.egress.destinationsElsewhere)}, ${call.egress.packetsLinkLocal} link-local (mDNS), names ${JSON.stringify(call.egress.namesAsked)}`,
  );
}

/** A call that must have worked: joined, heard by the rtc-node participant, nothing outside the lab. */
function assertHeard(call: BrowserCall, labNames: readonly string[]): void {
  assert.equal(call.page.state, "joined", `the page did not join: ${nameCause(call).message}`);
  assert.ok(
    call.heard?.audible !== undefined && call.heard.audible >= 20,
    `the rtc-node participant did not hear the browser: ${call.heard?.error}`,
  );
  assert.equal(
    call.egress.packetsElsewhere,
    0,
    `the browser's namespace sent packets outside the lab, to ${JSON.stringify(call.egress.destinationsElsewhere)}`,
  );
  assert.deepEqual(
    call.egress.namesAsked.filter((n) => !labNames.includes(n)),
    [],
    "the browser asked the DNS for names that are not the lab's",
  );
}

/** The strict network tightened to TCP 443 and 5349: TURN over TLS is the only way for media. */
async function tlsOnly<T>(check: () => Promise<T>): Promise<T> {
  const nft = (...args: string[]) =>
    execFileSync("ip", ["netns", "exec", STRICT_NAMESPACE, "nft", ...args], { encoding: "utf8" });
  const handles = ["udp dport 3478 drop", "tcp dport 3478 drop"].map((rule) => {
    const echoed = nft(
      "--echo",
      "--handle",
      "insert",
      "rule",
      "inet",
      "strict_network",
      "output",
      ...rule.split(" "),
    );
    return /# handle (\d+)/.exec(echoed)?.[1];
  });
  try {
    return await check();
  } finally {
    for (const handle of handles)
      if (handle !== undefined) nft("delete", "rule", "inet", "strict_network", "output", "handle", handle);
  }
}

/** The certificate coturn presents on TLS, and whether it chains to the lab CA for its name. */
async function presentedTurnCertificate(fleet: LabFleet): Promise<{ fingerprint: string; trusted: string }> {
  const host = fleet.site(STACK).hostnames.find((n) => n.startsWith("turn."))!;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: fleet.site(STACK).wan,
      port: 5349,
      servername: host,
      ca: fs.readFileSync(path.join(labCaDir(), "ca.pem")),
      rejectUnauthorized: false,
      timeout: 5000,
    });
    socket.once("secureConnect", () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      const trusted = socket.authorized
        ? `coturn presents a certificate for ${host} signed by the lab CA`
        : `coturn presents a certificate for ${host} the lab CA does not vouch for (${socket.authorizationError})`;
      socket.destroy();
      resolve({ fingerprint, trusted });
    });
    socket.once("error", reject);
    socket.once("timeout", () => socket.destroy(new Error("no TLS answer on 5349 in 5 s")));
  });
}

/**
 * coturn with a self-signed certificate for its own name in place of the lab CA's: the certificate files the stack
 * mounts (turn.certFile, turn.keyFile) are replaced and coturn reloads them on SIGUSR2, as on a renewal; then put
 * back, reloaded again.
 */
async function withUntrustedTurnCertificate<T>(fleet: LabFleet, check: () => Promise<T>): Promise<T> {
  const site = fleet.site(STACK);
  const host = site.hostnames.find((n) => n.startsWith("turn."))!;
  const saved = { cert: fs.readFileSync(site.tls.cert), key: fs.readFileSync(site.tls.key) };
  const before = (await presentedTurnCertificate(fleet)).fingerprint;
  const reloadUntil = async (changed: (fingerprint: string) => boolean) => {
    docker(site, ["kill", "--signal", "USR2", `matrix-${STACK}-coturn`]);
    for (let i = 0; i < 40; i++) {
      if (changed((await presentedTurnCertificate(fleet).catch(() => undefined))?.fingerprint ?? before))
        return;
      await sleep(250);
    }
    throw new Error("coturn did not present the new certificate within 10 s of SIGUSR2");
  };
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-keyout",
      site.tls.key,
      "-out",
      site.tls.cert,
      "-subj",
      `/CN=${host}`,
      "-addext",
      `subjectAltName=DNS:${host}`,
    ],
    { stdio: "ignore" },
  );
  // coturn runs as nobody in its image: the key must stay readable to it.
  fs.chmodSync(site.tls.key, 0o644);
  try {
    await reloadUntil((fingerprint) => fingerprint !== before);
    return await check();
  } finally {
    fs.writeFileSync(site.tls.cert, saved.cert);
    fs.writeFileSync(site.tls.key, saved.key, { mode: 0o644 });
    await reloadUntil((fingerprint) => fingerprint === before);
  }
}

/** The site's front without Access-Control-Allow-Origin on the well-known files (a proxy host made by hand). */
async function withoutWellKnownCors<T>(fleet: LabFleet, check: () => Promise<T>): Promise<T> {
  await fleet.rebuildFront(STACK, (host) => ({
    ...host,
    advanced_config: host.advanced_config.replace(
      /\n?\s*add_header Access-Control-Allow-Origin "\*" always;/g,
      "",
    ),
  }));
  try {
    return await check();
  } finally {
    await fleet.rebuildFront(STACK);
  }
}

export function browserCallScenarios(current: () => LabFleet): void {
  let lab: BrowserLab | undefined;
  const browserLab = () => {
    if (lab === undefined) throw new Error("the lab browser did not start");
    return lab;
  };
  const labNames = () => [...current().site(STACK).hostnames, "web.lab.internal"];

  describe("a real browser (headless Chromium, in the lab's client namespaces)", () => {
    before(async () => {
      lab = await BrowserLab.start({
        dir: path.join(LAB_DIR, "browser"),
        caFile: path.join(labCaDir(), "ca.pem"),
        labPidFile: path.join(LAB_DIR, "pids"),
      });
    });
    after(async () => {
      if (lab !== undefined)
        console.log(
          `browser: site built in ${lab.siteBuildMs} ms, browsers started in ${lab.startTimes.join(", ")} ms`,
        );
      await lab?.stop();
    });

    describe("step one, the media path: livekit-client after lk-jwt-service through the proxy, as Element Call", () => {
      it(
        "open network: an rtc-node participant hears the browser over a direct candidate pair; nothing leaves the lab",
        { timeout: 120_000 },
        async () => {
          const call = await mediaCall(browserLab(), current().target(), {
            stack: STACK,
            namespace: CLIENT_NAMESPACE,
            listenerNamespace: CLIENT_NAMESPACE,
            screenshot: path.join(SCREENSHOTS, "media-call-open-network.png"),
          });
          report("media call, open network", call);
          assertHeard(call, labNames());
          const pairs = call.ice.connections.flatMap((c) => c.pairs);
          assert.ok(pairs.length > 0, "no selected candidate pair in the browser's WebRTC stats");
          for (const pair of pairs)
            assert.ok(
              ["host", "srflx", "prflx"].includes(pair.local.type) && pair.remote.type !== "relay",
              `expected a direct pair (host/srflx/prflx to LiveKit's rtc.node_ip) on the open network: ${describePairs(call.ice).join("; ")}`,
            );
          assert.ok(
            pairs.some((p) => p.remote.address === current().site(STACK).wan),
            `the browser's media does not go to rtc.node_ip ${current().site(STACK).wan}: ${describePairs(call.ice).join("; ")}`,
          );
        },
      );

      it(
        "a network that lets out only TCP 443 and 5349: relayed by coturn over TLS, trusted through the lab CA in NSS's db",
        { timeout: 120_000 },
        async () => {
          const call = await tlsOnly(() =>
            mediaCall(browserLab(), current().target(), {
              stack: STACK,
              namespace: STRICT_NAMESPACE,
              listenerNamespace: CLIENT_NAMESPACE,
            }),
          );
          report("media call, TLS-only network", call);
          assertHeard(call, labNames());
          // A local candidate of the TURN allocation carries relayProtocol and its server's url (webrtc-stats).
          // Chromium calls it prflx rather than relay here: LiveKit sees the relayed checks come from coturn's address
          // on the site's LAN (coturn reaches rtc.node_ip through its external-ip mapping), not from the relayed
          // address coturn announced, and answers with that address, which the browser learns as peer-reflexive.
          const pairs = call.ice.connections.flatMap((c) => c.pairs);
          assert.ok(pairs.length > 0, "no selected candidate pair in the browser's WebRTC stats");
          for (const pair of pairs) {
            assert.ok(
              ["relay", "prflx"].includes(pair.local.type) && pair.local.relayProtocol === "tls",
              `not relayed over TURN/TLS: ${describePairs(call.ice).join("; ")}`,
            );
            assert.match(pair.local.url ?? "", /^turns:turn\.produktor\.io:5349/);
          }
        },
      );

      it(
        "fault: the well-known file without CORS fails at discovery, naming CORS",
        { timeout: 120_000 },
        async () => {
          const call = await withoutWellKnownCors(current(), () =>
            mediaCall(browserLab(), current().target(), {
              stack: STACK,
              namespace: CLIENT_NAMESPACE,
              listenerNamespace: CLIENT_NAMESPACE,
              joinWithinMs: 30_000,
            }),
          );
          report("media call without CORS on the well-known file", call);
          const cause = nameCause(call);
          console.log(`named cause: ${cause.message}`);
          assert.equal(call.page.state, "failed");
          assert.equal(cause.name, "well-known-cors", cause.message);
        },
      );

      it(
        "fault: /livekit/jwt/ not routed by the proxy fails at lk-jwt-service, naming the route",
        { timeout: 120_000 },
        async () => {
          const call = await current().withoutLocation(STACK, "/livekit/jwt/", () =>
            mediaCall(browserLab(), current().target(), {
              stack: STACK,
              namespace: CLIENT_NAMESPACE,
              listenerNamespace: CLIENT_NAMESPACE,
              joinWithinMs: 30_000,
            }),
          );
          report("media call without the /livekit/jwt/ route", call);
          const cause = nameCause(call);
          console.log(`named cause: ${cause.message}`);
          assert.equal(call.page.state, "failed");
          assert.equal(cause.name, "lk-jwt-not-routed", cause.message);
        },
      );

      it(
        "fault: coturn with a certificate the browser does not trust leaves a TLS-only network without media, naming the certificate",
        { timeout: 180_000 },
        async () => {
          const fleet = current();
          const { call, presented } = await withUntrustedTurnCertificate(fleet, async () => ({
            presented: (await presentedTurnCertificate(fleet)).trusted,
            call: await tlsOnly(() =>
              mediaCall(browserLab(), fleet.target(), {
                stack: STACK,
                namespace: STRICT_NAMESPACE,
                listenerNamespace: CLIENT_NAMESPACE,
                joinWithinMs: 45_000,
              }),
            ),
          }));
          report("media call, TLS-only network, coturn's certificate untrusted", call);
          const cause = nameCause(call, presented);
          console.log(`named cause: ${cause.message}`);
          assert.notEqual(
            call.heard?.audible !== undefined,
            true,
            "the call carried audio with an untrusted TURN certificate",
          );
          assert.equal(cause.name, "turn-tls-untrusted", cause.message);
        },
      );
    });

    describe("step two, Element Call (npm @element-hq/element-call-embedded 0.26.1) in a widget host as Element Web hosts it", () => {
      it(
        "joins a call in a produktor room as a person does (lobby, Join call); an rtc-node participant hears it",
        { timeout: 180_000 },
        async () => {
          const call = await elementCall(browserLab(), current().target(), {
            stack: STACK,
            namespace: CLIENT_NAMESPACE,
            listenerNamespace: CLIENT_NAMESPACE,
            screenshot: path.join(SCREENSHOTS, "element-call-joined.png"),
          });
          report("Element Call", call);
          console.log(
            `Element Call's actions to the host: ${JSON.stringify((call.page as { actions?: string[] }).actions)}; refused capabilities: ${JSON.stringify((call.page as { refused?: string[] }).refused)}`,
          );
          assertHeard(call, labNames());
          const token = call.network.find(
            (n) => n.method === "POST" && /\/livekit\/jwt\/(sfu\/get|get_token)$/.test(n.url),
          );
          assert.equal(
            token?.status,
            200,
            `Element Call got no token from lk-jwt-service through the proxy: ${JSON.stringify(call.network.filter((n) => n.url.includes("/livekit/")))}`,
          );
          assert.ok(
            call.screenshot !== undefined && fs.statSync(call.screenshot).size > 10_000,
            "no screenshot of the joined call",
          );
        },
      );

      it(
        "fault: Element Call with /livekit/jwt/ not routed gets no token, and nobody hears it, naming the route",
        { timeout: 180_000 },
        async () => {
          const call = await current().withoutLocation(STACK, "/livekit/jwt/", () =>
            elementCall(browserLab(), current().target(), {
              stack: STACK,
              namespace: CLIENT_NAMESPACE,
              listenerNamespace: CLIENT_NAMESPACE,
              screenshot: path.join(SCREENSHOTS, "element-call-without-lk-jwt-route.png"),
              joinWithinMs: 45_000,
              // The iframe's refused preflight is the failure: Element Call then stays in its joining state.
              failsWhen: (lines) => corsRefusal(lines, "/livekit/jwt/") !== undefined,
            }),
          );
          report("Element Call without the /livekit/jwt/ route", call);
          const cause = nameCause(call);
          console.log(`named cause: ${cause.message}`);
          assert.equal(call.heard?.audible, undefined, "a call carried audio without lk-jwt-service's route");
          // Element Call sends io.element.join before it has a token: what must not happen is a token.
          assert.ok(
            !call.network.some(
              (n) => n.method === "POST" && n.url.includes("/livekit/jwt/") && n.status === 200,
            ),
            "Element Call got a token from lk-jwt-service without its route",
          );
          assert.equal(cause.name, "lk-jwt-not-routed", cause.message);
        },
      );
    });
  });
}
