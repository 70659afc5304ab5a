/**
 * One side of a classic Matrix 1:1 call's TURN path, in a process inside one of the lab's namespaces: the TURN
 * credentials Synapse hands this user (`/voip/turnServer`, through the names as this namespace resolves them), a
 * relay allocated on coturn over UDP at the TURN name, then datagrams to the other side's relay through it (Send
 * indications) while counting what comes back (Data indications). Line protocol on stdout/stdin:
 * prints {"relay": "<address>:<port>", "turn": "<address>"}, reads the other side's relay as one line, prints
 * {"heard": <datagrams>} or {"error": "..."}; exits 0 within its deadline.
 *
 * Usage: turn-relay-peer.ts <homeserver base URL> <access token> <deadline ms>   (the lab CA in NODE_EXTRA_CA_CERTS)
 */
import { lookup } from "node:dns/promises";
import * as readline from "node:readline";
import { TurnSession } from "../verify/turn-client";

async function relayExchange(base: string, token: string, deadlineMs: number): Promise<number> {
  const answer = await fetch(`${base}/_matrix/client/v3/voip/turnServer`, {
    headers: { Authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(8000),
  });
  const turn = (await answer.json()) as { username: string; password: string; uris: string[] };
  const uri = turn.uris.find((u) => /^turn:[^?]+\?transport=udp$/.test(u));
  if (uri === undefined) throw new Error(`no turn: UDP URI in ${turn.uris.join(", ")}`);
  const [, host, port] = /^turn:([^:?]+):(\d+)/.exec(uri)!;
  const { address } = await lookup(host!, { family: 4 });
  const session = await TurnSession.open({ host: address, port: Number(port), transport: "udp" }, 5000);
  try {
    const allocated = await session.allocate(turn.username, turn.password);
    if (allocated.relay === undefined)
      throw new Error(`allocation refused: ${allocated.errorCode} ${allocated.errorReason ?? ""}`);
    console.log(
      JSON.stringify({ relay: `${allocated.relay.address}:${allocated.relay.port}`, turn: address }),
    );
    const peerLine = await new Promise<string>((resolve) =>
      readline.createInterface({ input: process.stdin }).once("line", resolve),
    );
    const [peerAddress, peerPort] = peerLine.trim().split(":");
    const permitted = await session.createPermission(peerAddress!);
    if (!permitted.ok) throw new Error(`permission for ${peerLine} refused: ${permitted.errorCode}`);
    let heard = 0;
    session.onData = () => heard++;
    const until = Date.now() + deadlineMs;
    // Keep sending after hearing enough: the other side may have given its permission later (lan-and-peers.ts).
    for (let i = 0; Date.now() < until && (heard < 10 || i < 60); i++) {
      session.sendTo({ address: peerAddress!, port: Number(peerPort) }, Buffer.from(`datagram ${i}`));
      await new Promise((r) => setTimeout(r, 50));
    }
    if (heard < 10) throw new Error(`${heard} datagrams came back through the relay within ${deadlineMs} ms`);
    return heard;
  } finally {
    await session.close();
  }
}

async function main(): Promise<void> {
  const [base, token, deadline] = process.argv.slice(2);
  try {
    console.log(JSON.stringify({ heard: await relayExchange(base!, token!, Number(deadline ?? 10000)) }));
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    console.log(
      JSON.stringify({ error: `${(error as Error).message}${cause === undefined ? "" : ` (${cause})`}` }),
    );
  }
  process.exit(0);
}

void main();
