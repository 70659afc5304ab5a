/**
 * The NPM providers (proxy hosts, certificates) against the contract double of Nginx Proxy Manager v2.15.1
 * (test/npm-contract-double.ts): the life cycle, and one describe per numbered point of issue #18, each test a
 * behaviour the provider before it got wrong.
 */
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { after, before, beforeEach, describe, it } from "node:test";
import { NpmProxyHost } from "../config-templates/npm-proxy-hosts";
import { NpmProxyHostProvider, NpmProxyHostState } from "../components/npm-proxy-host";
import { NpmCertificateProvider, NpmCertificateState } from "../components/npm-certificate";
import { NpmClient, NpmError } from "../components/npm-client";
import { NpmProviderOptions, UNKNOWN } from "../components/npm-provider-support";
import { STACKS, planFor } from "./helpers";
import { NpmDouble, startNpmDouble } from "./npm-contract-double";
import { providerText } from "../components/provider-text";
import { PROJECT_DIR } from "../config/stack-files";

const IDENTITY = "admin@produktor.io";
const SECRET = "npm-admin-password";
let npm: NpmDouble;

before(async () => {
  npm = await startNpmDouble(IDENTITY, SECRET);
});
after(async () => npm.close());

/** A provider configured the way the engine configures it: the stack config, read at call time. */
function configured<P extends { configure(r: pulumi.dynamic.ConfigureRequest): Promise<void> }>(
  provider: P,
  config: Record<string, string> = {},
): P {
  const values: Record<string, string> = {
    "matrix-fleet:npmIdentity": IDENTITY,
    "matrix-fleet:npmSecret": SECRET,
    "matrix-fleet:proxy": JSON.stringify({ npmUrl: npm.url }),
    ...config,
  };
  void provider.configure({
    config: {
      get: (key: string) => values[key],
      require: (key: string) => values[key]!,
    },
  });
  return provider;
}

const FAST: NpmProviderOptions = { backoffMs: 5, pollMs: 20, polls: 50 };
const hosts = () => configured(new NpmProxyHostProvider(FAST));
const certificates = () => configured(new NpmCertificateProvider(FAST));

const hostFor = (domain: string, certificateId = 0): NpmProxyHost => {
  const host = planFor("produktor").proxyHosts.find((h) => h.domain_names[0] === domain);
  assert.ok(host, domain);
  return { ...host, certificate_id: certificateId };
};
const inputs = (host: NpmProxyHost) => ({ npmUrl: npm.url, host });
const certificateInputs = (names: string[]) => ({
  npmUrl: npm.url,
  domain_names: names,
  acmeEmail: IDENTITY,
});
const posts = (path: string) => npm.requests.filter((r) => r === `POST ${path}`).length;

beforeEach(() => {
  npm.hosts.clear();
  npm.redirectionHosts.clear();
  npm.deadHosts.clear();
  npm.delay(0);
  npm.denyPermissions(false);
});

