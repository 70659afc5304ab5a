/**
 * One participant's view of LiveKit's signalling, as a client on the lab's networks sees it: joins a room over
 * LiveKit's WebSocket signalling (the same `/rtc` exchange the SDKs make, decoded with @livekit/protocol) and prints
 * what LiveKit offers it: the ICE servers of its JoinResponse (rtc.turn_servers with minted credentials) and the ICE
 * candidates it trickles for its subscriber connection, which it sends without waiting for the client. Prints one
 * JSON line, {"iceServers": [...], "candidates": [...]} or {"error": "..."}; exits 0 either way within its deadline.
 * Node 20 needs --experimental-websocket for the WebSocket client.
 *
 * Usage: signal-probe.ts <ws(s) url of LiveKit> <token> [deadline ms]
 */
import { SignalResponse } from "@livekit/protocol";

export interface SignallingView {
  /** Every URL of every ICE server in the JoinResponse. */
  readonly iceServers: string[];
  /** The candidates LiveKit trickled, as in their candidateInit: `candidate:<foundation> <component> <transport> ...`. */
  readonly candidates: string[];
}

function probe(url: string, token: string, deadlineMs: number): Promise<SignallingView> {
  const view = { iceServers: [] as string[], candidates: [] as string[] };
  const socket = new WebSocket(
    `${url}/rtc?access_token=${encodeURIComponent(token)}&auto_subscribe=1&protocol=15`,
  );
  socket.binaryType = "arraybuffer";
  return new Promise<SignallingView>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`LiveKit sent no final candidate within ${deadlineMs} ms (${JSON.stringify(view)})`));
    }, deadlineMs);
    socket.onerror = () => {
      clearTimeout(timer);
      reject(new Error(`the signalling connection to ${url} failed`));
    };
    socket.onmessage = (message) => {
      const response = SignalResponse.fromBinary(new Uint8Array(message.data as ArrayBuffer));
      if (response.message.case === "join") {
        view.iceServers.push(...response.message.value.iceServers.flatMap((server) => server.urls));
      } else if (response.message.case === "trickle") {
        const init = JSON.parse(response.message.value.candidateInit) as { candidate?: string };
        if (init.candidate) view.candidates.push(init.candidate);
        if (response.message.value.final) {
          clearTimeout(timer);
          socket.close();
          resolve(view);
        }
      }
    };
  });
}

async function main(): Promise<void> {
  const [url, token, deadline] = process.argv.slice(2);
  try {
    if (url === undefined || token === undefined)
      throw new Error("usage: signal-probe.ts <url> <token> [deadline ms]");
    console.log(JSON.stringify(await probe(url, token, Number(deadline ?? 10_000))));
  } catch (error) {
    console.log(JSON.stringify({ error: String((error as Error).message ?? error) }));
  }
  process.exit(0);
}

void main();
