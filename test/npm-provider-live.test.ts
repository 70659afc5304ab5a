/**
 * The NPM providers' contract with a real Nginx Proxy Manager (issue #28): the tests here use nothing but NPM's own
 * API, so they run against the contract double by default and against a real NPM when one is given:
 *
 *   NPM_TEST_URL=http://<npm host>:81 NPM_TEST_IDENTITY=<admin e-mail> NPM_TEST_SECRET=<password> \
 *     node --import tsx --test test/npm-provider-live.test.ts
 *
 * On a real NPM they create, change and delete a few proxy hosts named `<role>-<run>.matrix-fleet-test.invalid`
 * (NPM_TEST_DOMAIN for another suffix), forwarding nowhere, with no certificate, and delete every one of them at
 * the end. With NPM_TEST_CERTIFICATE_DOMAIN=<a name whose DNS and port 80 reach that NPM> one real Let's Encrypt
 * certificate is ordered for it, taken over by a second resource instead of ordered again, and deleted.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import { NpmProxyHost } from "../config-templates/npm-proxy-hosts";
import { NpmCertificateProvider } from "../components/npm-certificate";
import { NpmClient, NpmError } from "../components/npm-client";
import { NpmProxyHostProvider, NpmProxyHostState } from "../components/npm-proxy-host";
import { NpmProviderOptions } from "../components/npm-provider-support";
import { planFor } from "./helpers";
import { NpmDouble, startNpmDouble } from "./npm-contract-double";

const LIVE = process.env.NPM_TEST_URL;
const SUFFIX = process.env.NPM_TEST_DOMAIN ?? "matrix-fleet-test.invalid";
const CERTIFICATE_DOMAIN = process.env.NPM_TEST_CERTIFICATE_DOMAIN;
const RUN = randomBytes(3).toString("hex");
const name = (role: string) => `${role}-${RUN}.${SUFFIX}`;
const OPTIONS: NpmProviderOptions = LIVE === undefined ? { backoffMs: 5, pollMs: 20, polls: 50 } : {};

let target: { url: string; identity: string; secret: string };
let double: NpmDouble | undefined;
let client: NpmClient;

before(async () => {
  if (LIVE !== undefined) {
    const identity = process.env.NPM_TEST_IDENTITY;
    const secret = process.env.NPM_TEST_SECRET;
    if (identity === undefined || secret === undefined)
      throw new Error(
        "NPM_TEST_URL is set: set NPM_TEST_IDENTITY and NPM_TEST_SECRET (an NPM administrator) too",
      );
    target = { url: LIVE.replace(/\/+$/, ""), identity, secret };
  } else {
    double = await startNpmDouble("admin@produktor.io", "npm-live-contract");
    target = { url: double.url, identity: "admin@produktor.io", secret: "npm-live-contract" };
  }
  client = new NpmClient(target, OPTIONS);
});

/** Every host this run made, whatever a test left behind: deleted, one at a time, a bounded number. */
after(async () => {
  try {
    const leftovers = (
      (await client.get("/api/nginx/proxy-hosts", "list")).json as Array<{
        id: number;
        domain_names: string[];
      }>
    )
      .filter((h) => h.domain_names.some((d) => d.toLowerCase().includes(`-${RUN}.`)))
      .slice(0, 20);
    for (const host of leftovers) await client.delete(`/api/nginx/proxy-hosts/${host.id}`, "clean up");
  } finally {
    await double?.close();
  }
});

function configured<P extends { configure(r: pulumi.dynamic.ConfigureRequest): Promise<void> }>(
  provider: P,
  identity = target.identity,
): P {
  const values: Record<string, string> = {
    "matrix-fleet:npmIdentity": identity,
    "matrix-fleet:npmSecret": target.secret,
    "matrix-fleet:proxy": JSON.stringify({ npmUrl: target.url }),
  };
  void provider.configure({ config: { get: (key) => values[key], require: (key) => values[key]! } });
  return provider;
}

