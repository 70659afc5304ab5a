/**
 * The capacity benchmark's smoke (issue #31), on the deployed fleet: the audio load generator (lab/load/audio-load)
 * with a few members for a few seconds, and a small Synapse burst, so that neither can rot between benchmark runs
 * (`BENCH=capacity ./fleet bench` runs the full ramp, and runs this smoke first). Four produktor members, logged in
 * through the proxy, join one call from the lab's client namespace through the organisation's real path (OpenID,
 * lk-jwt-service's token, LiveKit through the proxy); two of them speak. Every member must join, hear every speaker
 * with next to no loss, and LiveKit's side must be readable (its cgroup's CPU, its media sockets). Then the same
 * members join the call's room and send their call membership within a few seconds.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { LabFleet } from "../deploy/fleet";
import { CLIENT_NAMESPACE } from "../deploy/sites";
import { ClientView, callStep, discover } from "../load/call-step";
import { Member } from "../load/generator";
import { LivekitProbe } from "../load/livekit-probe";
import { Organisation, callRoom, newMembers } from "../load/members";
import { synapseBurst } from "../load/synapse-burst";

const STACK = "produktor";
const MEMBERS = 4;
const SPEAKERS = 2;

export interface SmokeCall {
  readonly members: Member[];
  readonly view: ClientView;
}

function organisation(fleet: LabFleet, view: ClientView): Organisation {
  const site = fleet.site(STACK);
  return {
    synapseUrl: `http://${site.dockerLan}:8008`,
    homeserverUrl: view.homeserverUrl,
    registrationSecret: String(fleet.homeserver(STACK).registration_shared_secret),
  };
}

/** The smoke's call; throws (an assertion) when a member did not join, hear every speaker, or LiveKit is unread. */
export async function smokeCall(fleet: LabFleet): Promise<SmokeCall> {
  const site = fleet.site(STACK);
  const caFile = fleet.target().organisation(STACK).caFile;
  const view = await discover(site.serverName);
  const org = organisation(fleet, view);
  const members = await newMembers(org, `load-${randomBytes(3).toString("hex")}`, MEMBERS);
  const room = await callRoom(org, members[0]!, "capacity smoke");
  const range = fleet.rendered(STACK, "livekit/livekit.yaml").match(/port_range_(start|end): (\d+)/g) ?? [];
  const [start, end] = range.map((line) => Number(line.split(": ")[1]));
  const probe = LivekitProbe.open(site, STACK, { start: start!, end: end! });
  const { figures, server } = await callStep(
    { namespace: CLIENT_NAMESPACE, caFile, view },
    probe,
    room,
    members,
    {
      speakers: SPEAKERS,
      joinsPerSecond: 10,
      settleSeconds: 2,
      measureSeconds: 5,
    },
  );
  console.log(`capacity smoke: ${JSON.stringify({ figures, server })}`);
  assert.equal(
    figures.joined,
    MEMBERS,
    `not every member joined the call: ${JSON.stringify(figures.joinFailures)}`,
  );
  // Two speakers: each hears the other, each listener hears both.
  assert.equal(figures.expectedTracks, SPEAKERS * (MEMBERS - 1));
  assert.equal(figures.missingTracks, 0, "a member never received a speaker's audio");
  assert.ok(
    figures.receivedPps > 0.8 * figures.expectedTracks * 50,
    `the subscribers received ${figures.receivedPps.toFixed(0)} packets/s, expected about ${figures.expectedTracks * 50}`,
  );
  assert.ok(
    figures.lossPercent < 2,
    `packet loss ${figures.lossPercent.toFixed(2)} % with ${MEMBERS} members`,
  );
  assert.ok(server !== undefined, "no server sample");
  assert.ok(server.livekitCores > 0, "LiveKit's cgroup showed no CPU time during the call");
  assert.ok(
    server.mediaPorts >= MEMBERS,
    `LiveKit held ${server.mediaPorts} UDP ports in its media range for ${MEMBERS} members: its sockets are not where the probe looks`,
  );
  assert.ok(figures.generatorCores > 0, "the generator reported no CPU time");
  return { members, view };
}

/** The smoke's burst: the call's members join a new room and send their call membership within 4 s. */
export async function smokeBurst(fleet: LabFleet, { members, view }: SmokeCall): Promise<void> {
  const caFile = fleet.target().organisation(STACK).caFile;
  const room = await callRoom(organisation(fleet, view), members[0]!, "capacity smoke burst");
  const burst = await synapseBurst(
    {
      namespace: CLIENT_NAMESPACE,
      caFile,
      homeserverUrl: view.homeserverUrl,
      livekitServiceUrl: view.livekitServiceUrl,
    },
    room,
    members,
    4,
  );
  console.log(`capacity smoke, Synapse burst: ${JSON.stringify(burst)}`);
  assert.equal(burst.errors, 0, `a member's membership failed: ${burst.firstError}`);
  assert.equal(burst.ok, MEMBERS);
}

export function capacityScenarios(current: () => LabFleet): void {
  describe("capacity: the audio load generator and a Synapse burst, a few members for a few seconds", () => {
    let call: SmokeCall | undefined;

    it(
      `${MEMBERS} members (${SPEAKERS} speaking) join one call through the real path and hear every speaker`,
      { timeout: 180_000 },
      async () => {
        call = await smokeCall(current());
      },
    );

    it(
      "the same members join the call's room and send their call membership within 4 s",
      { timeout: 120_000 },
      async () => {
        assert.ok(call !== undefined, "the call above made no members");
        await smokeBurst(current(), call);
      },
    );
  });
}
