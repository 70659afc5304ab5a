/**
 * The NPM proxy hosts and certificates under the real engine (pulumi CLI, nodejs language host, the dynamic
 * provider plugin), against the contract double of NPM v2.15.1 on loopback: test/engine/npm-program/ declares
 * produktor's rendered hosts through the project's ProxyHosts component. One life cycle, step by step, with the
 * double's state (and the number of Let's Encrypt orders it saw) as the judge.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { EngineWorkspace, plannedSteps } from "../../tools/engine/workspace";
import { NpmDouble, Row, startNpmDouble } from "../npm-contract-double";

const STACK = "npmlab";
const IDENTITY = "admin@produktor.io"; // produktor's proxy.letsencryptEmail: NPM orders with its user's e-mail
const SECRET = "npm-lab-password";
const PROGRAM = path.join(__dirname, "npm-program");

describe("NPM proxy hosts and certificates under the real engine", () => {
  let npm: NpmDouble;
  let workspace: EngineWorkspace;

  const pulumi = async (...args: string[]) => {
    const result = await workspace.pulumi([...args, "--stack", STACK, "--non-interactive"]);
    assert.equal(
      result.code,
      0,
      `pulumi ${args.join(" ")} failed:\n${result.stderr}\n${result.stdout.slice(-4000)}`,
    );
    return result;
  };
  const up = () => pulumi("up", "--yes", "--skip-preview");
  const fixture = (domains: string[], forwardPorts: Record<string, number> = {}, adoptHosts: string[] = []) =>
    workspace.configSet(
      STACK,
      "matrix-fleet:fixture",
      JSON.stringify({ domains, forwardPorts, adoptHosts }),
      {
        path: false,
      },
    );
  /** What a preview plans for the NPM resources, as "op name" lines. */
  const planned = async () =>
    plannedSteps((await pulumi("preview", "--json")).stdout)
      .filter((s) => /:Npm(ProxyHost|Certificate)$/.test(s.type))
      .filter((s) => s.op !== "same")
      .map((s) => `${s.op} ${s.name}`)
      .sort();
  const hostFor = (domain: string): Row | undefined =>
    [...npm.hosts.values()].find((h) => h.domain_names.some((d) => d.toLowerCase() === domain));
  const writes = () => npm.requests.filter((r) => /^(POST|PUT) \/api\/nginx\//.test(r)).length;

  before(async () => {
    npm = await startNpmDouble(IDENTITY, SECRET);
    workspace = await EngineWorkspace.create({ programDir: PROGRAM, stacks: [STACK] });
    await workspace.configSet(STACK, "proxy.npmUrl", npm.url, { path: true });
    await workspace.configSet(STACK, "npmIdentity", IDENTITY, { secret: true });
    await workspace.configSet(STACK, "npmSecret", SECRET, { secret: true });
  });
  after(async () => {
    workspace?.dispose();
    await npm?.close();
  });

  it("pulumi up creates a certificate per host, then the hosts with its id, SSL forced, HTTP/2 and HSTS", async () => {
    await up();
    assert.equal(npm.stats.issued, 2, "one Let's Encrypt order per host");
    for (const domain of ["chat.produktor.io", "element.produktor.io"]) {
      const host = hostFor(domain);
      assert.ok(host, domain);
      const certificate = npm.certificates.get(Number(host.certificate_id));
      assert.deepEqual(certificate?.domain_names, [domain]);
      assert.deepEqual([host.ssl_forced, host.http2_support, host.hsts_enabled], [true, true, true]);
      assert.equal((host.meta as { nginx_online: boolean }).nginx_online, true);
    }
  });

  it("a second pulumi up changes nothing and orders no certificate", async () => {
    assert.deepEqual(await planned(), []);
    const before = writes();
    await up();
    assert.equal(writes(), before, "no POST or PUT");
    assert.equal(npm.stats.issued, 2);
  });

  it("editing one host's upstream updates that host only, with the certificate it has", async () => {
    const element = hostFor("element.produktor.io")!;
    const certificate = element.certificate_id;
    await fixture(["chat.produktor.io", "element.produktor.io"], { "element.produktor.io": 8088 });
    assert.deepEqual(await planned(), ["update npm-element.produktor.io"]);
    await up();
    assert.equal(hostFor("element.produktor.io")!.forward_port, 8088);
    assert.equal(hostFor("element.produktor.io")!.certificate_id, certificate);
    assert.equal(npm.stats.issued, 2);
  });

  it("an edit made in NPM shows as drift in pulumi refresh, and the next up corrects it", async () => {
    hostFor("chat.produktor.io")!.forward_port = 9999;
    assert.deepEqual(await planned(), [], "a preview alone does not read NPM");
    await pulumi("refresh", "--yes", "--skip-preview");
    assert.deepEqual(await planned(), ["update npm-chat.produktor.io"]);
    await up();
    assert.equal(hostFor("chat.produktor.io")!.forward_port, 8008);
    assert.deepEqual(await planned(), []);
  });

  it("a host made by hand in NPM stops pulumi up, naming it, until proxy.adoptHosts lists it (issue #28)", async () => {
    const handMade = npm.addHandMade("proxy-hosts", ["Admin.Produktor.IO"], {
      forward_host: "10.0.0.9",
      forward_port: 1,
    });
    const domains = ["chat.produktor.io", "element.produktor.io", "admin.produktor.io"];
    await fixture(domains, { "element.produktor.io": 8088 });
    const refused = await workspace.pulumi([
      "up",
      "--yes",
      "--skip-preview",
      "--stack",
      STACK,
      "--non-interactive",
    ]);
    assert.notEqual(refused.code, 0, "pulumi up does not take over a host it was not asked to");
    assert.match(
      `${refused.stdout}${refused.stderr}`,
      new RegExp(
        `already has proxy-host ${handMade.id} \\(Admin\\.Produktor\\.IO\\), which this stack did not create`,
      ),
    );
    assert.equal(npm.hosts.get(handMade.id)!.forward_port, 1, "the operator's host is untouched");
    await fixture(domains, { "element.produktor.io": 8088 }, ["admin.produktor.io"]);
    const diff = await pulumi("preview", "--diff");
    assert.match(diff.stdout, /NpmProxyHost[\s\S]*adopt\s*:\s*true/, "the preview shows the take-over");
  });

  it("listed in proxy.adoptHosts, the hand-made host (names in another case) is taken over, not duplicated", async () => {
    const handMade = [...npm.hosts.values()].find((h) => h.domain_names[0] === "Admin.Produktor.IO")!;
    await up();
    const admin = [...npm.hosts.values()].filter((h) =>
      h.domain_names.some((d) => d.toLowerCase() === "admin.produktor.io"),
    );
    assert.deepEqual(
      admin.map((h) => h.id),
      [handMade.id],
    );
    assert.deepEqual(admin[0]!.domain_names, ["admin.produktor.io"]);
    assert.equal(admin[0]!.forward_port, 8081);
    assert.equal(npm.stats.issued, 3, "its certificate is ordered once");
    assert.deepEqual(await planned(), []);
  });

  it("removing a host deletes it, and its certificate, which nothing else uses", async () => {
    const element = hostFor("element.produktor.io")!;
    await fixture(["chat.produktor.io", "admin.produktor.io"]);
    await up();
    assert.equal(hostFor("element.produktor.io"), undefined);
    assert.ok(!npm.certificates.has(Number(element.certificate_id)));
    assert.equal(npm.hosts.size, 2);
  });

  it("pulumi destroy removes the hosts before their certificates, leaving NPM as it was", async () => {
    await pulumi("destroy", "--yes", "--skip-preview");
    assert.equal(npm.hosts.size, 0);
    assert.equal(npm.certificates.size, 0, "every certificate deleted once its host was gone");
  });
});
