/**
 * One MatrixRTC member's media connection, as Element Call holds it after lk-jwt-service: it joins LiveKit with the
 * token lk-jwt-service handed out, prints {"connected": "<identity>"} and stays until its deadline, so that a
 * scenario can make it vanish (SIGKILL: no leave is ever sent, as when a phone dies or loses its network).
 *
 * Usage: rtc-member.ts <ws url> <token> <deadline ms>
 */
import { Room, dispose } from "@livekit/rtc-node";

async function main(url: string, token: string, deadlineMs: number): Promise<void> {
  const room = new Room();
  const stop = setTimeout(() => undefined, deadlineMs);
  try {
    await room.connect(url, token, { autoSubscribe: false, dynacast: false });
    process.stdout.write(`${JSON.stringify({ connected: room.localParticipant?.identity ?? "" })}\n`);
    await new Promise((resolve) => setTimeout(resolve, deadlineMs));
    await room.disconnect();
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ error: (error as Error).message })}\n`);
  } finally {
    clearTimeout(stop);
    await dispose();
  }
}

const [url, token, deadline] = process.argv.slice(2);
if (url === undefined || token === undefined) {
  process.stdout.write(
    `${JSON.stringify({ error: "usage: rtc-member.ts <ws url> <token> <deadline ms>" })}\n`,
  );
  process.exit(0);
}
void main(url, token, Number(deadline ?? 60_000)).then(() => process.exit(0));