/** A rendered host under a test name: no certificate, so NPM keeps SSL, HTTP/2 and HSTS off (cleanSslHstsData). */
function testHost(role: string): NpmProxyHost {
  const rendered = planFor("produktor").proxyHosts.find((h) => h.domain_names[0] === "element.produktor.io")!;
  return {
    ...rendered,
    domain_names: [name(role)],
    forward_host: "192.0.2.10",
    certificate_id: 0,
    ssl_forced: false,
    http2_support: false,
    hsts_enabled: false,
  };
}

const read = async (id: number) =>
  (await client.get(`/api/nginx/proxy-hosts/${id}`, `read ${id}`)).json as NpmProxyHost;

describe(`the NPM providers against ${LIVE === undefined ? "the contract double" : `the real NPM at ${LIVE}`}`, () => {
  it("creates a proxy host, reads it back without drift, updates it and deletes it", async () => {
    const provider = configured(new NpmProxyHostProvider(OPTIONS));
    const host = testHost("life");
    const created = await provider.create({ npmUrl: target.url, host });
    const id = Number(created.id);
    assert.equal(created.outs.adopted, false);
    assert.deepEqual((await read(id)).domain_names, host.domain_names);
    const state = created.outs as NpmProxyHostState;
    const back = await provider.read(created.id, state);
    assert.equal(
      (await provider.diff(created.id, back.props as NpmProxyHostState, { npmUrl: target.url, host }))
        .changes,
      false,
      "no drift",
    );
    const changed = { ...host, forward_port: 8089 };
    await provider.update(created.id, state, { npmUrl: target.url, host: changed });
    assert.equal((await read(id)).forward_port, 8089);
    await provider.delete(created.id, { ...state, host: changed });
    const gone = await client.get(`/api/nginx/proxy-hosts/${id}`, "read deleted");
    assert.equal(gone.status, 404);
    await provider.delete(created.id, { ...state, host: changed }); // twice is not an error
  });

  it("refuses a host made outside the stack, naming its id; takes it over once listed in proxy.adoptHosts", async () => {
    const provider = configured(new NpmProxyHostProvider(OPTIONS));
    const host = testHost("handmade");
    const made = await client.write(
      "POST",
      "/api/nginx/proxy-hosts",
      { ...host, forward_port: 4242 },
      "by hand",
    );
    assert.equal(made.status, 201, JSON.stringify(made.json));
    const id = (made.json as { id: number }).id;
    await assert.rejects(provider.create({ npmUrl: target.url, host }), (error: Error) => {
      assert.match(
        error.message,
        new RegExp(`already has proxy-host ${id} \\(${host.domain_names[0]!.replace(/\./g, "\\.")}\\)`),
      );
      return true;
    });
    assert.equal((await read(id)).forward_port, 4242, "untouched");
    const adopted = await provider.create({ npmUrl: target.url, host, adopt: true });
    assert.equal(Number(adopted.id), id);
    assert.equal((await read(id)).forward_port, host.forward_port);
    await provider.delete(adopted.id, adopted.outs as NpmProxyHostState);
  });

  it("wrong credentials are refused, naming the config keys to set", async () => {
    const wrong = new NpmClient({ ...target, secret: `${target.secret}-wrong` }, OPTIONS);
    await assert.rejects(wrong.get("/api/nginx/proxy-hosts", "list"), (error: Error) => {
      assert.ok(error instanceof NpmError);
      assert.match(error.message, /refused the credentials .*npmIdentity \/ npmSecret/);
      return true;
    });
  });

  it(
    "orders a certificate once and takes it over instead of ordering it again (NPM_TEST_CERTIFICATE_DOMAIN)",
    {
      skip: LIVE !== undefined && CERTIFICATE_DOMAIN === undefined ? "no NPM_TEST_CERTIFICATE_DOMAIN" : false,
    },
    async () => {
      const provider = configured(new NpmCertificateProvider(OPTIONS));
      const names = [CERTIFICATE_DOMAIN ?? name("certificate")];
      const inputs = { npmUrl: target.url, domain_names: names, acmeEmail: target.identity };
      const first = await provider.create(inputs);
      assert.equal(first.outs.adopted, false);
      try {
        const second = await provider.create(inputs);
        assert.equal(second.id, first.id, "taken over, not ordered again");
        assert.equal(second.outs.adopted, true);
      } finally {
        await provider.delete(first.id, first.outs as never);
      }
    },
  );
});