describe("NPM proxy host life cycle", () => {
  it("creates, reads, updates and deletes a proxy host", async () => {
    const provider = hosts();
    const desired = inputs(hostFor("chat.produktor.io"));
    const created = await provider.create(desired);
    const id = Number(created.id);
    assert.equal(created.outs.adopted, false);
    assert.deepEqual(npm.hosts.get(id)!.domain_names, ["chat.produktor.io"]);
    assert.equal(npm.hosts.get(id)!.forward_port, 8008);

    const read = await provider.read(created.id, created.outs);
    assert.deepEqual(read.props!.host, desired.host, "a fresh host reads back without drift");

    const changed = {
      ...desired.host,
      advanced_config: `${desired.host.advanced_config}\nclient_body_timeout 60s;`,
    };
    const diff = await provider.diff(created.id, created.outs, inputs(changed));
    assert.equal(diff.changes, true);
    assert.deepEqual(diff.replaces, []);
    await provider.update(created.id, created.outs, inputs(changed));
    assert.match(String(npm.hosts.get(id)!.advanced_config), /client_body_timeout 60s;/);

    npm.hosts.get(id)!.forward_port = 9999; // someone edits the host in NPM's UI
    const drifted = await provider.read(created.id, { ...created.outs, host: changed });
    assert.equal(drifted.props!.host.forward_port, 9999);

    await provider.delete(created.id, created.outs);
    assert.equal(npm.hosts.has(id), false);
    const gone = await provider.read(created.id, created.outs);
    assert.equal(gone.id, undefined, "a host deleted outside Pulumi reads as gone");
    await provider.delete(created.id, created.outs); // deleting twice is not an error
  });

  it("replaces (delete first) when the set of names changes, not when only its order or case does", async () => {
    const provider = hosts();
    const host = hostFor("element.produktor.io");
    const state = { ...inputs(host), npmId: 1, adopted: false };
    const moved = await provider.diff("1", state, inputs({ ...host, domain_names: ["web.produktor.io"] }));
    assert.deepEqual(moved.replaces, ["host.domain_names"]);
    assert.equal(moved.deleteBeforeReplace, true, "NPM refuses two hosts with one name");
    const recased = await provider.diff(
      "1",
      state,
      inputs({ ...host, domain_names: ["Element.Produktor.io"] }),
    );
    assert.deepEqual(recased.replaces, []);
    assert.equal(recased.changes, true);
  });

  it("creates every rendered proxy host of every stack on the double (NPM's schema accepts them)", async () => {
    const provider = hosts();
    for (const stack of STACKS) {
      for (const host of planFor(stack).proxyHosts) {
        const created = await provider.create(inputs({ ...host, certificate_id: 0 }));
        await provider.delete(created.id, created.outs as NpmProxyHostState);
      }
    }
  });
});

describe("1. a certificate is requested once, as its own resource, and kept across host updates", () => {
  it("one Let's Encrypt order for a create and two updates of the host", async () => {
    const before = npm.stats.issued;
    const certificate = await certificates().create(certificateInputs(["chat.produktor.io"]));
    const provider = hosts();
    const host = hostFor("chat.produktor.io", certificate.outs.npmId);
    const created = await provider.create(inputs(host));
    const first = { ...host, forward_port: 8009 };
    await provider.update(created.id, created.outs, inputs(first));
    await provider.update(
      created.id,
      { ...created.outs, host: first },
      inputs({ ...first, forward_port: 8010 }),
    );
    assert.equal(npm.stats.issued - before, 1);
    assert.equal(npm.hosts.get(Number(created.id))!.certificate_id, certificate.outs.npmId);
    assert.ok(!npm.requests.some((r) => r.startsWith("PUT") && r.includes("new")));
  });

  it("takes over an issued certificate for the same names instead of ordering another", async () => {
    const provider = certificates();
    const first = await provider.create(certificateInputs(["matrix.pro-dukt.de"]));
    const before = npm.stats.certbotRuns;
    const again = await certificates().create(certificateInputs(["MATRIX.pro-dukt.de"]));
    assert.equal(again.id, first.id);
    assert.equal(again.outs.adopted, true);
    assert.equal(npm.stats.certbotRuns, before);
  });

  it("replaces the certificate (create first) only when its names change", async () => {
    const provider = certificates();
    const state: NpmCertificateState = {
      ...certificateInputs(["a.example.org", "b.example.org"]),
      npmId: 1,
      adopted: false,
    };
    const reordered = await provider.diff("1", state, certificateInputs(["B.example.org", "a.example.org"]));
    assert.equal(reordered.changes, false);
    const renamed = await provider.diff("1", state, certificateInputs(["a.example.org"]));
    assert.deepEqual(renamed.replaces, ["domain_names"]);
    assert.equal(renamed.deleteBeforeReplace, false, "hosts move to the new certificate before the old goes");
  });

  it('check() refuses certificate_id "new", which NPM answers with a new certificate on every write', async () => {
    const host = { ...hostFor("chat.produktor.io"), certificate_id: "new" as const };
    const { failures } = await hosts().check({}, inputs(host));
    assert.deepEqual(
      failures!.map((f) => f.property),
      ["host.certificate_id"],
    );
  });

  it("deletes a certificate nothing uses, and keeps one a host still uses (NPM would break nginx)", async () => {
    const provider = certificates();
    const used = await provider.create(certificateInputs(["meet.produktor.io"]));
    const host = await hosts().create(inputs(hostFor("meet.produktor.io", used.outs.npmId)));
    await provider.delete(used.id, used.outs as NpmCertificateState);
    assert.ok(npm.certificates.has(used.outs.npmId), "in use: kept");
    await hosts().delete(host.id, host.outs as NpmProxyHostState);
    await provider.delete(used.id, used.outs as NpmCertificateState);
    assert.ok(!npm.certificates.has(used.outs.npmId), "unused: deleted");
  });
});

