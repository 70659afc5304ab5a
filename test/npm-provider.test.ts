/**
 * The NPM proxy-host provider against a contract double of Nginx Proxy Manager v2.15.1's API
 * (test/npm-contract-double.ts): the full resource life cycle, adoption, and each error path.
 */
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { after, before, describe, it } from "node:test";
import { NpmProxyHost } from "../documents/npm-proxy-hosts";
import { NpmProxyHostProvider, NpmProxyHostState } from "../components/npm-proxy-host";
import { NpmClient, NpmError } from "../components/npm-client";
import { STACKS, planFor } from "./helpers";
import { NpmDouble, startNpmDouble } from "./npm-contract-double";

const IDENTITY = "admin@produktor.io";
const SECRET = "npm-admin-password";
let npm: NpmDouble;
const provider = new NpmProxyHostProvider();

before(async () => {
  npm = await startNpmDouble(IDENTITY, SECRET);
});
after(async () => npm.close());

const hostFor = (domain: string): NpmProxyHost => {
  const host = planFor("produktor").proxyHosts.find((h) => h.domain_names[0] === domain);
  assert.ok(host, domain);
  return host;
};
const state = (host: NpmProxyHost, secret = SECRET): NpmProxyHostState => ({
  npmUrl: npm.url,
  identity: IDENTITY,
  secret,
  host,
});

describe("NPM proxy host life cycle", () => {
  it("creates, reads, updates and deletes a proxy host", async () => {
    const inputs = state(hostFor("chat.produktor.io"));
    const created = await provider.create(inputs);
    const id = Number(created.id);
    assert.equal(created.outs.adopted, false);
    assert.deepEqual(npm.hosts.get(id)!.domain_names, ["chat.produktor.io"]);
    assert.equal(npm.hosts.get(id)!.forward_port, 8008);

    const read = await provider.read(created.id, created.outs);
    assert.deepEqual(
      read.props!.host,
      inputs.host,
      "a fresh host reads back without drift (the certificate NPM obtained is not drift)",
    );

    const changed: NpmProxyHost = {
      ...inputs.host,
      advanced_config: `${inputs.host.advanced_config}\nclient_body_timeout 60s;`,
    };
    const diff = await provider.diff!(created.id, created.outs, state(changed));
    assert.equal(diff.changes, true);
    assert.deepEqual(diff.replaces, []);
    await provider.update!(created.id, created.outs, state(changed));
    assert.match(String(npm.hosts.get(id)!.advanced_config), /client_body_timeout 60s;/);

    // Drift: someone edits the host in NPM's UI; refresh sees it.
    npm.hosts.get(id)!.forward_port = 9999;
    const drifted = await provider.read(created.id, { ...created.outs, host: changed });
    assert.equal(drifted.props!.host.forward_port, 9999);

    await provider.delete!(created.id, created.outs);
    assert.equal(npm.hosts.has(id), false);
    const gone = await provider.read(created.id, created.outs);
    assert.equal(gone.id, undefined, "a host deleted outside Pulumi reads as gone");
    await provider.delete!(created.id, created.outs); // deleting twice is not an error
  });

  it("replaces (delete first) when the domains change, updates in place otherwise", async () => {
    const host = hostFor("element.produktor.io");
    const moved = { ...host, domain_names: ["web.produktor.io"] };
    const diff = await provider.diff!("1", state(host), state(moved));
    assert.deepEqual(diff.replaces, ["host.domain_names"]);
    assert.equal(diff.deleteBeforeReplace, true, "NPM refuses two hosts with one domain");
    const same = await provider.diff!("1", state(host), state(host));
    assert.equal(same.changes, false);
  });

  it("adopts an existing host with the same domain instead of creating a duplicate", async () => {
    const client = new NpmClient({ url: npm.url, identity: IDENTITY, secret: SECRET });
    const handMade = await client.createProxyHost({
      ...hostFor("admin.produktor.io"),
      forward_port: 1234,
      advanced_config: "",
    });
    const before = npm.hosts.size;
    const adopted = await provider.create(state(hostFor("admin.produktor.io")));
    assert.equal(Number(adopted.id), handMade.id);
    assert.equal(adopted.outs.adopted, true);
    assert.equal(npm.hosts.size, before, "no second host");
    assert.equal(
      npm.hosts.get(handMade.id)!.forward_port,
      8081,
      "the adopted host now carries the rendered definition",
    );
  });

  it("refuses to adopt a host whose domains only partly overlap, telling the operator what to do", async () => {
    const client = new NpmClient({ url: npm.url, identity: IDENTITY, secret: SECRET });
    await client.createProxyHost({
      ...hostFor("meet.produktor.io"),
      domain_names: ["meet.produktor.io", "jitsi.produktor.io"],
    });
    await assert.rejects(
      provider.create(state(hostFor("meet.produktor.io"))),
      /overlaps meet\.produktor\.io but is not the same set; adopt it by hand \(pulumi import\)/,
    );
  });

  it("creates every rendered proxy host of every stack on the double (NPM's schema accepts them)", async () => {
    npm.hosts.clear();
    for (const stack of STACKS) {
      for (const host of planFor(stack).proxyHosts) {
        const inputs = { npmUrl: npm.url, identity: IDENTITY, secret: SECRET, host };
        const created = await provider.create(inputs);
        await provider.delete!(created.id, created.outs);
      }
    }
  });
});

