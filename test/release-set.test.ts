/**
 * The release set as one table (facts/images.ts) and its operator page (docs/upgrades.md): every image and every
 * preflight rule is on the page, the previous release set passes its own rules (the Docker lab deploys it), and
 * versions are read from tags as the rules need them.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { RELEASE_RULES } from "../checks/release-compat";
import { DEFAULT_IMAGES, PREVIOUS_IMAGES, RELEASE_SET } from "../facts/images";
import { imageVersion } from "../facts/versions";
import { STACKS, planFor } from "./helpers";
import { checkReleaseCompatibility } from "../checks/release-compat";

const page = fs.readFileSync(path.join(__dirname, "..", "docs", "upgrades.md"), "utf8");

describe("the release set", () => {
  it("names where each image's fact was read, and docs/upgrades.md shows every image and every rule", () => {
    for (const [name, entry] of Object.entries(RELEASE_SET)) {
      assert.ok(entry.why.length > 20 && entry.source.length > 10, name);
      if (!name.startsWith("jitsi"))
        assert.ok(page.includes(`\`${entry.image}\``), `${entry.image} on the page`);
    }
    for (const rule of RELEASE_RULES)
      assert.ok(page.includes(`\`${rule.id}\``), `rule ${rule.id} on the page`);
  });

  it("every stack passes the rules with the release set and with the previous one", () => {
    for (const stack of STACKS) {
      assert.deepEqual(checkReleaseCompatibility(planFor(stack)), [], stack);
      assert.deepEqual(
        checkReleaseCompatibility(planFor(stack, { images: { ...PREVIOUS_IMAGES } })),
        [],
        stack,
      );
    }
  });

  it("reads versions from tags, digests and lab builds alike, and none from a tag without one", () => {
    assert.deepEqual(imageVersion(DEFAULT_IMAGES.synapse), { major: 1, minor: 163, patch: 2 });
    assert.deepEqual(imageVersion(`matrixdotorg/synapse:v1.163.2@sha256:${"a".repeat(64)}`), {
      major: 1,
      minor: 163,
      patch: 2,
    });
    assert.deepEqual(imageVersion("matrix-fleet-lab/postgres:15-0a1b2c3d4e5f"), {
      major: 15,
      minor: 0,
      patch: 0,
    });
    assert.deepEqual(imageVersion(DEFAULT_IMAGES.postgres), { major: 16, minor: 10, patch: 0 });
    for (const unreadable of [
      DEFAULT_IMAGES.jitsiWeb,
      `x@sha256:${"a".repeat(64)}`,
      "x:latest",
      "x:1a2b",
      "x",
    ])
      assert.equal(imageVersion(unreadable), undefined, unreadable);
  });
});