describe("2. the host is stored with SSL forced, HTTP/2 and HSTS as rendered", () => {
  it("stores the flags and reads back without drift", async () => {
    const certificate = await certificates().create(certificateInputs(["admin.produktor.io"]));
    const provider = hosts();
    const host = hostFor("admin.produktor.io", certificate.outs.npmId);
    const created = await provider.create(inputs(host));
    const row = npm.hosts.get(Number(created.id))!;
    assert.deepEqual([row.ssl_forced, row.http2_support, row.hsts_enabled], [true, true, true]);
    const read = await provider.read(created.id, created.outs);
    const diff = await provider.diff(created.id, read.props as NpmProxyHostState, inputs(host));
    assert.equal(diff.changes, false);
  });
});

describe("3. no non-idempotent request is repeated blindly", () => {
  it("a create NPM stored but answered 500 continues from the stored host: one POST", async () => {
    const before = posts("/api/nginx/proxy-hosts");
    npm.storeThenFailNext();
    const created = await hosts().create(inputs(hostFor("chat.produktor.io")));
    assert.equal(posts("/api/nginx/proxy-hosts") - before, 1);
    assert.equal(npm.hosts.size, 1);
    assert.equal((npm.hosts.get(Number(created.id))!.meta as { nginx_online?: boolean }).nginx_online, true);
  });

  it("a create answered too late (slow NPM) is sent once and continued from what NPM stored", async () => {
    const provider = configured(new NpmProxyHostProvider({ ...FAST, timeoutMs: 100 }));
    await provider.read("999", { ...inputs(hostFor("chat.produktor.io")) }); // logs in (POST /api/tokens)
    const before = posts("/api/nginx/proxy-hosts");
    npm.delay(300, 1, "POST");
    const created = await provider.create(inputs(hostFor("element.produktor.io")));
    assert.equal(posts("/api/nginx/proxy-hosts") - before, 1);
    assert.equal(npm.hosts.size, 1);
    assert.ok(npm.hosts.has(Number(created.id)));
  });

  it("a create answered 502 with nothing stored fails after looking, and is not sent again", async () => {
    const before = posts("/api/nginx/proxy-hosts");
    npm.failNext(1, "POST");
    await assert.rejects(
      hosts().create(inputs(hostFor("chat.produktor.io"))),
      /HTTP 502 Bad Gateway.*NPM shows no host for chat\.produktor\.io, so none is recorded/,
    );
    assert.equal(posts("/api/nginx/proxy-hosts") - before, 1);
    assert.equal(npm.hosts.size, 0);
  });

  it("a certificate order certbot fails is not repeated, and the message says where to look", async () => {
    const before = npm.stats.certbotRuns;
    npm.certbotFailsNext();
    await assert.rejects(
      certificates().create(certificateInputs(["fail.produktor.io"])),
      /certbot failed.*certbot said: "Saving debug log.*Some challenges have failed.*\/data\/logs\/letsencrypt\.log.*Not repeated automatically/,
    );
    assert.equal(npm.stats.certbotRuns - before, 1);
  });

  it("certbot's own error is in the message, with what its cause asks for, not a guess at port 80 (issue #28)", async () => {
    const causes: Array<[stderr: string, advice: RegExp]> = [
      [
        "Certbot failed to authenticate some domains (authenticator: webroot). The Certificate Authority reported these problems:\n  Domain: dns.produktor.io\n  Type:   dns\n  Detail: DNS problem: NXDOMAIN looking up A for dns.produktor.io - check that a DNS record exists for this domain\n",
        /the name does not resolve as it must: give it an A/,
      ],
      [
        "An unexpected error occurred:\nError creating new order :: too many certificates (5) already issued for this exact set of identifiers in the last 168h0m0s, retry after 2026-12-04 10:00:00 UTC: see https://letsencrypt.org/docs/rate-limits/\n",
        /Let's Encrypt's rate limit: wait until the time its message names/,
      ],
      [
        "  Domain: caa.produktor.io\n  Type:   caa\n  Detail: CAA record for caa.produktor.io prevents issuance\n",
        /a CAA record of the domain forbids Let's Encrypt/,
      ],
      [
        "  Type:   connection\n  Detail: 203.0.113.10: Fetching http://port.produktor.io/.well-known/acme-challenge/x: Timeout during connect (likely firewall problem)\n",
        /the router must forward tcp\/80 to Nginx Proxy Manager/,
      ],
    ];
    for (const [stderr, advice] of causes) {
      npm.certbotFailsNext(stderr);
      const name =
        /Domain: (\S+)|for (\S+) prevents|http:\/\/([^/]+)\//.exec(stderr)?.slice(1).find(Boolean) ??
        "rate.produktor.io";
      await assert.rejects(certificates().create(certificateInputs([name])), (error: Error) => {
        assert.ok(error.message.includes(stderr.trim().split("\n").pop()!.trim()), error.message);
        assert.match(error.message, advice);
        if (!/forward tcp\/80/.test(advice.source)) assert.doesNotMatch(error.message, /port 80/);
        return true;
      });
    }
  });

  it("a certificate order that outlasts the request is waited for, not sent again", async () => {
    const provider = configured(new NpmCertificateProvider({ ...FAST, certificateTimeoutMs: 100 }));
    npm.certbotTakes(400);
    try {
      const before = posts("/api/nginx/certificates");
      const created = await provider.create(certificateInputs(["slow.produktor.io"]));
      assert.equal(posts("/api/nginx/certificates") - before, 1);
      assert.equal(created.outs.adopted, false);
      assert.ok(npm.certificates.has(created.outs.npmId));
    } finally {
      npm.certbotTakes(0);
    }
  });

  it("orders certificates one at a time (NPM fails parallel certbot runs)", async () => {
    const provider = certificates();
    npm.certbotTakes(100);
    try {
      const names = ["one.produktor.io", "two.produktor.io", "three.produktor.io"];
      const created = await Promise.all(names.map((n) => provider.create(certificateInputs([n]))));
      assert.equal(new Set(created.map((c) => c.id)).size, 3);
    } finally {
      npm.certbotTakes(0);
    }
  });

  it("waits long enough for an ACME order: NPM's route allows 15 minutes", () => {
    const client = new NpmClient({ url: npm.url, identity: IDENTITY, secret: SECRET });
    assert.ok(client.certificateTimeoutMs > 15 * 60_000);
  });

  it("reads are repeated on 5xx with backoff, a bounded number of times", async () => {
    const provider = hosts();
    const created = await provider.create(inputs(hostFor("chat.produktor.io")));
    npm.failNext(2);
    await provider.read(created.id, created.outs);
    npm.failNext(10);
    await assert.rejects(provider.read(created.id, created.outs), /failed 4 times: HTTP 502 Bad Gateway/);
    npm.failNext(0);
  });

  it("an unreachable NPM: bounded, then a clear error", async () => {
    const client = new NpmClient(
      { url: "http://127.0.0.1:9", identity: IDENTITY, secret: SECRET },
      { retries: 1, backoffMs: 5 },
    );
    await assert.rejects(
      client.get("/api/nginx/proxy-hosts", "list"),
      /login: .* failed 2 times: cannot connect/,
    );
  });
});

