/**
 * Calls that work for everyone (issue #15), on the Docker lab: a MatrixRTC call from a strict network (the lab's
 * mfd-strict namespace lets out only TCP 443, 3478 and 5349, UDP 3478 and DNS, as hospital or hotel Wi-Fi does)
 * carries audio only through the organisation's coturn, which LiveKit hands to its clients from livekit.yaml's
 * rtc.turn_servers; and with an extra bridge on the Docker host, LiveKit still offers only the address the router
 * forwards (rtc.node_ip), read from its own signalling. Both participants signal through the proxy (wss on 443) as
 * Element Call does. The faults: the same call with rtc.turn_servers taken out of the deployed livekit.yaml must
 * fail, and with the candidate filter (rtc.ips) taken out the bridge scenario's check must fail (the program's
 * own renderer cannot get to either: preflight refuses such a livekit.yaml).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import * as yaml from "js-yaml";
import { audioCall, proxiedClient, signallingView } from "../audio-call";
import { LabFleet } from "../deploy/fleet";
import { withFileVariant } from "../deploy/file-variant";
import { docker } from "../deploy/sites";
import { run } from "../processes";

/** The strict network's namespace (lab/deploy/network.sh) and its nftables table. */
export const STRICT_NAMESPACE = "mfd-strict";
const STRICT_TABLE = ["inet", "strict_network"] as const;

/** nft in the strict network's namespace; its output. */
function strictNft(...args: string[]): string {
  return execFileSync("ip", ["netns", "exec", STRICT_NAMESPACE, "nft", ...args], { encoding: "utf8" });
}

/** Packets the strict network sent to TURN ports, and packets it dropped, since `resetStrictCounters`. */
function strictCounters(): { toTurn: number; dropped: number } {
  const listed = JSON.parse(strictNft("-j", "list", "counters")) as {
    nftables: Array<{ counter?: { name: string; packets: number } }>;
  };
  const packets = (name: string) =>
    listed.nftables.find((entry) => entry.counter?.name === name)?.counter?.packets;
  return { toTurn: packets("to_turn") ?? 0, dropped: packets("dropped") ?? 0 };
}

function resetStrictCounters(): void {
  strictNft("reset", "counters", "table", ...STRICT_TABLE);
}

/**
 * A call between two participants on the strict network: it must carry audio, and its media must have gone to
 * TURN ports (every other path is dropped there). Throws with the rendered settings that explain a failure.
 */
export async function relayOnlyCallCarriesAudio(fleet: LabFleet, stack: string, room: string): Promise<void> {
  const target = fleet.target();
  resetStrictCounters();
  const outcome = await audioCall(target, stack, room, proxiedClient(target, stack, STRICT_NAMESPACE));
  const { toTurn, dropped } = strictCounters();
  console.log(
    `strict network, ${room}: ${toTurn} packets to TURN ports, ${dropped} dropped, ${JSON.stringify(outcome)}`,
  );
  assert.ok(
    outcome.audible !== undefined && outcome.audible >= 20,
    `no audio on a strict network (only TCP 443/3478/5349 and UDP 3478 out): ${outcome.error}; ${toTurn} packets went to TURN ports, ${dropped} were dropped. Only TURN can carry media there: livekit.yaml's rtc.turn_servers must name the organisation's coturn (LiveKit hands them out in its JoinResponse), and coturn's external-ip must map rtc.node_ip to the Docker host's LAN address (public/private), where it relays to LiveKit`,
  );
  // Some 50 packets a second of audio alone; signalling goes to 443, never to a TURN port.
  assert.ok(
    toTurn >= 50,
    `the call carried audio but only ${toTurn} packets went to TURN ports: not relayed`,
  );
}

/** livekit.yaml as the organisation's LiveKit container runs it. */
function deployedLivekitConfig(fleet: LabFleet, stack: string): { rtc: Record<string, unknown> } {
  const text = docker(fleet.site(stack), ["exec", `matrix-${stack}-livekit`, "cat", "/etc/livekit.yaml"]);
  return yaml.load(text) as { rtc: Record<string, unknown> };
}

/**
 * What LiveKit offers with an extra bridge on the Docker host: one UDP socket on the Docker host's LAN address and
 * the TCP mux, both as rtc.node_ip, nothing else. The address alone proves nothing: with a node_ip LiveKit rewrites
 * every gathered IPv4 address to it (docs/upstream/livekit.md, "Which candidate addresses LiveKit offers"), so a
 * socket on the bridge shows up as one more node_ip candidate, on a port nothing forwards to it: a dead pair.
 */
async function offersOnlyTheForwardedSockets(fleet: LabFleet, stack: string, room: string): Promise<void> {
  const nodeIp = String(deployedLivekitConfig(fleet, stack).rtc.node_ip);
  const view = await signallingView(
    fleet.target(),
    stack,
    room,
    proxiedClient(fleet.target(), stack, STRICT_NAMESPACE),
  );
  // candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...
  const fields = view.candidates.map((candidate) => candidate.split(" "));
  assert.ok(fields.length > 0, "LiveKit offered no candidate at all");
  const udp = fields.filter((f) => f[2]?.toLowerCase() === "udp");
  const tcp = fields.filter((f) => f[2]?.toLowerCase() === "tcp");
  assert.deepEqual(
    [...new Set(fields.map((f) => f[4]))],
    [nodeIp],
    `LiveKit offered ${view.candidates.join(" | ")}: only rtc.node_ip ${nodeIp} reaches it from outside`,
  );
  assert.ok(
    udp.length === 1 && tcp.length <= 1,
    `LiveKit offered ${udp.length} UDP candidates (${udp.map((f) => `${f[4]}:${f[5]}`).join(", ")}): one socket per gathered local address, each rewritten to rtc.node_ip, and only the one on the Docker host's LAN address gets forwarded traffic (rtc.ips.includes must hold that address alone)`,
  );
}

