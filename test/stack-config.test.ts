import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_PORTS } from "../config/ports";
import { parseStackConfig } from "../config/stack-config";
import { parseStackFileText } from "../config/stack-files";
import { STACKS, describeProblems, orgFor, parseProblems } from "./helpers";

describe("stack config model", () => {
  for (const stack of STACKS) {
    it(`loads Pulumi.${stack}.yaml without problems`, () => {
      const problems = parseProblems(stack, {});
      assert.equal(problems.length, 0, describeProblems(problems));
    });
  }

  it("holds the organisations of the source document", () => {
    assert.equal(orgFor("produktor").hosts.homeserver, "chat.produktor.io");
    assert.equal(orgFor("pro-dukt").hosts.homeserver, "chat.pro-dukt.de");
    assert.equal(orgFor("medex").hosts.homeserver, "chat.medex-pflegedienst.de");
    assert.equal(orgFor("moda1").hosts.homeserver, "synapse.server.moda1.uk");
    assert.equal(orgFor("produktor").components.jitsi, true);
    const moda1 = orgFor("moda1").components;
    assert.equal(moda1.matrixRtc, false);
    assert.equal(moda1.jitsi, false);
  });

  it("fills the source deployment's port plan by default", () => {
    const ports = orgFor("pro-dukt").ports;
    assert.equal(ports.turn, 3478);
    assert.equal(ports.turnTls, 5349);
    assert.deepEqual(ports.turnRelay, { start: 49160, end: 49200 });
    assert.equal(ports.livekitHttp, 7880);
    assert.equal(ports.livekitTcp, 7881);
    assert.deepEqual(ports.livekitUdp, { start: 50100, end: 50200 });
    assert.equal(ports.jvb, 10000);
    assert.deepEqual(ports, DEFAULT_PORTS);
  });

  it("accepts the string-typed values the Pulumi engine hands to a program", () => {
    const parsed = parseStackConfig("x", {
      serverName: "chat.example.de",
      network: { publicIp: "203.0.113.5", routerForwards: '["udp/3478"]' },
      proxy: { npmUrl: "http://192.0.2.2:81", lanIp: "192.0.2.2", certificate: "7" },
      components: { jitsi: "true", ketesa: "false" },
      // Jitsi on needs its access choice written down (issue #16); the engine hands it as a string too.
      jitsi: { enableAuth: "false" },
      ports: { turn: "3479", turnRelay: "40000-40010" },
    });
    assert.equal(parsed.problems.length, 0, describeProblems(parsed.problems));
    const config = parsed.config!;
    assert.equal(config.components.jitsi, true);
    assert.equal(config.components.ketesa, false);
    assert.equal(config.ports.turn, 3479);
    assert.deepEqual(config.ports.turnRelay, { start: 40000, end: 40010 });
    assert.deepEqual(config.proxy.certificate, { kind: "existing", id: 7 });
    assert.deepEqual(config.network.routerForwards, [{ protocol: "udp", range: { start: 3478, end: 3478 } }]);
  });

  it("reports every problem at once, each naming stack, key and fix", () => {
    const problems = parseProblems("produktor", {
      serverName: "not a host",
      network: { publicIp: "300.1.2.3" },
      ports: { turnRelay: "49200-49100", jvb: 70000 },
      components: { jitsi: "maybe" },
    });
    const keys = problems.map((p) => p.key).sort();
    assert.deepEqual(keys, [
      "matrix-fleet:components.jitsi",
      "matrix-fleet:network.publicIp",
      "matrix-fleet:ports.jvb",
      "matrix-fleet:ports.turnRelay",
      "matrix-fleet:serverName",
    ]);
    for (const p of problems) {
      assert.equal(p.stack, "produktor");
      assert.ok(p.fix.length > 0);
    }
  });

  it("names a missing required key with the command that sets it", () => {
    const problems = parseStackConfig("neworg", { serverName: "neworg.example" }).problems;
    const publicIp = problems.find((p) => p.key === "matrix-fleet:network.publicIp");
    assert.ok(publicIp, describeProblems(problems));
    assert.match(publicIp.fix, /pulumi config set --path 'network\.publicIp' .* --stack neworg/);
  });

  it("rejects a misspelt key with a suggestion instead of ignoring it", () => {
    const problems = parseProblems("produktor", { network: { publicIP: "203.0.113.10" } });
    assert.equal(problems.length, 1, describeProblems(problems));
    assert.equal(problems[0]!.key, "matrix-fleet:network.publicIP");
    assert.match(problems[0]!.fix, /did you mean 'network\.publicIp'/);
  });

  it("reads only the matrix-fleet namespace of a stack file", () => {
    const values = parseStackFileText("x", "config:\n  matrix-fleet:serverName: a.org\n  docker:host: foo\n");
    assert.deepEqual(values, { serverName: "a.org" });
  });

  it("reports invalid YAML as a config problem, not a crash", () => {
    assert.throws(() => parseStackFileText("x", "config: [unclosed"), /not valid YAML/);
  });
});