describe("an NPM whose nginx someone else broke: the message names the culprit (issue #28)", () => {
  it("names the host still using a deleted certificate, and leaves nothing of its own behind", async () => {
    const certificate = await certificates().create(certificateInputs(["old.produktor.io"]));
    const culprit = npm.addHandMade("proxy-hosts", ["old.produktor.io"], {
      certificate_id: certificate.outs.npmId,
    });
    const client = new NpmClient({ url: npm.url, identity: IDENTITY, secret: SECRET }, FAST);
    await client.delete(`/api/nginx/certificates/${certificate.outs.npmId}`, "delete by hand");
    try {
      await assert.rejects(hosts().create(inputs(hostFor("chat.produktor.io"))), (error: Error) => {
        assert.match(
          error.message,
          new RegExp(
            `NPM's nginx is broken by: proxy-host ${culprit.id} \\(old\\.produktor\\.io\\) uses certificate ${certificate.outs.npmId}, which was deleted`,
          ),
        );
        assert.match(error.message, /Give that host another certificate \(or none\) or delete it in NPM/);
        return true;
      });
      assert.deepEqual(
        [...npm.hosts.values()].map((h) => h.domain_names[0]),
        ["old.produktor.io"],
        "the host it stored was deleted again (a DELETE on a broken nginx answers 500 but deletes)",
      );
    } finally {
      npm.hosts.delete(culprit.id);
    }
  });
});