/** A bridge with an address of its own on the site's Docker host, as a second Docker network or a VPN adds. */
function withExtraBridge<T>(fleet: LabFleet, stack: string, run: () => Promise<T>): Promise<T> {
  const ns = fleet.site(stack).namespace;
  const ip = (...args: string[]) => execFileSync("ip", ["-n", ns, ...args]);
  ip("link", "add", "mfd-extra", "type", "bridge");
  return (async () => {
    try {
      ip("addr", "add", "172.30.99.1/24", "dev", "mfd-extra");
      ip("link", "set", "mfd-extra", "up");
      return await run();
    } finally {
      ip("link", "del", "mfd-extra");
    }
  })();
}

export function strictNetworkScenarios(current: () => LabFleet): void {
  const STACK = "produktor";

  describe("MatrixRTC on a strict network, behind a router without NAT loopback: media only through coturn", () => {
    // coturn reaches LiveKit on the Docker host itself (its external-ip maps rtc.node_ip to the LAN address): a
    // router that cannot loop traffic back, as the source deployment's, must not matter.
    before(() => run("bash", ["lab/deploy/network.sh", "hairpin", "off"]));
    after(() => run("bash", ["lab/deploy/network.sh", "hairpin", "on"]));

    it("LiveKit hands out the organisation's coturn on UDP 3478, TCP 3478 and TLS 5349", async () => {
      const fleet = current();
      const view = await signallingView(
        fleet.target(),
        STACK,
        "strict-signalling",
        proxiedClient(fleet.target(), STACK, STRICT_NAMESPACE),
      );
      const turn = fleet.site(STACK).hostnames.find((name) => name.startsWith("turn."))!;
      assert.deepEqual(
        [...view.iceServers].sort(),
        [
          `turn:${turn}:3478?transport=udp`,
          `turn:${turn}:3478?transport=tcp`,
          `turns:${turn}:5349?transport=tcp`,
        ].sort(),
        "the JoinResponse's ICE servers are livekit.yaml's rtc.turn_servers",
      );
    });

    it(
      "a call between two participants carries audio, relayed through TURN",
      { timeout: 90_000 },
      async () => {
        await relayOnlyCallCarriesAudio(current(), STACK, "strict-call");
      },
    );

    it(
      "the same call fails when livekit.yaml has no rtc.turn_servers (fault)",
      { timeout: 120_000 },
      async () => {
        const fleet = current();
        const withoutTurn = (deployed: string) => {
          const config = yaml.load(deployed) as { rtc: Record<string, unknown> };
          delete config.rtc.turn_servers;
          return yaml.dump(config);
        };
        const site = fleet.site(STACK);
        await withFileVariant(
          site,
          {
            container: `matrix-${STACK}-livekit`,
            file: "/etc/livekit.yaml",
            edit: withoutTurn,
            readyUrl: `http://${site.dockerLan}:7880/`,
            readyWithinMs: 30_000,
          },
          () =>
            assert.rejects(relayOnlyCallCarriesAudio(fleet, STACK, "strict-call-no-turn"), (error: Error) => {
              assert.match(error.message, /no audio on a strict network/);
              return true;
            }),
        );
      },
    );

    it(
      "with an extra bridge on the Docker host, LiveKit offers one UDP socket and the TCP mux, both as rtc.node_ip, and a call carries audio",
      {
        timeout: 120_000,
      },
      async () => {
        const fleet = current();
        await withExtraBridge(fleet, STACK, async () => {
          await offersOnlyTheForwardedSockets(fleet, STACK, "bridge-signalling");
          // Direct media this time (the ordinary client namespace), with the bridge still up.
          const target = fleet.target();
          const outcome = await audioCall(
            target,
            STACK,
            "bridge-call",
            proxiedClient(target, STACK, target.clientNamespace),
          );
          assert.ok(
            outcome.audible !== undefined && outcome.audible >= 20,
            `no audio with an extra bridge on the Docker host: ${outcome.error}`,
          );
        });
      },
    );

    it(
      "the bridge check fails when livekit.yaml has no candidate filter (rtc.ips taken out: fault)",
      { timeout: 120_000 },
      async () => {
        const fleet = current();
        const withoutFilter = (deployed: string) => {
          const config = yaml.load(deployed) as { rtc: Record<string, unknown> };
          delete config.rtc.ips;
          return yaml.dump(config);
        };
        const site = fleet.site(STACK);
        await withExtraBridge(fleet, STACK, () =>
          withFileVariant(
            site,
            {
              container: `matrix-${STACK}-livekit`,
              file: "/etc/livekit.yaml",
              edit: withoutFilter,
              readyUrl: `http://${site.dockerLan}:7880/`,
              readyWithinMs: 30_000,
            },
            () =>
              assert.rejects(
                offersOnlyTheForwardedSockets(fleet, STACK, "bridge-signalling-no-filter"),
                (error: Error) => {
                  console.log(`without the candidate filter: ${error.message}`);
                  assert.match(error.message, /LiveKit offered [2-9]\d* UDP candidates/);
                  return true;
                },
              ),
          ),
        );
      },
    );
  });
}