describe("NPM errors become clear messages", () => {
  it("check() names the host and field NPM's schema would reject, before any request", async () => {
    const requests = npm.requests.length;
    const bad = {
      ...hostFor("chat.produktor.io"),
      forward_port: 0,
      hsts_preload: true,
    } as unknown as NpmProxyHost;
    const { failures } = await provider.check!(state(bad), state(bad));
    assert.deepEqual(failures!.map((f) => f.property).sort(), ["host.forward_port", "host.hsts_preload"]);
    assert.match(failures![0]!.reason, /proxy host chat\.produktor\.io: /);
    assert.equal(npm.requests.length, requests);
  });

  it("check() lets unknown values of a preview through and still judges the known ones", async () => {
    const unknown = pulumi.runtime.unknownValue;
    // The whole body unknown: it depends on other resources' outputs (the real engine's first preview).
    const whole = await provider.check!(state(hostFor("chat.produktor.io")), {
      ...state(hostFor("chat.produktor.io")),
      host: unknown as unknown as NpmProxyHost,
    });
    assert.deepEqual(whole.failures, []);
    // One field unknown, another known and wrong: only the known one is reported.
    const partly = {
      ...hostFor("chat.produktor.io"),
      forward_host: unknown,
      forward_port: 0,
      locations: [{ path: unknown, forward_scheme: "http", forward_host: "x", forward_port: 70000 }],
    } as unknown as NpmProxyHost;
    const { failures } = await provider.check!(state(partly), state(partly));
    assert.deepEqual(failures!.map((f) => f.property).sort(), [
      "host.forward_port",
      "host.locations[0].forward_port",
    ]);
  });

  it("401: wrong credentials name the config keys to set", async () => {
    await assert.rejects(provider.create(state(hostFor("chat.produktor.io"), "wrong")), (error: unknown) => {
      assert.ok(error instanceof NpmError);
      assert.equal(error.status, 401);
      assert.match(
        error.message,
        /refused the credentials \(HTTP 401: Invalid email or password\).*npmIdentity \/ npmSecret/,
      );
      return true;
    });
  });

  it("400: NPM's schema error is passed on with the host and field", async () => {
    const client = new NpmClient({ url: npm.url, identity: IDENTITY, secret: SECRET });
    await assert.rejects(
      client.createProxyHost({
        ...hostFor("chat.produktor.io"),
        forward_scheme: "ftp",
      } as unknown as NpmProxyHost),
      (error: unknown) => {
        assert.ok(error instanceof NpmError);
        assert.equal(error.status, 400);
        assert.match(
          error.message,
          /create proxy host chat\.produktor\.io: .*HTTP 400: data\/forward_scheme must be equal to one of the allowed values/,
        );
        return true;
      },
    );
  });

  it("nginx rejecting the stored host (NPM still answers 200) fails with nginx's output", async () => {
    npm.hosts.clear();
    npm.nginxRejectsNext('nginx: [emerg] unknown directive "proxy_pas" in /data/nginx/proxy_host/1.conf:20');
    await assert.rejects(
      provider.create(state(hostFor("chat.produktor.io"))),
      /create proxy host chat\.produktor\.io: .*stored the host but nginx rejected its config: nginx: \[emerg\] unknown directive "proxy_pas"/,
    );
  });

  it("5xx: retried with backoff, then succeeds", async () => {
    const client = new NpmClient({ url: npm.url, identity: IDENTITY, secret: SECRET }, { backoffMs: 10 });
    npm.failNext(2);
    const before = npm.requests.filter((r) => r === "GET /api/nginx/proxy-hosts").length;
    await client.listProxyHosts();
    assert.equal(npm.requests.filter((r) => r === "GET /api/nginx/proxy-hosts").length - before, 3);
  });

  it("5xx that persists: bounded retries, then an error that says how often it tried", async () => {
    const client = new NpmClient(
      { url: npm.url, identity: IDENTITY, secret: SECRET },
      { backoffMs: 10, retries: 2 },
    );
    npm.failNext(10);
    await assert.rejects(
      client.listProxyHosts(),
      /list proxy hosts: Nginx Proxy Manager at http:\/\/127\.0\.0\.1:\d+ failed 3 times: HTTP 502 Bad Gateway/,
    );
    npm.failNext(0);
  });

  it("timeouts: bounded, then a clear error", async () => {
    const client = new NpmClient(
      { url: npm.url, identity: IDENTITY, secret: SECRET },
      { timeoutMs: 100, retries: 1, backoffMs: 10 },
    );
    npm.delay(400);
    try {
      await assert.rejects(client.listProxyHosts(), /failed 2 times: no answer within 100 ms/);
    } finally {
      npm.delay(0);
    }
  });

  it("an unreachable NPM: bounded, then a clear error", async () => {
    const client = new NpmClient(
      { url: "http://127.0.0.1:9", identity: IDENTITY, secret: SECRET },
      { retries: 1, backoffMs: 10 },
    );
    await assert.rejects(
      client.listProxyHosts(),
      /login: Nginx Proxy Manager at http:\/\/127\.0\.0\.1:9 failed 2 times: cannot connect/,
    );
  });
});
