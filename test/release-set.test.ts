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
import { FileId, renderPlanFiles } from "../config-templates/files";
import { DEFAULT_IMAGES, PREVIOUS_IMAGES, PREVIOUS_RELEASE, RELEASE_SET } from "../facts/images";
import { imageVersion } from "../facts/versions";
import { STACKS, fakeSecrets, planFor } from "./helpers";
import { parseYaml } from "./parse-formats";
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

  it("the upgrade from the previous release set changes homeserver.yaml and livekit.yaml, nothing else", () => {
    // The documents behind the upgrade's preview (docs/upgrades.md, lab/scenarios/upgrade.ts): Synapse's and the
    // backup's homeserver.yaml (the delegated-leave limit), LiveKit's livekit.yaml (the webhook); lk-jwt-service's
    // environment stays, its container changes for its image alone. `summary` is the operator's summary, not
    // uploaded to any container.
    const secrets = fakeSecrets();
    const before = renderPlanFiles(planFor("pro-dukt", { images: { ...PREVIOUS_RELEASE } }, secrets));
    const after = renderPlanFiles(planFor("pro-dukt", {}, secrets));
    const changed = Object.keys({ ...before, ...after }).filter(
      (id) => before[id as FileId] !== after[id as FileId],
    );
    assert.deepEqual(changed.sort(), ["homeserver", "livekit", "summary"]);
    assert.deepEqual(parseYaml(before.homeserver!).rc_delayed_event_mgmt, { per_second: 1, burst_count: 20 });
    assert.deepEqual(parseYaml(after.homeserver!).rc_delayed_event_mgmt, {
      per_second: 15,
      burst_count: 120,
    });
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
