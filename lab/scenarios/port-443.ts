/**
 * Calls from networks that pass nothing but TCP 443 (issue #29, field failure 32; livekit#3996), on the Docker lab:
 * pro-dukt runs TURN on 443 of its site's second WAN address (`turn.port443Ip`, set by the lab: its router forwards
 * that address's TCP 443 to coturn's TLS port, lab/deploy/network.sh), while 443 of its main address stays the
 * proxy's. Two participants on mfd-443 (hospital guest Wi-Fi: TCP 443 and DNS out, nothing else) signal through the
 * proxy and get media only through coturn on the second address's 443: LiveKit hands that out (read from its
 * signalling), and the call carries audio, its packets counted there. The fault: the router's forward of the second
 * address's 443 taken away, and the same call has no media.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, describe, it } from "node:test";
import { audioCall, proxiedClient, signallingView } from "../audio-call";
import { LabFleet } from "../deploy/fleet";
import { HUB_NAMESPACE, ONLY_443_NAMESPACE } from "../deploy/sites";
import { run } from "../processes";

const STACK = "pro-dukt";

function nft(namespace: string, ...args: string[]): string {
  return execFileSync("ip", ["netns", "exec", namespace, "nft", ...args], { encoding: "utf8" });
}

/** Packets the 443-only network sent to a second WAN address's 443, and packets it dropped, since the reset. */
function counters(): { toTurn443: number; dropped: number } {
  const listed = JSON.parse(nft(ONLY_443_NAMESPACE, "-j", "list", "counters")) as {
    nftables: Array<{ counter?: { name: string; packets: number } }>;
  };
  const packets = (name: string) =>
    listed.nftables.find((e) => e.counter?.name === name)?.counter?.packets ?? 0;
  return { toTurn443: packets("to_turn_443"), dropped: packets("dropped") };
}

async function callOn443(fleet: LabFleet, room: string) {
  const target = fleet.target();
  nft(ONLY_443_NAMESPACE, "reset", "counters", "table", "inet", "only_443");
  const outcome = await audioCall(target, STACK, room, proxiedClient(target, STACK, ONLY_443_NAMESPACE));
  const seen = counters();
  console.log(
    `443-only network, ${room}: ${JSON.stringify(outcome)}, ${seen.toTurn443} packets to TURN on 443, ${seen.dropped} dropped`,
  );
  return { outcome, ...seen };
}

export function port443Scenarios(current: () => LabFleet): void {
  describe("MatrixRTC from a network that passes only TCP 443: TURN on 443 of a second WAN address (issue #29, field failure 32)", () => {
    // The fault's rule lives in the routers' no_loopback chain; switching the loopback on again empties it.
    after(() => run("bash", ["lab/deploy/network.sh", "hairpin", "on"]));

    it("LiveKit hands out pro-dukt's coturn on 443 over TCP and TLS, beside 3478 and 5349", async () => {
      const fleet = current();
      const view = await signallingView(
        fleet.target(),
        STACK,
        "only-443-signalling",
        proxiedClient(fleet.target(), STACK, ONLY_443_NAMESPACE),
      );
      const turn = fleet.site(STACK).hostnames.find((name) => name.startsWith("turn."))!;
      for (const url of [`turn:${turn}:443?transport=tcp`, `turns:${turn}:443?transport=tcp`])
        assert.ok(view.iceServers.includes(url), `${url} in ${view.iceServers.join(", ")}`);
    });

    it(
      "a call between two participants there carries audio, through 443 of the second address",
      { timeout: 90_000 },
      async () => {
        const { outcome, toTurn443 } = await callOn443(current(), "only-443-call");
        assert.ok(
          outcome.audible !== undefined && outcome.audible >= 20,
          `no audio on a network that passes only TCP 443: ${outcome.error}. Only coturn on 443 of turn.port443Ip can carry media there: the router must forward that address's TCP 443 to coturn's TLS port, and LiveKit's rtc.turn_servers must name it`,
        );
        assert.ok(
          toTurn443 >= 50,
          `the call carried audio but only ${toTurn443} packets went to TURN on 443`,
        );
      },
    );

    it(
      "the same call fails without the router's forward of the second address's 443 (fault)",
      { timeout: 120_000 },
      async () => {
        const fleet = current();
        const turnWan = fleet.site(STACK).turnWan;
        nft(
          HUB_NAMESPACE,
          "add",
          "rule",
          "ip",
          "routers",
          "no_loopback",
          "ip",
          "daddr",
          turnWan,
          "tcp",
          "dport",
          "443",
          "drop",
        );
        try {
          const { outcome, toTurn443 } = await callOn443(fleet, "only-443-call-no-forward");
          assert.equal(
            outcome.audible,
            undefined,
            `audio without the 443 forward (${toTurn443} packets to it)`,
          );
        } finally {
          run("bash", ["lab/deploy/network.sh", "hairpin", "on"]);
        }
      },
    );
  });
}
