/**
 * A Synapse burst, as an all-hands starts: members join the call's room and announce their call membership within
 * one window, each at its own moment (evenly spread), from the namespace this runs in, through the proxy. Each does
 * what matrix-js-sdk's MembershipManager does on joining a call (matrix-org/matrix-js-sdk
 * src/matrixrtc/MembershipManager.ts): the delayed leave event first (MSC4140, `org.matrix.msc4140.delay`), then
 * the `org.matrix.msc3401.call.member` state under `_<user>_<device>_m.call` with the session membership content;
 * joining the room first, as a member who was not in it yet. A 429 is retried after Synapse's `retry_after_ms`,
 * as the SDK retries (at most 8 times per request). Prints one JSON line, {"burst": [...]} or {"error": "..."}.
 *
 * Usage: burst-client.ts < {"homeserver", "roomId", "windowMs", "livekitServiceUrl", "members": [...]}
 */
import type { BurstOutcome } from "./burst-stats";

interface BurstMember {
  readonly userId: string;
  readonly accessToken: string;
  readonly deviceId: string;
}

interface BurstInput {
  readonly homeserver: string;
  readonly roomId: string;
  readonly windowMs: number;
  readonly livekitServiceUrl: string;
  readonly members: readonly BurstMember[];
}

const MAX_RETRIES = 8;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One request, retried on 429 after `retry_after_ms` (default 5 s, as the SDK); counts the 429s it met. */
async function request(
  url: string,
  method: string,
  token: string,
  body: unknown,
  counts: { rateLimited: number },
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (response.ok) return;
    if (response.status === 429 && attempt < MAX_RETRIES) {
      counts.rateLimited++;
      const answer = JSON.parse(text || "{}") as { retry_after_ms?: number };
      await sleep(Math.min(answer.retry_after_ms ?? 5000, 30_000));
      continue;
    }
    throw new Error(
      `${method} ${new URL(url).pathname.slice(0, 60)}: HTTP ${response.status} ${text.slice(0, 160)}`,
    );
  }
}

async function announce(input: BurstInput, member: BurstMember, index: number): Promise<BurstOutcome> {
  const room = encodeURIComponent(input.roomId);
  const api = `${input.homeserver}/_matrix/client/v3`;
  const counts = { rateLimited: 0 };
  const started = Date.now();
  let joinMs = 0;
  try {
    await request(`${api}/join/${room}`, "POST", member.accessToken, {}, counts);
    joinMs = Date.now() - started;
    const stateKey = encodeURIComponent(`_${member.userId}_${member.deviceId}_m.call`);
    const state = `${api}/rooms/${room}/state/org.matrix.msc3401.call.member/${stateKey}`;
    await request(`${state}?org.matrix.msc4140.delay=8000`, "PUT", member.accessToken, {}, counts);
    await request(state, "PUT", member.accessToken, membership(input, member), counts);
    return { member: index, ms: Date.now() - started, joinMs, rateLimited: counts.rateLimited };
  } catch (error) {
    return {
      member: index,
      ms: Date.now() - started,
      joinMs,
      rateLimited: counts.rateLimited,
      error: String((error as Error).message ?? error),
    };
  }
}

/** The session membership content (matrix-js-sdk src/matrixrtc/membershipData/session.ts). */
function membership(input: BurstInput, member: BurstMember): Record<string, unknown> {
  return {
    application: "m.call",
    call_id: "",
    scope: "m.room",
    device_id: member.deviceId,
    membershipID: `${member.userId}:${member.deviceId}`,
    expires: 14_400_000,
    "m.call.intent": "audio",
    focus_active: { type: "livekit", focus_selection: "oldest_membership" },
    foci_preferred: [
      { type: "livekit", livekit_service_url: input.livekitServiceUrl, livekit_alias: input.roomId },
    ],
  };
}

async function main(): Promise<void> {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const input = JSON.parse(Buffer.concat(chunks).toString("utf8")) as BurstInput;
    const spacing = input.members.length > 1 ? input.windowMs / input.members.length : 0;
    const outcomes = await Promise.all(
      input.members.map(async (member, index) => {
        await sleep(index * spacing);
        return announce(input, member, index);
      }),
    );
    console.log(JSON.stringify({ burst: outcomes }));
  } catch (error) {
    console.log(JSON.stringify({ error: String((error as Error).message ?? error) }));
  }
  process.exit(0);
}

if (require.main === module) void main();
