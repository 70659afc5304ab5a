/**
 * Two ways calls fail silently (issue #29), on the Docker lab's produktor:
 * - LiveKit's WebSocket through the proxy (field failure 6): `verify`'s token-less upgrade gets LiveKit's own
 *   refusal, also after the site's NPM-shaped front is regenerated without the hosts' WebSocket flag (what
 *   NginxProxyManager#5699 does), because the headers sit in the RTC host's own advanced config; with them gone
 *   from there too (fault) verify names the proxy.
 * - coturn's TLS (field failures 20, 21): its healthcheck completes a TLS handshake and verify reads the certificate
 *   it serves; with the key unreadable by coturn's user (fault) the healthcheck fails naming the TLS listener and
 *   verify says coturn started without it; with a certificate near its end loaded through SIGUSR2, the renewal path
 *   (fault), verify says the renewal never reached coturn, and with the fresh one loaded again it passes.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { COTURN_TLS_UNHEALTHY } from "../../model/coturn-tls";
import { livekitWebSocketCheck } from "../../verify/livekit-websocket";
import { turnChecks } from "../../verify/turn-checks";
import { turnCertificateCheck } from "../../verify/turn-tls-checks";
import { DeployedSite, LabFleet } from "../deploy/fleet";
import { docker, labCaDir } from "../deploy/sites";
import { checkNamed, labUser, verifySome } from "../lan-and-peers";
import { waitFor } from "../processes";

const STACK = "produktor";
const CERT_CHECK = "coturn's TLS certificate on 5349";
const COTURN = `matrix-${STACK}-coturn`;

/** The coturn container's own healthcheck, run now (the test Docker runs every 15 s): its exit code and output. */
function coturnHealth(site: DeployedSite): { code: number; output: string } {
  const test = JSON.parse(
    docker(site, ["inspect", "--format", "{{json .Config.Healthcheck.Test}}", COTURN]),
  ) as string[];
  const command = test[0] === "CMD-SHELL" ? ["sh", "-c", test[1]!] : test.slice(1);
  const result = spawnSync("docker", ["-H", site.dockerHost, "exec", COTURN, ...command], {
    encoding: "utf8",
    timeout: 20_000,
  });
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}`.trim() };
}

async function coturnAnswers(site: DeployedSite): Promise<void> {
  await waitFor(`${COTURN} after its restart`, () => coturnHealth(site).code === 0, 30_000);
}

/** A certificate for `names` that runs from three days ago to twelve hours from now (`openssl ca` can backdate). */
function staleCertificate(dir: string, names: readonly string[]): { cert: string; key: string } {
  const ca = labCaDir();
  const at = (shift: string) =>
    spawnSync("date", ["-u", "-d", shift, "+%y%m%d%H%M%SZ"], { encoding: "utf8" }).stdout.trim();
  fs.mkdirSync(path.join(dir, "db"), { recursive: true });
  fs.writeFileSync(path.join(dir, "db", "index.txt"), "");
  fs.writeFileSync(path.join(dir, "db", "serial"), "01\n");
  const cnf = path.join(dir, "ca.cnf");
  fs.writeFileSync(
    cnf,
    `[ ca ]\ndefault_ca = lab\n[ lab ]\ndir = ${dir}/db\ndatabase = $dir/index.txt\nnew_certs_dir = $dir\nserial = $dir/serial\ndefault_md = sha256\npolicy = any\nunique_subject = no\n[ any ]\ncommonName = supplied\n`,
  );
  fs.writeFileSync(
    path.join(dir, "ext"),
    `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}\nextendedKeyUsage=serverAuth\n`,
  );
  const key = path.join(dir, "stale.key");
  const openssl = (...args: string[]) => {
    const r = spawnSync("openssl", args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
  };
  openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    key,
    "-out",
    path.join(dir, "stale.csr"),
    "-subj",
    `/CN=${names[0]}`,
  );
  openssl(
    "ca",
    "-batch",
    "-config",
    cnf,
    "-cert",
    path.join(ca, "ca.pem"),
    "-keyfile",
    path.join(ca, "ca.key"),
    "-in",
    path.join(dir, "stale.csr"),
    "-out",
    path.join(dir, "stale.pem"),
    "-notext",
    "-startdate",
    at("-3 days"),
    "-enddate",
    at("+12 hours"),
    "-extfile",
    path.join(dir, "ext"),
  );
  fs.chmodSync(key, 0o644);
  return { cert: path.join(dir, "stale.pem"), key };
}

export function signallingAndTlsScenarios(current: () => LabFleet): void {
  describe("LiveKit's WebSocket through a proxy that regenerates its files (issue #29, field failure 6)", () => {
    const upgraded = async (fleet: LabFleet) =>
      checkNamed(
        await verifySome(fleet, STACK, await labUser(fleet, STACK, "verify-ws"), [livekitWebSocketCheck]),
        "LiveKit WebSocket answers",
      );

    it(
      "LiveKit refuses verify's token-less upgrade itself, also from a front regenerated without the hosts' WebSocket flag",
      { timeout: 60_000 },
      async () => {
        const fleet = current();
        assert.equal((await upgraded(fleet)).outcome, "pass");
        await fleet.rebuildFront(STACK, (host) => ({ ...host, allow_websocket_upgrade: false }));
        try {
          const r = await upgraded(fleet);
          assert.equal(r.outcome, "pass", `${r.detail} ${r.fix ?? ""}`);
          assert.match(r.detail, /LiveKit's own refusal of a join without a token/);
        } finally {
          await fleet.rebuildFront(STACK);
        }
      },
    );

    it(
      "with the headers gone from the host's own text too, verify names the proxy (fault)",
      { timeout: 60_000 },
      async () => {
        const fleet = current();
        const strip = (text: string) => text.replace(/^\s*proxy_set_header (Upgrade|Connection) .*;$/gm, "");
        await fleet.rebuildFront(STACK, (host) => ({
          ...host,
          allow_websocket_upgrade: false,
          advanced_config: strip(host.advanced_config),
        }));
        try {
          const r = await upgraded(fleet);
          console.log(`without the WebSocket headers: ${r.detail}`);
          assert.equal(r.outcome, "fail");
          assert.match(r.detail, /the proxy dropped the Upgrade and Connection headers/);
        } finally {
          await fleet.rebuildFront(STACK);
        }
      },
    );
  });

  describe("coturn's TLS cannot fail silently (issue #29, field failures 20, 21)", () => {
    const tlsChecks = async (fleet: LabFleet) =>
      verifySome(fleet, STACK, await labUser(fleet, STACK, "verify-tls"), [turnChecks, turnCertificateCheck]);

    it(
      "the healthcheck completes a TLS handshake, and verify reads a fresh certificate for the TURN host",
      { timeout: 60_000 },
      async () => {
        const fleet = current();
        const health = coturnHealth(fleet.site(STACK));
        assert.equal(health.code, 0, health.output);
        const r = checkNamed(await tlsChecks(fleet), CERT_CHECK);
        assert.equal(r.outcome, "pass", `${r.detail} ${r.fix ?? ""}`);
        assert.match(r.detail, /^for turn\.produktor\.io, valid until/);
      },
    );

    it(
      "a key coturn's user cannot read: the healthcheck fails naming the TLS listener, verify says coturn started without it (fault)",
      { timeout: 120_000 },
      async () => {
        const fleet = current();
        const site = fleet.site(STACK);
        fs.chmodSync(site.tls.key, 0o600);
        try {
          docker(site, ["restart", "--time", "5", COTURN]);
          await waitFor(`${COTURN} STUN`, () => coturnHealth(site).output.includes("TLS listener"), 30_000);
          const health = coturnHealth(site);
          assert.notEqual(health.code, 0);
          assert.ok(health.output.includes(COTURN_TLS_UNHEALTHY), health.output);
          const r = checkNamed(await tlsChecks(fleet), CERT_CHECK);
          console.log(`unreadable key: ${r.detail}`);
          assert.equal(r.outcome, "fail");
          assert.match(
            r.detail,
            /coturn started without its TLS listener, which it does when it cannot read its key/,
          );
        } finally {
          fs.chmodSync(site.tls.key, 0o644);
          docker(site, ["restart", "--time", "5", COTURN]);
          await coturnAnswers(site);
        }
      },
    );

    it(
      "a certificate near its end, loaded by the renewal path (SIGUSR2): verify says the renewal never reached coturn; the fresh one loaded again passes (fault)",
      { timeout: 120_000 },
      async () => {
        const fleet = current();
        const site = fleet.site(STACK);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stale-cert-"));
        const fresh = { cert: fs.readFileSync(site.tls.cert), key: fs.readFileSync(site.tls.key) };
        const reload = () => docker(site, ["kill", "--signal=SIGUSR2", COTURN]);
        try {
          const stale = staleCertificate(dir, site.hostnames);
          fs.copyFileSync(stale.cert, site.tls.cert);
          fs.copyFileSync(stale.key, site.tls.key);
          reload();
          await new Promise((r) => setTimeout(r, 1000));
          const r = checkNamed(await tlsChecks(fleet), CERT_CHECK);
          console.log(`stale certificate: ${r.detail}`);
          assert.equal(r.outcome, "fail");
          assert.match(
            r.detail,
            /under a quarter of its lifetime\): a renewal would have happened by now and has not reached coturn/,
          );
        } finally {
          fs.writeFileSync(site.tls.cert, fresh.cert);
          fs.writeFileSync(site.tls.key, fresh.key, { mode: 0o644 });
          reload();
          fs.rmSync(dir, { recursive: true, force: true });
        }
        await new Promise((r) => setTimeout(r, 1000));
        const again = checkNamed(await tlsChecks(fleet), CERT_CHECK);
        assert.equal(again.outcome, "pass", `after the fresh certificate's SIGUSR2: ${again.detail}`);
      },
    );
  });
}
