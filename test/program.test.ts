import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE } from "../config/problems";
import { loadProgramConfig } from "../components/program-config";
import { readStackFile } from "../config/stack-files";

/** Hands a stack file's config to the mock engine the way the Pulumi CLI does: every value a string. */
async function engineWithStack(
  stack: string,
  preview: boolean,
  changes: Record<string, unknown> = {},
): Promise<void> {
  await pulumi.runtime.setMocks(
    { newResource: (a) => ({ id: a.name, state: a.inputs }), call: () => ({}) },
    "matrix-fleet",
    stack,
    preview,
  );
  const values = { ...readStackFile(stack), ...changes };
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    config[`${CONFIG_NAMESPACE}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
  }
  pulumi.runtime.setAllConfig(config);
}

describe("the Pulumi program's config loading", () => {
  it("accepts a placeholder-holding stack in preview", async () => {
    await engineWithStack("produktor", true);
    const { org } = loadProgramConfig();
    assert.equal(org.serverName, "produktor.io");
    assert.equal(org.network.publicIp, "203.0.113.10");
  });

  it("refuses `pulumi up` while placeholders remain, naming each key, without a stack trace", async () => {
    await engineWithStack("moda1", false);
    assert.throws(loadProgramConfig, (error: unknown) => {
      assert.ok(
        error instanceof pulumi.RunError,
        "RunError: Pulumi prints the message without a stack trace",
      );
      assert.match(
        error.message,
        /\[stack moda1\] matrix-fleet:network\.publicIp: still holds the placeholder '198\.51\.100\.40'/,
      );
      assert.match(error.message, /matrix-fleet:docker\.host/);
      assert.match(
        error.message,
        /matrix-fleet:npmSecret: is not set.*\n.*pulumi config set --secret npmSecret/,
      );
      return true;
    });
  });

  it("stops preview on a preflight problem before any resource exists", async () => {
    await engineWithStack("produktor", true, { overrides: { livekit: { rtc: { use_external_ip: true } } } });
    assert.throws(loadProgramConfig, /matrix-fleet:overrides\.livekit\.rtc\.use_external_ip/);
  });

  it("hands adopted secrets (decrypted by the engine) to the stack as one secret output", async () => {
    await engineWithStack("moda1", true, {
      adoptedSecrets: { macaroon_secret_key: "existing~macaroon;#1", postgres_password: "existing-pg" },
    });
    const { org, adoptedSecretValues } = loadProgramConfig();
    assert.deepEqual(org.adoption.secrets, ["macaroon_secret_key", "postgres_password"]);
    assert.equal(await adoptedSecretValues.isSecret, true);
    const values = await new Promise((resolve) => adoptedSecretValues.apply(resolve));
    assert.deepEqual(values, {
      macaroon_secret_key: "existing~macaroon;#1",
      postgres_password: "existing-pg",
    });
  });

  it("refuses an adopted value a consumer would misread, without printing it", async () => {
    await engineWithStack("moda1", true, { adoptedSecrets: { turn_shared_secret: "with a space" } });
    assert.throws(loadProgramConfig, (error: unknown) => {
      assert.ok(error instanceof pulumi.RunError);
      assert.match(error.message, /matrix-fleet:adoptedSecrets\.turn_shared_secret: holds characters/);
      assert.ok(!error.message.includes("with a space"));
      return true;
    });
  });
});
