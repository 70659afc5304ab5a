import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { analyseStack } from "../checks/analyse";
import { fleetProblems } from "../checks/fleet";
import { ConfigError, Problem } from "../config/problems";
import { placeholderSecrets } from "../facts/secrets";
import { PROJECT_DIR, listStacks, readStackFile } from "../config/stack-files";
import { STACKS, describeProblems, orgFor } from "./helpers";

/** A throw-away project directory holding copies of the real stack files. */
function copyOfProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-"));
  for (const stack of listStacks()) {
    fs.copyFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), path.join(dir, `Pulumi.${stack}.yaml`));
  }
  return dir;
}

function problemsOf(fn: () => unknown): readonly Problem[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("the fleet of stack files", () => {
  it("has exactly the four organisations", () => {
    assert.deepEqual(listStacks(), [...STACKS]);
  });

  it("federates produktor, pro-dukt and medex with each other and nobody else; moda1 with nobody", () => {
    const peers = Object.fromEntries(STACKS.map((s) => [s, [...orgFor(s).federationPeers].sort()]));
    assert.deepEqual(peers, {
      produktor: ["medex-pflegedienst.de", "pro-dukt.de"],
      "pro-dukt": ["medex-pflegedienst.de", "produktor.io"],
      medex: ["pro-dukt.de", "produktor.io"],
      moda1: [],
    });
  });

  it("has symmetric whitelists and no clashes", () => {
    const problems = fleetProblems(STACKS.map((s) => orgFor(s)));
    assert.equal(problems.length, 0, describeProblems(problems));
  });

  for (const stack of STACKS) {
    it(`analyses ${stack} cleanly for render and preview`, () => {
      const problems = problemsOf(() =>
        analyseStack(stack, readStackFile(stack), {
          projectDir: PROJECT_DIR,
          secrets: placeholderSecrets(),
          deploying: false,
        }),
      );
      assert.equal(problems.length, 0, describeProblems(problems));
    });
  }
});

describe("fleet checks", () => {
  it("find a whitelist entry that its peer does not mirror, and report it on both stacks", () => {
    const orgs = STACKS.map((s) =>
      s === "medex" ? orgFor(s, { federation: { peers: ["pro-dukt.de"] } }) : orgFor(s),
    );
    const problems = fleetProblems(orgs);
    assert.equal(problems.length, 1, describeProblems(problems));
    assert.equal(problems[0]!.stack, "medex");
    assert.equal(problems[0]!.key, "matrix-fleet:federation.peers");
    assert.match(
      problems[0]!.message,
      /produktor\.io \(stack produktor\) federates with medex-pflegedienst\.de, but medex-pflegedienst\.de does not list produktor\.io/,
    );
    assert.deepEqual([...problems[0]!.involves].sort(), ["medex", "produktor"]);
  });

  it("stop produktor's preview when medex's stack file drops produktor", () => {
    const dir = copyOfProject();
    const medexFile = path.join(dir, "Pulumi.medex.yaml");
    fs.writeFileSync(medexFile, fs.readFileSync(medexFile, "utf8").replace("      - produktor.io\n", ""));
    const problems = problemsOf(() =>
      analyseStack("produktor", readStackFile("produktor", dir), {
        projectDir: dir,
        secrets: placeholderSecrets(),
        deploying: false,
      }),
    );
    assert.equal(problems.length, 1, describeProblems(problems));
    assert.equal(problems[0]!.stack, "medex");
    fs.rmSync(dir, { recursive: true });
  });

  it("find a peer that is not a stack of this fleet", () => {
    const orgs = [orgFor("moda1", { federation: { peers: ["matrix.org"] } })];
    const problems = fleetProblems(orgs);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.message, /matrix\.org is not a stack of this fleet/);
  });

  it("find two stacks on one Docker host binding the same ports", () => {
    const orgs = [orgFor("produktor"), orgFor("pro-dukt", { docker: { host: "ssh://deploy@192.0.2.10" } })];
    const problems = fleetProblems(orgs).filter((p) => /clashes/.test(p.message));
    assert.ok(problems.length > 0);
    assert.ok(problems.every((p) => p.stack === "pro-dukt"));
    assert.ok(
      problems.some((p) => /coturn relay range udp\/49160-49200 clashes/.test(p.message)),
      describeProblems(problems),
    );
  });

  it("are silent about MatrixRTC for today's stacks: every federating stack runs its own; moda1 federates with nobody", () => {
    const orgs = STACKS.map((s) => orgFor(s));
    for (const org of orgs.filter((o) => o.federationPeers.length > 0))
      assert.ok(org.components.matrixRtc, org.stack);
    assert.deepEqual(
      fleetProblems(orgs).filter((p) => /MatrixRTC/.test(p.message)),
      [],
    );
  });

  it("find a federation peer without MatrixRTC, whose users would only listen in our calls", () => {
    const orgs = STACKS.map((s) =>
      s === "pro-dukt" ? orgFor(s, { components: { matrixRtc: false } }) : orgFor(s),
    );
    const problems = fleetProblems(orgs);
    assert.deepEqual(
      problems.map((p) => [p.stack, p.key, [...p.involves].sort()]),
      [
        ["medex", "matrix-fleet:federation.peers", ["medex", "pro-dukt"]],
        ["produktor", "matrix-fleet:federation.peers", ["pro-dukt", "produktor"]],
      ],
      describeProblems(problems),
    );
    assert.match(
      problems[1]!.message,
      /^pro-dukt\.de \(stack pro-dukt\) has no MatrixRTC of its own \(components\.matrixRtc is off\): its users can join produktor\.io's Element Call calls but only listen/,
    );
    assert.match(problems[1]!.fix, /turn components\.matrixRtc on in stack pro-dukt .*or stop federating/);
    // A stack without MatrixRTC has no calls of its own to be listen-only in.
    const reverse = fleetProblems([
      orgFor("moda1", { federation: { peers: ["produktor.io"] } }),
      orgFor("produktor"),
    ]);
    assert.ok(!reverse.some((p) => /MatrixRTC/.test(p.message)), describeProblems(reverse));
  });

  it("find one hostname claimed by two organisations", () => {
    const orgs = STACKS.map((s) =>
      s === "medex" ? orgFor(s, { hosts: { turn: "turn.produktor.io" } }) : orgFor(s),
    );
    const problems = fleetProblems(orgs);
    assert.equal(problems.length, 1, describeProblems(problems));
    assert.match(problems[0]!.message, /turn\.produktor\.io is also used by stack (medex|produktor)/);
    assert.deepEqual([...problems[0]!.involves].sort(), ["medex", "produktor"]);
  });
});

