/**
 * MatrixRTC behind NAT, on the Docker lab (issue #17): lk-jwt-service (its contract double, lab/doubles/) reaches
 * its own organisation's public names through the host entries the stack gives it, so token requests work behind
 * a router without NAT loopback, and fail without those entries; and `verify`, which joins LiveKit with the token
 * as a client does, names the cause when no call can work. Faults are variants of the deployed lk-jwt-service
 * container (same image, network and published port, one thing changed) or of the proxy front, swapped in for
 * one check and swapped back; the router's loopback is switched off for the whole group.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { LabFleet } from "../deploy/fleet";
import { docker } from "../deploy/sites";
import { registerWithSharedSecret } from "../matrix-client";
import { run } from "../processes";

const STACK = "produktor";
const CONTAINER = `matrix-${STACK}-lk-jwt`;
const VARIANT = `${CONTAINER}-variant`;

/** Runs `verify` against produktor with a fresh test user; its output lines. */
async function verifyLines(fleet: LabFleet): Promise<string[]> {
  const name = `verify-nat-${randomBytes(3).toString("hex")}`;
  const password = randomBytes(12).toString("hex");
  const secret = String(fleet.homeserver(STACK).registration_shared_secret);
  await registerWithSharedSecret(`http://${fleet.site(STACK).dockerLan}:8008`, secret, name, password, false);
  const result = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(__dirname, "..", "..", "cli", "verify.ts"),
      "--stack",
      STACK,
      "--expect-ip",
      fleet.site(STACK).wan,
    ],
    {
      encoding: "utf8",
      timeout: 180_000,
      env: { ...process.env, MATRIX_FLEET_VERIFY_USER: name, MATRIX_FLEET_VERIFY_PASSWORD: password },
    },
  );
  return result.stdout.split("\n");
}

/** The line of one verify check, e.g. "MatrixRTC token via /get_token and a LiveKit join". */
function check(lines: string[], name: string): string {
  const line = lines.find((l) => l.startsWith(`PASS ${name}:`) || l.startsWith(`FAIL ${name}:`));
  assert.ok(line, `verify printed no "${name}" check:\n${lines.join("\n")}`);
  // A failure's cause and fix follow on indented lines.
  const detail: string[] = [];
  for (const next of lines.slice(lines.indexOf(line) + 1)) {
    if (!/^\s/.test(next)) break;
    detail.push(next);
  }
  return [line, ...detail].join("\n");
}

export interface ContainerSpec {
  readonly image: string;
  readonly env: string[];
  readonly extraHosts: string[];
  readonly network: string;
}

export function deployedSpec(fleet: LabFleet): ContainerSpec {
  const [inspected] = JSON.parse(docker(fleet.site(STACK), ["inspect", CONTAINER])) as Array<{
    Config: { Image: string; Env: string[] };
    HostConfig: { ExtraHosts: string[] | null };
    NetworkSettings: { Networks: Record<string, unknown> };
  }>;
  return {
    image: inspected!.Config.Image,
    env: inspected!.Config.Env,
    extraHosts: inspected!.HostConfig.ExtraHosts ?? [],
    network: Object.keys(inspected!.NetworkSettings.Networks)[0]!,
  };
}

/** Runs `check` with a variant of the deployed lk-jwt-service in its place (same published port 8082). */
export async function withVariant<T>(
  fleet: LabFleet,
  change: (spec: ContainerSpec) => ContainerSpec,
  check: () => Promise<T>,
): Promise<T> {
  const site = fleet.site(STACK);
  const spec = change(deployedSpec(fleet));
  docker(site, ["stop", CONTAINER]);
  try {
    docker(site, [
      "run",
      "-d",
      "--name",
      VARIANT,
      "--network",
      spec.network,
      "-p",
      "8082:8080",
      ...spec.env.flatMap((e) => ["-e", e]),
      ...spec.extraHosts.flatMap((h) => ["--add-host", h]),
      spec.image,
    ]);
    return await check();
  } finally {
    docker(site, ["rm", "-f", VARIANT], undefined, true);
    docker(site, ["start", CONTAINER]);
  }
}

const withEnv = (name: string, value: string) => (spec: ContainerSpec) => ({
  ...spec,
  env: [...spec.env.filter((e) => !e.startsWith(`${name}=`)), `${name}=${value}`],
});

export function rtcBehindNatScenarios(current: () => LabFleet): void {
  describe("MatrixRTC behind a router without NAT loopback", () => {
    before(() => run("bash", ["lab/deploy/network.sh", "hairpin", "off"]));
    after(() => run("bash", ["lab/deploy/network.sh", "hairpin", "on"]));

    it("lk-jwt-service issues tokens for a joinable room through its host entries, at /get_token and /sfu/get", async () => {
      const lines = await verifyLines(current());
      for (const endpoint of ["/get_token", "/sfu/get"])
        assert.match(check(lines, `MatrixRTC token via ${endpoint} and a LiveKit join`), /^PASS /);
    });

    it("without its host entries, its own names point at the WAN address the router will not loop back", async () => {
      const lines = await withVariant(
        current(),
        (spec) => ({ ...spec, extraHosts: [] }),
        () => verifyLines(current()),
      );
      const line = check(lines, "MatrixRTC token via /get_token and a LiveKit join");
      assert.match(line, /^FAIL /);
      assert.match(line, /host entr(y|ies)|proxy\.lanIp/);
    });
  });

  describe("verify names the cause when no call can work", () => {
    it("a full-access list without our server: tokens, but no room", async () => {
      const lines = await withVariant(
        current(),
        withEnv("LIVEKIT_FULL_ACCESS_HOMESERVERS", "pro-dukt.de"),
        () => verifyLines(current()),
      );
      const line = check(lines, "MatrixRTC token via /get_token and a LiveKit join");
      assert.match(line, /^FAIL [\s\S]*404[\s\S]*LIVEKIT_FULL_ACCESS_HOMESERVERS/);
    });

    it("an internal LIVEKIT_URL: the message names LIVEKIT_URL, for the first call too", async () => {
      const lines = await withVariant(current(), withEnv("LIVEKIT_URL", "ws://livekit:7880"), () =>
        verifyLines(current()),
      );
      for (const endpoint of ["/get_token", "/sfu/get"])
        assert.match(
          check(lines, `MatrixRTC token via ${endpoint} and a LiveKit join`),
          /^FAIL [\s\S]*LIVEKIT_URL/,
        );
    });

    it("a missing /livekit/jwt/ route on the proxy", async () => {
      const fleet = current();
      await fleet.withoutLocation(STACK, "/livekit/jwt/", async () => {
        const line = check(await verifyLines(fleet), "MatrixRTC token via /get_token and a LiveKit join");
        assert.match(line, /^FAIL [\s\S]*\/livekit\/jwt\//);
      });
    });
  });
}
