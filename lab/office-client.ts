/**
 * An office behind one address, as Synapse sees it: a burst of MatrixRTC heartbeats (MSC4140 `restart` of each
 * member's delayed leave event) sent in quick waves of 40 from the namespace this runs in, with the member's
 * access token or without one (clients before matrix-js-sdk#5340 send none). Prints one JSON line,
 * {"statuses": {"<HTTP status>": <count>, ...}} or {"error": "..."}; exits 0 either way.
 *
 * Usage: office-client.ts <homeserver base URL> <JSON list of {"delayId": "...", "token"?: "..."}>
 */
/** Requests in flight at once. */
const WAVE = 40;

interface Heartbeat {
  readonly delayId: string;
  readonly token?: string;
}

async function restart(baseUrl: string, heartbeat: Heartbeat): Promise<number> {
  const response = await fetch(
    `${baseUrl}/_matrix/client/unstable/org.matrix.msc4140/delayed_events/${encodeURIComponent(heartbeat.delayId)}`,
    {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        ...(heartbeat.token ? { Authorization: `Bearer ${heartbeat.token}` } : {}),
      },
      body: JSON.stringify({ action: "restart" }),
      signal: AbortSignal.timeout(20_000),
    },
  );
  await response.arrayBuffer();
  return response.status;
}

async function main(): Promise<void> {
  const [baseUrl, list] = process.argv.slice(2);
  try {
    if (baseUrl === undefined || list === undefined)
      throw new Error("usage: office-client.ts <url> <heartbeats>");
    const statuses: Record<string, number> = {};
    const heartbeats = JSON.parse(list) as Heartbeat[];
    // In waves of WAVE requests at once, one wave right after the other: hundreds of TLS connections opened at
    // once through the proxy failed ("fetch failed" with 360), while 40 at once never did.
    for (let start = 0; start < heartbeats.length; start += WAVE) {
      const wave = heartbeats.slice(start, start + WAVE);
      for (const status of await Promise.all(wave.map((h) => restart(baseUrl, h))))
        statuses[status] = (statuses[status] ?? 0) + 1;
    }
    console.log(JSON.stringify({ statuses }));
  } catch (error) {
    console.log(JSON.stringify({ error: String((error as Error).message ?? error) }));
  }
  process.exit(0);
}

void main();
