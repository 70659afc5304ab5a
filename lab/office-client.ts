/**
 * An office behind one address, as Synapse sees it: a burst of MatrixRTC heartbeats (MSC4140 `restart` of each
 * member's delayed leave event) sent from the namespace this runs in in rounds, each round one heartbeat of every
 * member at once, the rounds right after each other, with the member's access token or without one (clients before
 * matrix-js-sdk#5340 send none). A member's own heartbeats never overlap, as a client's never do: concurrent
 * restarts of one delayed event make PostgreSQL refuse all but one ("could not serialize access due to concurrent
 * update", a 500 once Synapse's retries run out), a load no client makes. Prints one JSON line,
 * {"statuses": {"<HTTP status>": <count>, ...}} or {"error": "..."}; exits 0 either way.
 *
 * Usage: office-client.ts <homeserver base URL> <JSON list of {"delayId": "...", "token"?: "..."}>
 */
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

/** The heartbeats in rounds: the n-th round holds the n-th heartbeat of each member (delayed event) that has one. */
function rounds(heartbeats: readonly Heartbeat[]): Heartbeat[][] {
  const byMember = new Map<string, Heartbeat[]>();
  for (const heartbeat of heartbeats)
    byMember.set(heartbeat.delayId, [...(byMember.get(heartbeat.delayId) ?? []), heartbeat]);
  const longest = Math.max(0, ...[...byMember.values()].map((beats) => beats.length));
  return Array.from({ length: longest }, (_, n) =>
    [...byMember.values()].flatMap((beats) => (n < beats.length ? [beats[n]!] : [])),
  );
}

async function main(): Promise<void> {
  const [baseUrl, list] = process.argv.slice(2);
  try {
    if (baseUrl === undefined || list === undefined)
      throw new Error("usage: office-client.ts <url> <heartbeats>");
    const statuses: Record<string, number> = {};
    const heartbeats = JSON.parse(list) as Heartbeat[];
    for (const round of rounds(heartbeats))
      for (const status of await Promise.all(round.map((h) => restart(baseUrl, h))))
        statuses[status] = (statuses[status] ?? 0) + 1;
    console.log(JSON.stringify({ statuses }));
  } catch (error) {
    console.log(JSON.stringify({ error: String((error as Error).message ?? error) }));
  }
  process.exit(0);
}

void main();