describe("4. nginx rejecting a host fails pulumi up and shows in refresh", () => {
  const broken = 'nginx: [emerg] unknown directive "proxy_pas" in /data/nginx/proxy_host/1.conf:20';

  it("create: fails with nginx's output and deletes the host again", async () => {
    npm.nginxRejectsNext(broken);
    await assert.rejects(
      hosts().create(inputs(hostFor("chat.produktor.io"))),
      /create proxy host chat\.produktor\.io: .*stored the host but nginx rejected its config: nginx: \[emerg\] unknown directive "proxy_pas".*deleted again/,
    );
    assert.equal(npm.hosts.size, 0);
  });

  it("update: fails with nginx's output and puts the previous definition back", async () => {
    const provider = hosts();
    const host = hostFor("chat.produktor.io");
    const created = await provider.create(inputs(host));
    npm.nginxRejectsNext(broken);
    await assert.rejects(
      provider.update(created.id, created.outs, inputs({ ...host, advanced_config: "proxy_pas x;" })),
      /nginx rejected its config.*put back as it was/,
    );
    const row = npm.hosts.get(Number(created.id))!;
    assert.equal(row.advanced_config, host.advanced_config);
    assert.equal((row.meta as { nginx_online: boolean }).nginx_online, true);
  });

  it("refresh: a host nginx does not serve is drift, which the next up repairs", async () => {
    const provider = hosts();
    const created = await provider.create(inputs(hostFor("element.produktor.io")));
    npm.hosts.get(Number(created.id))!.meta = { nginx_online: false, nginx_err: broken };
    const read = await provider.read(created.id, created.outs);
    assert.equal(read.props!.host.meta.nginx_online, false);
    const diff = await provider.diff(
      created.id,
      read.props as NpmProxyHostState,
      inputs(hostFor("element.produktor.io")),
    );
    assert.equal(diff.changes, true);
  });
});

describe("5. authentication as NPM v2.15.1 answers it", () => {
  it("wrong credentials (400) name the config keys", async () => {
    const provider = configured(new NpmProxyHostProvider(FAST), { "matrix-fleet:npmSecret": "wrong" });
    await assert.rejects(provider.create(inputs(hostFor("chat.produktor.io"))), (error: unknown) => {
      assert.ok(error instanceof NpmError);
      assert.match(
        error.message,
        /refused the credentials \(HTTP 400: Invalid email or password\); check npmIdentity \/ npmSecret/,
      );
      return true;
    });
  });

  it("an expired token (400 'Token has expired') logs in again instead of failing as a field error", async () => {
    const provider = hosts();
    const created = await provider.create(inputs(hostFor("chat.produktor.io")));
    npm.expireTokens();
    const host = { ...hostFor("chat.produktor.io"), forward_port: 8090 };
    await provider.update(created.id, created.outs, inputs(host));
    assert.equal(npm.hosts.get(Number(created.id))!.forward_port, 8090);
  });

  it("a token NPM cannot verify (500) logs in again", async () => {
    const provider = hosts();
    const created = await provider.create(inputs(hostFor("chat.produktor.io")));
    npm.forgetTokens();
    const read = await provider.read(created.id, created.outs);
    assert.equal(read.id, created.id);
  });

  it("a missing permission (404 with a path) is an error naming it; refresh does not drop the host", async () => {
    const provider = hosts();
    const created = await provider.create(inputs(hostFor("chat.produktor.io")));
    npm.denyPermissions(true);
    await assert.rejects(
      provider.read(created.id, created.outs),
      /404 "Not Found - \/nginx\/proxy-hosts\/\d+".*no permission.*npmIdentity/,
    );
    npm.denyPermissions(false);
  });

  it("credentials come from the stack config at call time, not from the state", async () => {
    const created = await hosts().create(inputs(hostFor("chat.produktor.io")));
    assert.deepEqual(Object.keys(created.outs).sort(), ["adopted", "host", "npmId", "npmUrl"]);
    const stale = { ...created.outs, identity: "old@produktor.io", secret: "old" } as NpmProxyHostState;
    const read = await hosts().read(created.id, stale);
    assert.equal(read.id, created.id, "read with the configured credentials");
    assert.ok(!("identity" in read.props!) && !("secret" in read.props!));
  });
});

