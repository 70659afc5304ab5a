/**
 * What the call scenarios of issue #29 share: lab users, the people of a call each in their own namespace
 * (lab/participant.ts), and the TURN path of a classic 1:1 call between a namespace and the internet
 * (lab/turn-relay-peer.ts, with this process as the other side).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import { lookup } from "node:dns/promises";
import * as path from "node:path";
import * as readline from "node:readline";
import { targetOfStack } from "../cli/verify-target-of";
import { parseStackConfig, projectConfig } from "../config/stack-config";
import { engineConfig } from "./deploy/deployed-secrets";
import { loginChecks } from "../verify/client-checks";
import { CheckResult, VerifyContext, newVerifyContext } from "../verify/context";
import { TurnSession } from "../verify/turn-client";
import { LabFleet } from "./deploy/fleet";
import { Session, call, registerWithSharedSecret } from "./matrix-client";
import { runScriptInAsync } from "./namespace-script";
import { labCaDir } from "./deploy/sites";

/** A fresh user of a lab stack, registered directly at its Synapse, with a session at its public homeserver URL. */
export async function labUser(fleet: LabFleet, stack: string, name: string): Promise<LabUser> {
  const username = `${name}-${randomBytes(3).toString("hex")}`;
  const password = randomBytes(12).toString("hex");
  const secret = String(fleet.homeserver(stack).registration_shared_secret);
  const direct = await registerWithSharedSecret(
    `http://${fleet.site(stack).dockerLan}:8008`,
    secret,
    username,
    password,
    false,
  );
  const org = fleet.target().organisation(stack);
  return { ...direct, baseUrl: `https://${org.hostnames[1]}`, name: username, password };
}

export interface LabUser extends Session {
  readonly name: string;
  readonly password: string;
}

/**
 * Some of `verify`'s checks, in this process, against a stack as the lab deployed it (the workspace's stack file,
 * lab addresses included): a login as `user`, then `groups`. What each check concluded, as verify prints it.
 */
export async function verifySome(
  fleet: LabFleet,
  stack: string,
  user: LabUser,
  groups: ReadonlyArray<(ctx: VerifyContext) => Promise<void>>,
  peerTokens: Record<string, string> = {},
): Promise<CheckResult[]> {
  // The stack's config as the engine hands it to the program (as LabFleet.rendered reads it).
  const config = fleet.workspace.pulumiSync(["config", "--json", "--stack", stack]);
  const values = projectConfig(engineConfig(config.stdout));
  for (const key of ["npmIdentity", "npmSecret", "adoptedSecrets"]) delete values[key];
  const org = parseStackConfig(stack, values).config;
  if (org === undefined) throw new Error(`the lab's config of ${stack} does not parse`);
  const ctx = newVerifyContext(targetOfStack(org), {
    user: { name: user.name, password: user.password },
    expectIp: fleet.site(stack).wan,
    peerTokens,
  });
  await loginChecks(ctx);
  for (const group of groups) await group(ctx);
  return ctx.results;
}

/** The result of one check, asserted to exist. */
export function checkNamed(results: readonly CheckResult[], name: string): CheckResult {
  const found = results.find((r) => r.name === name);
  if (found === undefined)
    throw new Error(`no check '${name}' among ${results.map((r) => r.name).join(", ")}`);
  return found;
}

export const caFile = () => path.join(labCaDir(), "ca.pem");

/** One person of a call: their namespace and their LiveKit connections (participant.ts). */
export interface Person {
  readonly namespace: string;
  readonly connections: ReadonlyArray<{ url: string; token: string; publish: boolean; listen: boolean }>;
}

/** Everyone of one call at once, each in their own process and namespace: what each heard, or why nothing. */
export async function callOf(
  people: readonly Person[],
  deadlineMs = 25_000,
): Promise<Array<Record<string, unknown>>> {
  const script = path.join(__dirname, "participant.ts");
  // Where each writes that they heard the call: nobody leaves before everyone did (participant.ts).
  const rendezvous = fs.mkdtempSync(path.join(os.tmpdir(), "call-"));
  try {
    return await Promise.all(
      people.map((person) =>
        runScriptInAsync(
          { namespace: person.namespace, env: { SSL_CERT_FILE: caFile(), NODE_EXTRA_CA_CERTS: caFile() } },
          script,
          [String(deadlineMs), JSON.stringify(person.connections), rendezvous, String(people.length)],
          ["audible", "error"],
          deadlineMs + 20_000,
        ),
      ),
    );
  } finally {
    fs.rmSync(rendezvous, { recursive: true, force: true });
  }
}

