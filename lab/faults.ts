/**
 * Renderer regressions the lab must catch. Each fault edits one rendered production file (produktor's, unless it
 * names another stack) the way a broken renderer would (after `render`, before the lab overlay); `lab/faults.sh`
 * starts the lab once per fault, with every scenario listed for it, and checks that each fails with a message
 * pointing at the cause.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface Fault {
  readonly name: string;
  /** Whose rendered files it breaks; produktor when absent (medex: the adoption scenario). */
  readonly stack?: string;
  readonly file: string;
  readonly breaks: (text: string) => string;
  /** `--test-name-pattern` of the scenario that must fail. */
  readonly scenario: string;
  /** What the failure must say. */
  readonly expect: RegExp;
}

export const FAULTS: readonly Fault[] = [
  {
    name: "turn-secret",
    file: "coturn/turnserver.conf",
    breaks: (text) => text.replace(/^static-auth-secret=.*$/m, "static-auth-secret=drifted-from-synapse"),
    scenario: "produktor: /voip/turnServer",
    expect: /turn_shared_secret and coturn's static-auth-secret must be one secret/,
  },
  {
    name: "livekit-keys",
    file: "lk-jwt/env",
    breaks: (text) => text.replace(/^LIVEKIT_SECRET=.*$/m, `LIVEKIT_SECRET=${"x".repeat(48)}`),
    scenario: "LiveKit accepts a token",
    expect: /LiveKit refused lk-jwt-service's key pair/,
  },
  {
    name: "node-ip",
    file: "livekit/livekit.yaml",
    // A Docker bridge address: the classic "waiting for media".
    breaks: (text) => text.replace(/node_ip: .*/, "node_ip: 172.18.0.5"),
    scenario: "the first call carries audio",
    expect: /no audio reached the other participant.*rtc\.node_ip/,
  },
  {
    name: "cors",
    file: "proxy-hosts.json",
    breaks: (text) => text.replace(/\s*add_header Access-Control-Allow-Origin \\"\*\\" always;/g, ""),
    scenario: "produktor: serves both well-known files",
    expect: /lacks the CORS header/,
  },
  {
    name: "msc4143-transports",
    file: "synapse/homeserver.yaml",
    breaks: (text) =>
      text.replace(/matrix_rtc:\n {2}transports:\n( {4}.*\n)+/, "matrix_rtc:\n  transports: []\n"),
    scenario: "Synapse's MSC4143 endpoint",
    expect: /msc4143_enabled needs non-empty matrix_rtc\.transports/,
  },
  {
    name: "whitelist",
    file: "synapse/homeserver.yaml",
    breaks: (text) => text.replace(/^ {2}- pro-dukt\.de\n/m, ""),
    scenario: "a pro-dukt user joins a produktor room",
    expect: /federation_domain_whitelist/,
  },
  // The same faults seen by `verify`, as an operator would run it against the live stack.
  {
    name: "cors",
    file: "proxy-hosts.json",
    breaks: (text) => text.replace(/\s*add_header Access-Control-Allow-Origin \\"\*\\" always;/g, ""),
    scenario: "produktor: every check passes but those",
    expect: /FAIL well-known server: .*has no 'Access-Control-Allow-Origin: \*'/,
  },
  {
    name: "turn-secret",
    file: "coturn/turnserver.conf",
    breaks: (text) => text.replace(/^static-auth-secret=.*$/m, "static-auth-secret=drifted-from-synapse"),
    scenario: "produktor: every check passes but those",
    expect: /FAIL TURN allocation over UDP: allocation refused: 401/,
  },
  {
    name: "whitelist",
    file: "synapse/homeserver.yaml",
    breaks: (text) => text.replace(/^ {2}- pro-dukt\.de\n/m, ""),
    scenario: "produktor: every check passes but those",
    expect:
      /FAIL federation both ways with pro-dukt\.de: produktor\.io → pro-dukt\.de: room with invite failed/,
  },
  // Issue #16: verify allocates over the URIs Synapse hands out and checks the relay address coturn reports.
  // Not yet run in the lab (written without it; the engineer who runs the lab runs bash lab/faults.sh).
  {
    name: "turn-uris-443",
    file: "synapse/homeserver.yaml",
    // Synapse hands out TURN on the proxy's port: the stack's own ports still answer, so only what clients get fails.
    breaks: (text) => text.replace(/^( {2}- turns?:turn\.produktor\.io):\d+/gm, "$1:443"),
    scenario: "produktor: every check passes but those",
    expect:
      /FAIL TURN allocation over UDP: Synapse hands out turn:turn\.produktor\.io:443\?transport=udp: port 443 belongs to the reverse proxy/,
  },
  {
    name: "coturn-external-ip",
    file: "coturn/turnserver.conf",
    // A WAN address that is not the site's (no production address, so the lab overlay keeps it as it is).
    breaks: (text) => text.replace(/^external-ip=[^/\n]+/m, "external-ip=198.51.100.77"),
    scenario: "produktor: every check passes but those",
    expect:
      /FAIL TURN allocation over UDP: coturn reports relay 198\.51\.100\.77:[0-9]+, not on the public IP 198\.18\.1\.1/,
  },
  {
    name: "listener-without-federation",
    file: "synapse/homeserver.yaml",
    // The listener loses its federation (and so openid) resource: the join must blame that, not the whitelist.
    breaks: (text) => text.replace(/^( {10}- client\n) {10}- federation\n/m, "$1"),
    scenario: "produktor: every check passes but those",
    expect: /likely cause \/ fix: produktor\.io's own federation API is not served/,
  },
  // Adoption: a renderer that forgets the adopted layout or secrets must not get past the restart test.
  {
    name: "adopted-signing-key",
    stack: "medex",
    file: "synapse/homeserver.yaml",
    breaks: (text) =>
      text.replace(
        /^signing_key_path: .*$/m,
        "signing_key_path: /data/keys/medex-pflegedienst.de.signing.key",
      ),
    scenario: "keeps its server key",
    expect: /server key changed.*signing_key_path/,
  },
  {
    name: "adopted-registration-secret",
    stack: "medex",
    file: "synapse/homeserver.yaml",
    breaks: (text) =>
      text.replace(
        /^registration_shared_secret: .*$/m,
        `registration_shared_secret: ${"regenerated".padEnd(64, "x")}`,
      ),
    scenario: "keeps its server key",
    expect: /registration_shared_secret/,
  },
];

/** Applies `LAB_FAULT` (if set) to its stack's rendered files; fails loudly if the fault did not change them. */
export function applyFault(name: string | undefined, stack: string, renderedDir: string): void {
  if (name === undefined || name === "") return;
  // A fault may be listed more than once (one entry per scenario that must catch it); all break the same way.
  const fault = FAULTS.find((f) => f.name === name);
  if (fault === undefined)
    throw new Error(`unknown LAB_FAULT ${name}; known: ${FAULTS.map((f) => f.name).join(", ")}`);
  if ((fault.stack ?? "produktor") !== stack) return;
  const file = path.join(renderedDir, fault.file);
  const before = fs.readFileSync(file, "utf8");
  const after = fault.breaks(before);
  if (after === before)
    throw new Error(
      `fault ${name} did not change ${fault.file}: the fault no longer matches the renderer's output`,
    );
  fs.writeFileSync(file, after);
  console.log(`lab: fault ${name} injected into ${stack}/${fault.file}`);
}

if (require.main === module) {
  // Used by lab/faults.sh: one line per fault, "name<TAB>scenario<TAB>expected pattern".
  for (const fault of FAULTS) console.log([fault.name, fault.scenario, fault.expect.source].join("\t"));
}
