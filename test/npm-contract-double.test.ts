/**
 * The contract double against what NPM v2.15.1's code does, as docs/upstream/nginx-proxy-manager.md §6 records it
 * (each expected value is from there, not from the double): if the double drifts from NPM, the provider tests
 * prove nothing. Raw HTTP, no project client.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { NpmDouble, startNpmDouble } from "./npm-contract-double";

const IDENTITY = "admin@example.org";
const SECRET = "correct horse";
let npm: NpmDouble;
let token = "";

before(async () => {
  npm = await startNpmDouble(IDENTITY, SECRET);
});
after(async () => npm.close());
beforeEach(async () => {
  npm.hosts.clear();
  npm.deadHosts.clear();
  npm.redirectionHosts.clear();
  token = (
    (await call("POST", "/api/tokens", { identity: IDENTITY, secret: SECRET }, "")).json as { token: string }
  ).token;
});

async function call(method: string, path: string, body?: unknown, bearer: string | undefined = token) {
  const response = await fetch(`${npm.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    // NPM's answers, read field by field as the assertions need them.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    json: text === "" ? undefined : (JSON.parse(text) as Record<string, any>),
  };
}
const message = (answer: { json: unknown }) => (answer.json as { error: { message: string } }).error.message;
const host = (name: string, extra: Record<string, unknown> = {}) => ({
  domain_names: [name],
  forward_scheme: "http",
  forward_host: "192.0.2.10",
  forward_port: 8080,
  ...extra,
});

describe("tokens and permissions (§6.4)", () => {
  it("wrong credentials: 400 Invalid email or password; the identity is lower-cased and trimmed", async () => {
    const wrong = await call("POST", "/api/tokens", { identity: IDENTITY, secret: "nope" }, "");
    assert.equal(wrong.status, 400);
    assert.equal(message(wrong), "Invalid email or password");
    const cased = await call(
      "POST",
      "/api/tokens",
      { identity: ` ${IDENTITY.toUpperCase()} `, secret: SECRET },
      "",
    );
    assert.equal(cased.status, 200);
    assert.match(cased.json!.expires, /^\d{4}-\d{2}-\d{2}T/, "expires is ISO");
  });

  it("no token: 404 naming the path; garbage: 500; expired: 400; the string null: 400 Empty token", async () => {
    const none = await call("GET", "/api/nginx/proxy-hosts", undefined, "");
    assert.deepEqual([none.status, message(none)], [404, "Not Found - /nginx/proxy-hosts"]);
    const garbage = await call("GET", "/api/nginx/proxy-hosts", undefined, "garbage");
    assert.deepEqual([garbage.status, message(garbage)], [500, "Internal Error"]);
    const empty = await call("GET", "/api/nginx/proxy-hosts", undefined, "null");
    assert.deepEqual([empty.status, message(empty)], [400, "Empty token"]);
    npm.expireTokens();
    const expired = await call("GET", "/api/nginx/proxy-hosts");
    assert.deepEqual([expired.status, message(expired)], [400, "Token has expired"]);
  });

  it("a body is validated before the permission check: an invalid body without a token gets 400", async () => {
    const answer = await call("POST", "/api/nginx/proxy-hosts", { domain_names: ["a.example.org"] }, "");
    assert.equal(answer.status, 400);
    assert.match(message(answer), /must have required property 'forward_scheme'/);
  });

  it("a user without permission: 404 naming the path, not the id", async () => {
    const created = await call("POST", "/api/nginx/proxy-hosts", host("a.example.org"));
    npm.denyPermissions(true);
    try {
      const answer = await call("GET", `/api/nginx/proxy-hosts/${created.json!.id}`);
      assert.deepEqual(
        [answer.status, message(answer)],
        [404, `Not Found - /nginx/proxy-hosts/${created.json!.id}`],
      );
    } finally {
      npm.denyPermissions(false);
    }
  });
});

describe("proxy hosts (§1, §6.2, §6.3, §6.5, §6.6)", () => {
  it("create answers 201 without nginx's verdict; a read afterwards has it", async () => {
    const created = await call(
      "POST",
      "/api/nginx/proxy-hosts",
      host("a.example.org", { meta: { mine: 1 } }),
    );
    assert.equal(created.status, 201);
    assert.deepEqual(created.json!.meta, { mine: 1 });
    assert.deepEqual(
      [created.json!.owner !== undefined, created.json!.certificate, created.json!.access_list],
      [true, null, null],
    );
    const read = await call("GET", `/api/nginx/proxy-hosts/${created.json!.id}`);
    assert.deepEqual(read.json!.meta, { mine: 1, nginx_online: true, nginx_err: null });
    assert.ok(!("owner" in read.json!) && !("certificate" in read.json!), "no expansions without ?expand");
  });

  it("timestamps are SQLite's, not ISO; locations keep no ids and are null when never sent", async () => {
    const plain = await call("POST", "/api/nginx/proxy-hosts", host("a.example.org"));
    assert.match(plain.json!.created_on, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    assert.equal(plain.json!.locations, null);
    const location = { path: "/x", forward_scheme: "http", forward_host: "192.0.2.10", forward_port: "8081" };
    const withLocation = await call(
      "POST",
      "/api/nginx/proxy-hosts",
      host("b.example.org", { locations: [location] }),
    );
    assert.deepEqual(withLocation.json!.locations, [{ ...location, forward_port: 8081 }]);
  });

  it("ports given as strings are accepted and stored as numbers", async () => {
    const created = await call(
      "POST",
      "/api/nginx/proxy-hosts",
      host("a.example.org", { forward_port: "8080" }),
    );
    assert.equal(created.status, 201);
    assert.equal(created.json!.forward_port, 8080);
  });

  it("names are sorted, and duplicates are refused case-insensitively across types, named as sent", async () => {
    const created = await call(
      "POST",
      "/api/nginx/proxy-hosts",
      host("b.example.org", { domain_names: ["b.example.org", "a.example.org"] }),
    );
    assert.deepEqual(created.json!.domain_names, ["a.example.org", "b.example.org"]);
    npm.addHandMade("dead-hosts", ["dead.example.org"]);
    const dup = await call("POST", "/api/nginx/proxy-hosts", host("DEAD.example.org"));
    assert.deepEqual([dup.status, message(dup)], [400, "DEAD.example.org is already in use"]);
  });

  it('"new" on create: a certificate, but the host keeps SSL, HTTP/2 and HSTS off', async () => {
    const flags = { certificate_id: "new", ssl_forced: true, http2_support: true, hsts_enabled: true };
    const before = npm.stats.issued;
    const created = await call("POST", "/api/nginx/proxy-hosts", host("a.example.org", flags));
    assert.equal(npm.stats.issued - before, 1);
    assert.ok(created.json!.certificate_id > 0);
    assert.deepEqual(
      [created.json!.ssl_forced, created.json!.http2_support, created.json!.hsts_enabled],
      [false, false, false],
    );
  });

  it('"new" on update: another certificate each time; the old one stays', async () => {
    const created = await call("POST", "/api/nginx/proxy-hosts", host("a.example.org"));
    const before = npm.stats.issued;
    const first = await call("PUT", `/api/nginx/proxy-hosts/${created.json!.id}`, {
      certificate_id: "new",
      ssl_forced: true,
    });
    const second = await call("PUT", `/api/nginx/proxy-hosts/${created.json!.id}`, { certificate_id: "new" });
    assert.equal(npm.stats.issued - before, 2);
    assert.notEqual(first.json!.certificate_id, second.json!.certificate_id);
    assert.ok(npm.certificates.has(first.json!.certificate_id));
    assert.equal(first.json!.ssl_forced, true, "flags sent with the PUT are kept");
  });

  it("a PUT's meta replaces the stored one; a rejected config is stored with nginx_online false", async () => {
    const created = await call("POST", "/api/nginx/proxy-hosts", host("a.example.org", { meta: { old: 1 } }));
    npm.nginxRejectsNext('nginx: [emerg] unknown directive "x"');
    const updated = await call("PUT", `/api/nginx/proxy-hosts/${created.json!.id}`, { meta: { fresh: 2 } });
    assert.equal(updated.status, 200);
    assert.deepEqual(updated.json!.meta, {
      fresh: 2,
      nginx_online: false,
      nginx_err: 'nginx: [emerg] unknown directive "x"',
    });
  });

  it("PUT refuses response-only fields; DELETE answers true and then 404 with the id", async () => {
    const created = await call("POST", "/api/nginx/proxy-hosts", host("a.example.org"));
    const withId = await call("PUT", `/api/nginx/proxy-hosts/${created.json!.id}`, {
      id: 5,
      forward_port: 1,
    });
    assert.equal(withId.status, 400);
    assert.match(message(withId), /must NOT have additional properties/);
    const deleted = await call("DELETE", `/api/nginx/proxy-hosts/${created.json!.id}`);
    assert.deepEqual([deleted.status, deleted.json], [200, true]);
    const again = await call("GET", `/api/nginx/proxy-hosts/${created.json!.id}`);
    assert.deepEqual([again.status, message(again)], [404, `Not Found - ${created.json!.id}`]);
  });
});

describe("certificates (§6.1)", () => {
  it("refuses an ACME e-mail in the meta: the meta takes only NPM's keys", async () => {
    const answer = await call("POST", "/api/nginx/certificates", {
      provider: "letsencrypt",
      domain_names: ["a.example.org"],
      meta: { letsencrypt_email: "x@example.org", letsencrypt_agree: true },
    });
    assert.equal(answer.status, 400);
    assert.match(message(answer), /data\/meta must NOT have additional properties/);
  });

  it("issues synchronously; the row is visible while certbot runs, with expires_on = created_on", async () => {
    npm.certbotTakes(150);
    try {
      const pending = call("POST", "/api/nginx/certificates", {
        provider: "letsencrypt",
        domain_names: ["b.example.org", "a.example.org"],
      });
      await new Promise((r) => setTimeout(r, 50));
      const during = (await call("GET", "/api/nginx/certificates")).json as unknown as Array<
        Record<string, string>
      >;
      const row = during.find((c) => c.nice_name === "b.example.org, a.example.org")!;
      assert.equal(row.expires_on, row.created_on);
      const done = await pending;
      assert.equal(done.status, 201);
      assert.deepEqual(done.json!.domain_names, ["a.example.org", "b.example.org"]);
      assert.ok(done.json!.expires_on > done.json!.created_on);
    } finally {
      npm.certbotTakes(0);
    }
  });

  it("a failed order answers 500 and leaves no row; nothing stops a duplicate", async () => {
    npm.certbotFailsNext();
    const failed = await call("POST", "/api/nginx/certificates", {
      provider: "letsencrypt",
      domain_names: ["c.example.org"],
    });
    assert.deepEqual([failed.status, message(failed)], [500, "Internal Error"]);
    const rows = (await call("GET", "/api/nginx/certificates")).json as unknown as Array<{
      domain_names: string[];
    }>;
    assert.ok(!rows.some((c) => c.domain_names.includes("c.example.org")));
    const one = await call("POST", "/api/nginx/certificates", {
      provider: "letsencrypt",
      domain_names: ["d.example.org"],
    });
    const two = await call("POST", "/api/nginx/certificates", {
      provider: "letsencrypt",
      domain_names: ["d.example.org"],
    });
    assert.notEqual(one.json!.id, two.json!.id);
  });

  it("deleting a certificate a host uses is allowed, and breaks every later host write (500)", async () => {
    const certificate = await call("POST", "/api/nginx/certificates", {
      provider: "letsencrypt",
      domain_names: ["e.example.org"],
    });
    const users = await call(
      "POST",
      "/api/nginx/proxy-hosts",
      host("e.example.org", { certificate_id: certificate.json!.id }),
    );
    const inUse = await call("GET", `/api/nginx/certificates/${certificate.json!.id}?expand=proxy_hosts`);
    assert.deepEqual(
      inUse.json!.proxy_hosts.map((h: { id: number }) => h.id),
      [users.json!.id],
    );
    const deleted = await call("DELETE", `/api/nginx/certificates/${certificate.json!.id}`);
    assert.deepEqual([deleted.status, deleted.json], [200, true]);
    const later = await call("POST", "/api/nginx/proxy-hosts", host("f.example.org"));
    assert.equal(later.status, 500);
    await call("DELETE", `/api/nginx/proxy-hosts/${users.json!.id}`);
  });
});

describe("what the review against the real NPM v2.15.1 found the double doing otherwise (issue #28, §6.10)", () => {
  it("a create without a token, or without permission, is 500 (the route's catch reads err.debug of undefined)", async () => {
    const none = await call("POST", "/api/nginx/proxy-hosts", host("g.example.org"), "");
    assert.deepEqual([none.status, message(none)], [500, "Internal Error"]);
    npm.denyPermissions(true);
    try {
      const denied = await call("POST", "/api/nginx/proxy-hosts", host("g.example.org"));
      assert.deepEqual([denied.status, message(denied)], [500, "Internal Error"]);
      // Every other route still answers 404 with the path.
      const read = await call("GET", "/api/nginx/proxy-hosts");
      assert.deepEqual([read.status, message(read)], [404, "Not Found - /nginx/proxy-hosts"]);
    } finally {
      npm.denyPermissions(false);
    }
  });

  it("a PUT on a missing id whose names are in use is 400 (the name check runs before the row is read)", async () => {
    await call("POST", "/api/nginx/proxy-hosts", host("h.example.org"));
    const taken = await call("PUT", "/api/nginx/proxy-hosts/999", { domain_names: ["h.example.org"] });
    assert.deepEqual([taken.status, message(taken)], [400, "h.example.org is already in use"]);
    const free = await call("PUT", "/api/nginx/proxy-hosts/999", { domain_names: ["i.example.org"] });
    assert.deepEqual([free.status, message(free)], [404, "Not Found - 999"]);
  });

  it("a DELETE while nginx is broken is 500, and the row is deleted all the same", async () => {
    const certificate = await call("POST", "/api/nginx/certificates", {
      provider: "letsencrypt",
      domain_names: ["j.example.org"],
    });
    const culprit = await call(
      "POST",
      "/api/nginx/proxy-hosts",
      host("j.example.org", { certificate_id: certificate.json!.id }),
    );
    const other = await call("POST", "/api/nginx/proxy-hosts", host("k.example.org"));
    await call("DELETE", `/api/nginx/certificates/${certificate.json!.id}`);
    const deleted = await call("DELETE", `/api/nginx/proxy-hosts/${other.json!.id}`);
    assert.deepEqual([deleted.status, message(deleted)], [500, "Internal Error"]);
    const gone = await call("GET", `/api/nginx/proxy-hosts/${other.json!.id}`);
    assert.equal(gone.status, 404, "the row is soft-deleted before the reload fails");
    // Deleting the culprit itself removes its config before the reload: nginx passes again.
    const fixed = await call("DELETE", `/api/nginx/proxy-hosts/${culprit.json!.id}`);
    assert.deepEqual([fixed.status, fixed.json], [200, true]);
  });

  it("?expand= is honoured on hosts: owner, certificate (meta emptied; null once deleted), access_list", async () => {
    const certificate = await call("POST", "/api/nginx/certificates", {
      provider: "letsencrypt",
      domain_names: ["l.example.org"],
    });
    const created = await call(
      "POST",
      "/api/nginx/proxy-hosts",
      host("l.example.org", { certificate_id: certificate.json!.id }),
    );
    const one = await call("GET", `/api/nginx/proxy-hosts/${created.json!.id}?expand=certificate,owner`);
    assert.equal(one.json!.certificate.id, certificate.json!.id);
    assert.deepEqual(one.json!.certificate.meta, {});
    assert.ok("owner" in one.json! && !("access_list" in one.json!));
    const list = await call("GET", "/api/nginx/proxy-hosts?expand=certificate");
    assert.equal(
      (list.json as unknown as Array<Record<string, unknown>>)[0]!.certificate !== undefined,
      true,
    );
    await call("DELETE", `/api/nginx/certificates/${certificate.json!.id}`);
    const orphan = await call("GET", `/api/nginx/proxy-hosts/${created.json!.id}?expand=certificate`);
    assert.equal(orphan.json!.certificate, null, "the relation filters deleted certificates");
    const unknown = await call("GET", "/api/nginx/proxy-hosts?expand=streams");
    assert.equal(unknown.status, 500);
    await call("DELETE", `/api/nginx/proxy-hosts/${created.json!.id}`);
  });

  it("a certificate's 201 carries its issuer and validity dates; a failed order's 500 carries certbot's stderr", async () => {
    const issued = await call("POST", "/api/nginx/certificates", {
      provider: "letsencrypt",
      domain_names: ["m.example.org"],
    });
    const info = issued.json!.meta.letsencrypt_certificate;
    assert.equal(info.cn, "m.example.org");
    assert.match(info.issuer, /O = Let's Encrypt/);
    assert.ok(Number.isInteger(info.dates.from) && info.dates.to > info.dates.from, JSON.stringify(info));
    npm.certbotFailsNext(
      "Detail: DNS problem: NXDOMAIN looking up A for n.example.org\nSome challenges have failed.\n",
    );
    const failed = await call("POST", "/api/nginx/certificates", {
      provider: "letsencrypt",
      domain_names: ["n.example.org"],
    });
    assert.equal(failed.status, 500);
    assert.deepEqual(failed.json!.debug.stack.slice(0, 2), [
      "Error: Detail: DNS problem: NXDOMAIN looking up A for n.example.org",
      "Some challenges have failed.",
    ]);
    assert.match(failed.json!.debug.previous.cmd, /^certbot certonly .*--domains n\.example\.org$/);
  });
});