describe("pulumi up refuses placeholders; preview does not", () => {
  it("lists every placeholder key with the command that sets it", () => {
    const problems = problemsOf(() =>
      analyseStack("produktor", readStackFile("produktor"), {
        projectDir: PROJECT_DIR,
        secrets: placeholderSecrets(),
        deploying: true,
      }),
    );
    const keys = problems.map((p) => p.key).sort();
    assert.deepEqual(keys, [
      "matrix-fleet:docker.host",
      "matrix-fleet:network.lanIp",
      "matrix-fleet:network.publicIp",
      "matrix-fleet:proxy.forwardHost",
      "matrix-fleet:proxy.lanIp",
      "matrix-fleet:proxy.npmUrl",
    ]);
    const publicIp = problems.find((p) => p.key === "matrix-fleet:network.publicIp")!;
    assert.match(publicIp.message, /placeholder '203\.0\.113\.10'/);
    assert.match(publicIp.fix, /pulumi config set --path 'network\.publicIp' <value> --stack produktor/);
  });

  it("passes once real values are set", () => {
    const values = readStackFile("moda1");
    const real = {
      ...values,
      network: { ...(values.network as object), publicIp: "81.2.69.160" },
      docker: { host: "ssh://deploy@81.2.69.160" },
      proxy: { ...(values.proxy as object), npmUrl: "http://10.1.0.2:81", lanIp: "10.1.0.2" },
    };
    const problems = problemsOf(() =>
      analyseStack("moda1", real, {
        projectDir: PROJECT_DIR,
        secrets: placeholderSecrets(),
        deploying: true,
      }),
    );
    assert.equal(problems.length, 0, describeProblems(problems));
  });
});

describe("peers behind the same WAN address (issue #29, field failures 7 and 11)", () => {
  // pro-dukt behind produktor's router: same WAN address, its own LAN address, ports moved so nothing clashes.
  const shared = (lanAccess: string) =>
    orgFor("pro-dukt", {
      network: { publicIp: "203.0.113.10", lanAccess },
      ports: { turn: 3479, turnRelay: "49210-49250", livekitTcp: 7882, livekitUdp: "50210-50300" },
    });
  const produktor = (lanAccess: string) => orgFor("produktor", { network: { lanAccess } });

  it("a router that loops nothing back: the stack whose lk-jwt-service checks the peer's users is told, once", () => {
    const problems = fleetProblems([produktor("none"), shared("none"), orgFor("medex"), orgFor("moda1")]);
    const unreachable = problems.filter((p) => p.key.endsWith("network.lanAccess"));
    assert.deepEqual(
      unreachable.map((p) => `${p.stack}: ${p.message.split(":")[0]}`),
      [
        "produktor: pro-dukt.de (stack pro-dukt) shares the WAN address 203.0.113.10 with produktor.io, and the router loops nothing back (network.lanAccess is none)",
        "pro-dukt: produktor.io (stack produktor) shares the WAN address 203.0.113.10 with pro-dukt.de, and the router loops nothing back (network.lanAccess is none)",
      ],
      describeProblems(problems),
    );
    assert.match(
      unreachable[0]!.message,
      /validates pro-dukt\.de's users at pro-dukt\.de, chat\.pro-dukt\.de from its container on the Docker host 192\.0\.2\.10/,
    );
    assert.deepEqual(unreachable[0]!.involves, ["produktor"], "its own router setting: reported on it alone");
  });

  it("a router with NAT loopback, or split DNS on the LAN: nothing to say", () => {
    for (const access of ["loopback", "splitDns"]) {
      const problems = fleetProblems([produktor(access), shared(access), orgFor("medex"), orgFor("moda1")]);
      assert.deepEqual(
        problems.filter((p) => p.key.endsWith("network.lanAccess")),
        [],
        access,
      );
    }
  });

  it("different WAN addresses, or a peer without MatrixRTC of ours to check it for: nothing to say", () => {
    const apart = fleetProblems([produktor("none"), orgFor("pro-dukt", { network: { lanAccess: "none" } })]);
    assert.deepEqual(
      apart.filter((p) => p.key.endsWith("network.lanAccess")),
      [],
    );
    const noRtc = orgFor("produktor", { network: { lanAccess: "none" }, components: { matrixRtc: false } });
    const problems = fleetProblems([noRtc, shared("splitDns")]);
    assert.deepEqual(
      problems.filter((p) => p.key.endsWith("network.lanAccess")),
      [],
    );
  });
});
