import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LabEnvironment } from "./environment";
import { readManifest } from "./prepare";

const lab = new LabEnvironment(readManifest());

before(
  async () => {
    await lab.start();
  },
  { timeout: 300_000 },
);

after(async () => {
  await lab.stop();
});

describe("Synapse from the rendered homeserver.yaml, behind the nginx front from the rendered proxy hosts", () => {
  for (const stack of ["produktor", "pro-dukt"]) {
    it(`${stack}: answers /_matrix/client/versions over HTTPS`, async () => {
      const host = lab.stack(stack).hostnames[1];
      const response = await fetch(`https://${host}/_matrix/client/versions`);
      assert.equal(response.status, 200);
      const body = (await response.json()) as { versions: string[] };
      assert.ok(body.versions.includes("v1.11"), JSON.stringify(body.versions));
    });
  }
});
