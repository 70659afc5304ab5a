/**
 * A shared-IP office (issue #15; field failures 14 and 15), on the Docker lab: many MatrixRTC members behind one
 * address restart their delayed leave events (Element Call's heartbeat, MSC4140) through the proxy at once. With
 * their access tokens Synapse limits each member on their own (Synapse >= 1.156, rc_delayed_event_mgmt per user);
 * without one (clients before matrix-js-sdk#5340) the office shares one bucket, and that bucket must be the
 * office's own address (x_forwarded: true behind the proxy), not the proxy's, which every client would share.
 * The office is the lab's client namespace; a second address is the strict-network namespace. The fault: the same
 * check through a Synapse without x_forwarded (preflight refuses to deploy one) must fail.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";
import { ELEMENT_CALL_RATE_LIMITS } from "../../facts/synapse";
import { LabFleet } from "../deploy/fleet";
import { withFileVariant } from "../deploy/file-variant";
import { CLIENT_NAMESPACE } from "../deploy/sites";
import { Session, call, get, registerWithSharedSecret } from "../matrix-client";
import { runScriptIn } from "../namespace-script";
import { STRICT_NAMESPACE } from "./strict-network";

const STACK = "produktor";
const MEMBERS = 10;

/**
 * Heartbeats each member sends in the burst: four times, in all, the running rc_delayed_event_mgmt's burst_count,
 * so that one address runs out of its bucket although it drains while the burst arrives (Element Call's 20 at 1/s
 * with lk-jwt-service 0.5.0; 120 at 15/s with 0.6.0, whose delegated restarts for all call members share
 * lk-jwt-service's address: model/release.ts).
 */
function beatsPerMember(fleet: LabFleet): number {
  const limit = fleet.homeserver(STACK).rc_delayed_event_mgmt as { burst_count?: number } | undefined;
  assert.ok(limit?.burst_count, "produktor's homeserver.yaml has no rc_delayed_event_mgmt.burst_count");
  return Math.ceil((4 * limit.burst_count) / MEMBERS);
}

interface Member {
  readonly session: Session;
  readonly delayId: string;
}

/** One member of a call: a user of their own, in a room of their own, with a delayed leave event scheduled. */
async function member(fleet: LabFleet, baseUrl: string, index: number): Promise<Member> {
  const secret = String(fleet.homeserver(STACK).registration_shared_secret);
  const name = `office-${index}-${randomBytes(3).toString("hex")}`;
  const session = await registerWithSharedSecret(
    `http://${fleet.site(STACK).dockerLan}:8008`,
    secret,
    name,
    randomBytes(12).toString("hex"),
    false,
  );
  const token = session.accessToken;
  const { room_id: roomId } = (await call(baseUrl, "POST", "/_matrix/client/v3/createRoom", {
    token,
    body: {},
  })) as {
    room_id: string;
  };
  // What Element Call schedules on joining: its leave event, sent by Synapse unless restarted in time.
  const stateKey = encodeURIComponent(`_${session.userId}_OFFICE`);
  const scheduled = (await call(
    baseUrl,
    "PUT",
    `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/org.matrix.msc3401.call.member/${stateKey}?org.matrix.msc4140.delay=600000`,
    { token, body: {} },
  )) as { delay_id: string };
  return { session: { ...session, baseUrl }, delayId: scheduled.delay_id };
}

/** Sends the heartbeats at once from a namespace through the proxy; how many got each HTTP status. */
function burst(
  namespace: string,
  caFile: string,
  baseUrl: string,
  beats: ReadonlyArray<{ delayId: string; token?: string }>,
): Record<string, number> {
  const result = runScriptIn(
    { namespace, env: { NODE_EXTRA_CA_CERTS: caFile } },
    path.join(__dirname, "..", "office-client.ts"),
    [baseUrl, JSON.stringify(beats)],
    ["statuses", "error"],
  );
  if (typeof result.error === "string") throw new Error(`the office's heartbeats: ${result.error}`);
  return result.statuses as Record<string, number>;
}

/**
 * Unauthenticated heartbeats, as clients before matrix-js-sdk#5340 send them: the office's burst must run out of
 * its bucket, and a burst from another address right after must not (its bucket is its own).
 */
async function theOfficeRunsOutAlone(
  { fleet, baseUrl, caFile }: { fleet: LabFleet; baseUrl: string; caFile: string },
  members: readonly Member[],
): Promise<void> {
  assert.ok(members.length > 0, "the heartbeat scenario above made no members");
  const beats = beatsPerMember(fleet);
  const anonymous = members.flatMap((m) => Array.from({ length: beats }, () => ({ delayId: m.delayId })));
  const office = burst(CLIENT_NAMESPACE, caFile, baseUrl, anonymous);
  assert.ok(
    (office[429] ?? 0) > 0,
    `${anonymous.length} unauthenticated heartbeats from one address were all accepted (${JSON.stringify(office)}): Synapse's per-address bucket did not apply, so this scenario proves nothing`,
  );
  const elsewhere = burst(STRICT_NAMESPACE, caFile, baseUrl, anonymous.slice(0, 5));
  assert.deepEqual(
    elsewhere,
    { 200: 5 },
    `another address was limited right after the office ran out (${JSON.stringify(elsewhere)}): Synapse takes one address for every client, the proxy's; the synapse listener behind the proxy needs x_forwarded: true`,
  );
}