describe("a host made outside the stack is taken over only when the stack lists it (issue #28)", () => {
  it("refuses, naming its id and domains and the way to adopt it, without writing anything", async () => {
    const handMade = npm.addHandMade("proxy-hosts", ["chat.produktor.io"], { forward_port: 4242 });
    const writes = () =>
      npm.requests.filter((r) => /^(POST|PUT|DELETE) \/api\/nginx\/proxy-hosts/.test(r)).length;
    const before = writes();
    await assert.rejects(hosts().create(inputs(hostFor("chat.produktor.io"))), (error: Error) => {
      assert.match(
        error.message,
        new RegExp(
          `already has proxy-host ${handMade.id} \\(chat\\.produktor\\.io\\), which this stack did not create`,
        ),
      );
      assert.match(
        error.message,
        /add chat\.produktor\.io to proxy\.adoptHosts .* the preview then shows adopt: true, pulumi up rewrites the host .* pulumi destroy deletes it/,
      );
      return true;
    });
    assert.equal(writes(), before, "the operator's host is untouched");
    assert.equal(npm.hosts.get(handMade.id)!.forward_port, 4242);
  });

  it("takes it over when listed: rewritten with the stack's definition, recorded as adopted", async () => {
    const handMade = npm.addHandMade("proxy-hosts", ["chat.produktor.io"], { forward_port: 4242 });
    const created = await hosts().create({ ...inputs(hostFor("chat.produktor.io")), adopt: true });
    assert.equal(Number(created.id), handMade.id);
    assert.equal(created.outs.adopted, true);
    assert.equal(npm.hosts.get(handMade.id)!.forward_port, 8008);
  });
});

describe("6. names are compared as NPM compares them: case-insensitively, across host types", () => {
  it("takes over a proxy host whose names differ only in case, when proxy.adoptHosts lists it", async () => {
    const handMade = npm.addHandMade("proxy-hosts", ["Admin.Produktor.IO"], { forward_port: 1234 });
    const created = await hosts().create({ ...inputs(hostFor("admin.produktor.io")), adopt: true });
    assert.equal(Number(created.id), handMade.id);
    assert.equal(created.outs.adopted, true);
    assert.equal(npm.hosts.size, 1);
    assert.equal(npm.hosts.get(handMade.id)!.forward_port, 8081);
  });

  it("refuses, naming it, a redirection host that holds the name, without sending a create", async () => {
    const redirect = npm.addHandMade("redirection-hosts", ["MEET.produktor.io"]);
    const before = posts("/api/nginx/proxy-hosts");
    await assert.rejects(
      hosts().create(inputs(hostFor("meet.produktor.io"))),
      new RegExp(
        `redirection-host ${redirect.id} \\(MEET\\.produktor\\.io\\).*across proxy, redirection and 404 hosts`,
      ),
    );
    assert.equal(posts("/api/nginx/proxy-hosts"), before);
  });

  it("refuses a proxy host that holds more names than the rendered one", async () => {
    npm.addHandMade("proxy-hosts", ["meet.produktor.io", "jitsi.produktor.io"]);
    await assert.rejects(
      hosts().create(inputs(hostFor("meet.produktor.io"))),
      /proxy-host \d+ \(jitsi\.produktor\.io, meet\.produktor\.io\)/,
    );
  });
});

