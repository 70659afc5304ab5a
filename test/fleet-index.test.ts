import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { analyseStack } from "../checks/analyse";
import { FleetProblem, fleetProblems, portClash } from "../checks/fleet";
import { indexFleet } from "../checks/fleet-index";
import { stackFleetOf } from "../checks/stack-fleet";
import { OrgConfig } from "../config/model";
import { ConfigError, Problem, problem } from "../config/problems";
import { loadOrgConfig } from "../config/stack-config";
import { placeholderSecrets } from "../facts/secrets";
import { hostPortUses, rangesOverlap } from "../model/host-ports";
import { publicIp, syntheticFleetValues, syntheticStackName } from "./synthetic-fleet";

const SIZE = 1000;

/** A fleet of 1000 synthetic organisations with one injected problem for each fleet check. */
function fleetWithOneClashOfEach() {
  const files = syntheticFleetValues(SIZE);
  const set = (stack: string, changes: Record<string, unknown>) =>
    files.set(stack, { ...files.get(stack)!, ...changes });
  // org0500 federates with org0501, which does not list it back.
  set("org0500", { federation: { peers: ["org0501.example.net"] } });
  // org0700 federates with a server no stack of the fleet serves.
  set("org0700", { federation: { peers: ["matrix.org"] } });
  // org0999 sits behind org0000's public IP with ports of its own, but a relay range overlapping org0000's.
  set("org0999", {
    network: { ...(files.get("org0999")!.network as object), publicIp: publicIp(0) },
    ports: {
      turn: 3479,
      turnRelay: "49190-49250",
      livekitHttp: 7890,
      livekitTcp: 7891,
      livekitUdp: "50300-50400",
      synapse: 8108,
      elementWeb: 8180,
      ketesa: 8181,
      lkJwt: 8182,
      livekitMetrics: 6790,
      coturnMetrics: 9642,
      prometheus: 9190,
      alertmanager: 9193,
    },
  });
  // org0600 and org0601 federate with each other, and org0601 runs no MatrixRTC: its users only listen in org0600's calls.
  set("org0600", { federation: { peers: ["org0601.example.net"] } });
  set("org0601", {
    federation: { peers: ["org0600.example.net"] },
    components: { ...(files.get("org0601")!.components as object), matrixRtc: false },
  });
  // org0300 claims org0200's TURN hostname.
  set("org0300", { hosts: { homeserver: "chat.org0300.example.net", turn: "turn.org0200.example.net" } });
  return stackFleetOf(files);
}

function fleetProblem(p: Problem, ...involves: string[]): FleetProblem {
  return { ...p, involves };
}

describe("the fleet checks in a fleet of 1000 organisations", () => {
  const fleet = fleetWithOneClashOfEach();
  const oneWay = fleetProblem(
    problem(
      "org0501",
      "federation.peers",
      "org0500.example.net (stack org0500) federates with org0501.example.net, but org0501.example.net does not list org0500.example.net: rooms shared between them break one way",
      "add org0500.example.net to federation.peers of stack org0501, or remove org0501.example.net from stack org0500",
    ),
    "org0501",
    "org0500",
  );
  const unknown = fleetProblem(
    problem(
      "org0700",
      "federation.peers",
      "peer matrix.org is not a stack of this fleet, so its whitelist cannot be checked to list org0700.example.net",
      "add a stack for matrix.org, or remove it from federation.peers",
    ),
    "org0700",
  );
  // A clash is reported on the other stack of the pair, naming the stack whose analysis found it.
  const relayClash = (on: string, range: string, other: string, otherRange: string) =>
    fleetProblem(
      problem(
        on,
        "ports.turnRelay",
        `coturn relay range udp/${range} clashes with coturn relay range of stack ${other} (udp/${otherRange}) on the shared public IP ${publicIp(0)}`,
        `give stack ${on} other ports in matrix-fleet:ports, or a host of its own`,
      ),
      on,
      other,
    );
  const hostnameClash = (on: string, other: string) =>
    fleetProblem(
      problem(
        on,
        "hosts",
        `hostname turn.org0200.example.net is also used by stack ${other}`,
        "every organisation needs its own hostnames",
      ),
      on,
      other,
    );
  const listenOnly = fleetProblem(
    problem(
      "org0600",
      "federation.peers",
      "org0601.example.net (stack org0601) has no MatrixRTC of its own (components.matrixRtc is off): its users can join org0600.example.net's Element Call calls but only listen, because each user sends media through their own homeserver's LiveKit and lk-jwt-service",
      "turn components.matrixRtc on in stack org0601 (pulumi config set --path components.matrixRtc true --stack org0601), or stop federating: remove org0601.example.net from federation.peers of stack org0600 and org0600.example.net from stack org0601",
    ),
    "org0600",
    "org0601",
  );
  const expected = new Map<string, FleetProblem[]>([
    ["org0500", [oneWay]],
    ["org0501", [oneWay]],
    ["org0700", [unknown]],
    ["org0600", [listenOnly]],
    ["org0601", [listenOnly]],
    ["org0000", [relayClash("org0999", "49190-49250", "org0000", "49160-49200")]],
    ["org0999", [relayClash("org0000", "49160-49200", "org0999", "49190-49250")]],
    ["org0200", [hostnameClash("org0300", "org0200")]],
    ["org0300", [hostnameClash("org0200", "org0300")]],
  ]);

  it("reports each injected problem, with its message, on exactly the stacks it involves", () => {
    assert.equal(fleet.stacks.length, SIZE);
    for (const stack of fleet.stacks) {
      const org = fleet.parsedFile(stack, fleet.values(stack))!.config!;
      assert.deepEqual(fleet.problemsFor(org), expected.get(stack) ?? [], stack);
    }
  });

  it("stops the analysis of an involved stack with the fleet problem, and passes the others", () => {
    const analyse = (stack: string) =>
      analyseStack(stack, fleet.values(stack), {
        projectDir: "/nonexistent",
        secrets: placeholderSecrets(),
        deploying: false,
        fleet,
      });
    assert.throws(
      () => analyse("org0000"),
      (error) =>
        error instanceof ConfigError &&
        assert.deepEqual(error.problems, expected.get("org0000")) === undefined,
    );
    assert.equal(analyse("org0001").org.stack, "org0001");
  });

  it("judges a stack's config from elsewhere (the Pulumi engine's) in place of its file", () => {
    const values = { ...fleet.values("org0400"), hosts: { homeserver: "chat.org0401.example.net" } };
    const org = loadOrgConfig("org0400", values);
    assert.deepEqual(fleet.problemsFor(org), [
      fleetProblem(
        problem(
          "org0401",
          "hosts",
          "hostname chat.org0401.example.net is also used by stack org0400",
          "every organisation needs its own hostnames",
        ),
        "org0401",
        "org0400",
      ),
    ]);
  });
});