export function sharedOfficeScenarios(current: () => LabFleet): void {
  describe("a shared-IP office: Element Call's heartbeats from ten members behind one address", () => {
    let members: Member[] = [];
    const context = () => {
      const fleet = current();
      const org = fleet.target().organisation(STACK);
      return { fleet, baseUrl: `https://${org.hostnames[1]}`, caFile: org.caFile };
    };

    it(
      "with their access tokens, every heartbeat is accepted (limited per member)",
      { timeout: 120_000 },
      async () => {
        const { fleet, baseUrl, caFile } = context();
        members = await Promise.all(Array.from({ length: MEMBERS }, (_, i) => member(fleet, baseUrl, i)));
        const beats = members.flatMap((m) =>
          Array.from({ length: beatsPerMember(fleet) }, () => ({
            delayId: m.delayId,
            token: m.session.accessToken,
          })),
        );
        const statuses = burst(CLIENT_NAMESPACE, caFile, baseUrl, beats);
        assert.deepEqual(
          statuses,
          { 200: beats.length },
          `${beats.length} authenticated heartbeats from one address were not all accepted (${JSON.stringify(statuses)}): members of one office drop out of calls. Synapse >= 1.156 limits authenticated restarts per user, each member's within the deployed rc_delayed_event_mgmt`,
        );
      },
    );

    it("Synapse records each member's own address, not the proxy's (x_forwarded behind the proxy)", async () => {
      const { fleet, baseUrl } = context();
      assert.ok(members.length > 0, "the heartbeat scenario above made no members");
      const admin = await registerWithSharedSecret(
        `http://${fleet.site(STACK).dockerLan}:8008`,
        String(fleet.homeserver(STACK).registration_shared_secret),
        `office-admin-${randomBytes(3).toString("hex")}`,
        randomBytes(12).toString("hex"),
        true,
      );
      const whois = (await get(
        { ...admin, baseUrl },
        `/_synapse/admin/v1/whois/${encodeURIComponent(members[0]!.session.userId)}`,
      )) as { devices: Record<string, { sessions: Array<{ connections: Array<{ ip: string }> }> }> };
      const addresses = Object.values(whois.devices).flatMap((d) =>
        d.sessions.flatMap((s) => s.connections.map((c) => c.ip)),
      );
      assert.ok(
        addresses.includes("198.19.200.2"),
        `Synapse recorded ${JSON.stringify(addresses)} for a member who sent heartbeats from 198.19.200.2: the synapse listener behind the proxy needs x_forwarded: true`,
      );
      assert.ok(
        !addresses.includes(fleet.site(STACK).proxyLan),
        "Synapse recorded the proxy's address for a member",
      );
    });

    it(
      "without tokens, the office shares one bucket of its own: another address is not limited",
      {
        timeout: 120_000,
      },
      async () => {
        await theOfficeRunsOutAlone(context(), members);
      },
    );

    it(
      "through a Synapse that takes the proxy's address, the other address is limited too (fault)",
      {
        timeout: 240_000,
      },
      async () => {
        const { fleet } = context();
        const site = fleet.site(STACK);
        // Element Call's own limit (1/s, burst 20) in the variant: the probe from the other address starts a
        // second or two after the office's burst, and the shared bucket must still be full then (at the 15/s
        // rendered for delegated leave it would have drained).
        const proxyAddressOnly = (deployed: string) => {
          const homeserver = yaml.load(deployed) as { listeners: Array<Record<string, unknown>> } & Record<
            string,
            unknown
          >;
          for (const listener of homeserver.listeners) listener.x_forwarded = false;
          const { per_second, burst_count } = ELEMENT_CALL_RATE_LIMITS.rc_delayed_event_mgmt;
          homeserver.rc_delayed_event_mgmt = { per_second, burst_count };
          return yaml.dump(homeserver);
        };
        await withFileVariant(
          site,
          {
            container: `matrix-${STACK}-synapse`,
            file: "/config/homeserver.yaml",
            edit: proxyAddressOnly,
            readyUrl: `http://${site.dockerLan}:8008/health`,
            readyWithinMs: 90_000,
          },
          () =>
            assert.rejects(theOfficeRunsOutAlone(context(), members), (error: Error) => {
              assert.match(error.message, /another address was limited[\s\S]*x_forwarded: true/);
              return true;
            }),
        );
      },
    );
  });
}