/**
 * A 1:1 call's TURN path between `namespace` (its user's credentials from `nearBase`, resolved as that namespace
 * resolves names) and this process on the internet (`far`): each allocates a relay with Synapse's credentials,
 * permits the other's, and sends datagrams through coturn. What each side received, or why not.
 */
export async function relayedOneToOne(
  namespace: string,
  near: Session,
  far: Session,
  deadlineMs = 10_000,
): Promise<{ near: Record<string, unknown>; far: number | string }> {
  const child = spawn(
    "ip",
    [
      "netns",
      "exec",
      namespace,
      process.execPath,
      "--import",
      "tsx",
      path.join(__dirname, "turn-relay-peer.ts"),
      near.baseUrl,
      near.accessToken,
      String(deadlineMs),
    ],
    { env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile() }, stdio: ["pipe", "pipe", "pipe"] },
  );
  const killer = setTimeout(() => child.kill("SIGKILL"), deadlineMs + 30_000);
  const lines: Array<Record<string, unknown>> = [];
  const firstLine = new Promise<Record<string, unknown>>((resolve) => {
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      if (!line.startsWith("{")) return;
      lines.push(JSON.parse(line) as Record<string, unknown>);
      if (lines.length === 1) resolve(lines[0]!);
    });
  });
  const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
  try {
    const first = await Promise.race([firstLine, closed.then(() => lines[0] ?? { error: "died" })]);
    if (typeof first.relay !== "string") return { near: first, far: "the near side allocated nothing" };
    const farResult = await farSide(far, first.relay, (relay) => child.stdin.write(`${relay}\n`), deadlineMs);
    await closed;
    return { near: lines.at(-1) ?? { error: "no result" }, far: farResult };
  } finally {
    clearTimeout(killer);
    child.kill("SIGKILL");
  }
}

/** Datagrams each side of the 1:1 TURN path sends at least (50 ms apart), whenever it heard enough. */
export const RELAY_DATAGRAMS = 60;

/** This process's side: allocate, hand our relay to the near side, permit and send to theirs, count what comes. */
async function farSide(
  far: Session,
  nearRelay: string,
  tell: (relay: string) => void,
  deadlineMs: number,
): Promise<number | string> {
  const turn = await call(far.baseUrl, "GET", "/_matrix/client/v3/voip/turnServer", {
    token: far.accessToken,
  });
  const uri = (turn.uris as string[]).find((u) => /^turn:[^?]+\?transport=udp$/.test(u))!;
  const [, host, port] = /^turn:([^:?]+):(\d+)/.exec(uri)!;
  const { address } = await lookup(host!, { family: 4 });
  const session = await TurnSession.open({ host: address, port: Number(port), transport: "udp" }, 5000);
  try {
    const allocated = await session.allocate(String(turn.username), String(turn.password));
    if (allocated.relay === undefined) return `allocation refused: ${allocated.errorCode}`;
    const [nearAddress, nearPort] = nearRelay.split(":");
    const permitted = await session.createPermission(nearAddress!);
    if (!permitted.ok) return `permission refused: ${permitted.errorCode}`;
    let heard = 0;
    session.onData = () => heard++;
    tell(`${allocated.relay.address}:${allocated.relay.port}`);
    const until = Date.now() + deadlineMs;
    // Keep sending for a while after hearing: the other side may have given its permission later than we did.
    for (let i = 0; Date.now() < until && (heard < 10 || i < RELAY_DATAGRAMS); i++) {
      session.sendTo({ address: nearAddress!, port: Number(nearPort) }, Buffer.from(`datagram ${i}`));
      await new Promise((r) => setTimeout(r, 50));
    }
    return heard;
  } finally {
    await session.close();
  }
}

/** The hosts file of a lab namespace (`ip netns exec` mounts it as that namespace's /etc/hosts at each start). */
export function writeNamespaceHosts(namespace: string, lines: readonly string[]): void {
  const base = fs.readFileSync(path.join(process.env.LAB_DIR ?? ".lab/deploy", "hosts"), "utf8");
  // First match wins: the given lines (the LAN's own DNS answers) before the internet's.
  fs.writeFileSync(`/etc/netns/${namespace}/hosts`, [...lines, base].join("\n"));
}