/** Deterministic pseudo-random numbers (a linear congruential generator), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** Small fleets with every kind of fleet problem, often several at once, and some in odd shapes. */
function randomFleet(next: () => number, size: number): OrgConfig[] {
  const files = syntheticFleetValues(size);
  const someStack = () => syntheticStackName(Math.floor(next() * size));
  for (const [stack, values] of files) {
    const v: Record<string, unknown> = { ...values };
    if (next() < 0.3) v.docker = { host: `ssh://deploy@shared${Math.floor(next() * 3)}` };
    if (next() < 0.3)
      v.network = {
        ...(v.network as object),
        publicIp: `198.51.100.${Math.floor(next() * 3)}`,
        // A router that loops nothing back: peers behind the same address are out of lk-jwt-service's reach.
        lanAccess: next() < 0.5 ? "none" : "splitDns",
      };
    if (next() < 0.3)
      v.ports = {
        turnRelay: `${49100 + Math.floor(next() * 100)}-${49250 + Math.floor(next() * 100)}`,
        synapse: 8008 + Math.floor(next() * 3),
      };
    if (next() < 0.2) {
      v.components = {
        ...(v.components as object),
        jitsi: next() < 0.5,
        coturn: next() < 0.7,
        matrixRtc: next() < 0.5,
      };
      // Jitsi's access is a choice the stack file must state (issue #16); it draws no random number.
      if ((v.components as { jitsi: boolean }).jitsi) v.jitsi = { enableAuth: false };
    }
    if (next() < 0.15)
      v.hosts = { homeserver: `chat.${stack}.example.net`, turn: `turn.${someStack()}.example.net` };
    if (next() < 0.08) v.serverName = `${someStack()}.example.net`;
    if (next() < 0.4) {
      const peers = Array.from({ length: Math.floor(next() * 4) }, () =>
        next() < 0.15 ? "unknown.example.org" : `${someStack()}.example.net`,
      );
      v.federation = { peers };
    }
    files.set(stack, v);
  }
  return [...files].map(([stack, values]) => loadOrgConfig(stack, values));
}

/** Port clashes by their definition: every pair of stacks sharing a host or address, every pair of their ports. */
function pairwiseClashes(orgs: readonly OrgConfig[]): FleetProblem[] {
  const found: FleetProblem[] = [];
  for (let i = 0; i < orgs.length; i++) {
    for (let j = i + 1; j < orgs.length; j++) {
      const [a, b] = [orgs[i]!, orgs[j]!];
      if (a.docker.host !== b.docker.host && a.network.publicIp !== b.network.publicIp) continue;
      for (const ua of hostPortUses(a))
        for (const ub of hostPortUses(b))
          if (ua.protocol === ub.protocol && rangesOverlap(ua.range, ub.range))
            found.push(portClash(a, ua, b, ub));
    }
  }
  return found;
}

describe("the fleet index", () => {
  it("finds every port clash a scan over every pair finds, in the same order", () => {
    const next = random(7);
    let seen = 0;
    for (let round = 0; round < 20; round++) {
      const orgs = randomFleet(next, 10 + Math.floor(next() * 30));
      const clashes = fleetProblems(orgs).filter((p) => p.message.includes(" clashes with "));
      assert.deepEqual(clashes, pairwiseClashes(orgs), `round ${round}`);
      seen += clashes.length;
    }
    assert.ok(seen > 100, `the random fleets have clashes to find (${seen})`);
  });

  it("gives each stack exactly the fleet problems it sees with itself first, in the same order", () => {
    const next = random(11);
    let seen = 0;
    let listenOnly = 0;
    let unreachable = 0;
    for (let round = 0; round < 20; round++) {
      const orgs = randomFleet(next, 10 + Math.floor(next() * 30));
      const index = indexFleet(orgs);
      for (const org of orgs) {
        const others = orgs.filter((o) => o !== org);
        const definition = fleetProblems([org, ...others]).filter((p) => p.involves.includes(org.stack));
        assert.deepEqual(index.problemsFor(org.stack), definition, `round ${round}, ${org.stack}`);
        seen += definition.length;
        listenOnly += definition.filter((p) => p.message.includes("has no MatrixRTC of its own")).length;
        unreachable += definition.filter((p) => p.message.includes("the router loops nothing back")).length;
      }
    }
    assert.ok(seen > 100, `the random fleets have problems to find (${seen})`);
    assert.ok(listenOnly > 10, `the random fleets have listen-only peers to find (${listenOnly})`);
    assert.ok(
      unreachable > 0,
      `the random fleets have peers behind a shared address to find (${unreachable})`,
    );
  });
});