describe("7. diff, state, import and the one schema", () => {
  it("the diff ignores the order of keys", async () => {
    const host = hostFor("chat.produktor.io");
    const reordered = Object.fromEntries(Object.entries(host).reverse()) as unknown as NpmProxyHost;
    const diff = await hosts().diff("1", { ...inputs(reordered), npmId: 1, adopted: false }, inputs(host));
    assert.equal(diff.changes, false);
  });

  it("a state written with credentials in it is rewritten once, without a request to NPM", async () => {
    const host = hostFor("chat.produktor.io");
    const legacy = {
      ...inputs(host),
      npmId: 7,
      adopted: false,
      identity: IDENTITY,
      secret: SECRET,
    } as NpmProxyHostState;
    const provider = hosts();
    assert.equal((await provider.diff("7", legacy, inputs(host))).changes, true);
    const requests = npm.requests.length;
    const updated = await provider.update("7", legacy, inputs(host));
    assert.equal(npm.requests.length, requests);
    assert.ok(!("secret" in updated.outs) && !("identity" in updated.outs));
  });

  it("import: read with an empty state takes the URL from the stack config and returns inputs", async () => {
    const handMade = npm.addHandMade("proxy-hosts", ["element.produktor.io"], {
      forward_scheme: "http",
      forward_host: "192.0.2.10",
      forward_port: 8080,
      locations: null,
    });
    const read = await hosts().read(String(handMade.id), {});
    assert.equal(read.id, String(handMade.id));
    assert.equal(read.inputs!.npmUrl, npm.url);
    assert.deepEqual(read.inputs!.host.domain_names, ["element.produktor.io"]);
    assert.deepEqual(read.inputs!.host.locations, []);
  });

  it("check() names the host and field NPM's schema would refuse, before any request", async () => {
    const requests = npm.requests.length;
    const bad = {
      ...hostFor("chat.produktor.io"),
      forward_port: 0,
      hsts_preload: true,
    } as unknown as NpmProxyHost;
    const { failures } = await hosts().check({}, inputs(bad));
    assert.deepEqual(failures!.map((f) => f.property).sort(), ["host.forward_port", "host.hsts_preload"]);
    assert.match(failures![0]!.reason, /proxy host chat\.produktor\.io: /);
    assert.equal(npm.requests.length, requests);
  });

  it("check() lets unknown values of a preview through and still judges the known ones", async () => {
    assert.equal(UNKNOWN, pulumi.runtime.unknownValue);
    const whole = await hosts().check({}, { npmUrl: npm.url, host: UNKNOWN as unknown as NpmProxyHost });
    assert.deepEqual(whole.failures, []);
    const partly = {
      ...hostFor("chat.produktor.io"),
      certificate_id: UNKNOWN,
      forward_host: UNKNOWN,
      forward_port: 0,
      locations: [{ path: UNKNOWN, forward_scheme: "http", forward_host: "x", forward_port: 70000 }],
    } as unknown as NpmProxyHost;
    const { failures } = await hosts().check({}, inputs(partly));
    assert.deepEqual(failures!.map((f) => f.property).sort(), [
      "host.forward_port",
      "host.locations[0].forward_port",
    ]);
  });
});

describe("the ACME e-mail", () => {
  it("refuses to order a certificate when NPM would register another e-mail than proxy.letsencryptEmail", async () => {
    const before = npm.stats.certbotRuns;
    await assert.rejects(
      certificates().create({
        ...certificateInputs(["mail.produktor.io"]),
        acmeEmail: "hostmaster@produktor.io",
      }),
      /e-mail of the NPM user that requests them .* not proxy\.letsencryptEmail \(hostmaster@produktor\.io\)/,
    );
    assert.equal(npm.stats.certbotRuns, before);
  });
});

describe("the provider text the engine runs (the resources' __provider)", () => {
  /** Loads a text as the SDK's dynamic-provider host does: a CommonJS module whose `handler()` is the provider. */
  const load = (text: string) => {
    const module = { exports: {} as { handler?: () => unknown } };
    new Function("module", "exports", text)(module, module.exports);
    return module.exports.handler!();
  };

  it("is self-contained, the same wherever the repository lies, and runs the providers", async () => {
    const hostText = providerText("components/npm-proxy-host", "NpmProxyHostProvider");
    const certificateText = providerText("components/npm-certificate", "NpmCertificateProvider");
    for (const text of [hostText, certificateText]) {
      assert.doesNotMatch(text, /\brequire\(/, "nothing to load beside the text");
      assert.ok(!text.includes(PROJECT_DIR), "no path of this checkout");
    }
    const certificate = await configured(load(certificateText) as NpmCertificateProvider).create(
      certificateInputs(["text.produktor.io"]),
    );
    const provider = configured(load(hostText) as NpmProxyHostProvider);
    const created = await provider.create(inputs(hostFor("chat.produktor.io", certificate.outs.npmId)));
    assert.equal(npm.hosts.get(Number(created.id))!.certificate_id, certificate.outs.npmId);
    await provider.delete(created.id, created.outs as NpmProxyHostState);
    assert.equal(npm.hosts.size, 0);
  });
});
