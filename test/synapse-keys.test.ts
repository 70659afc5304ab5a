import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { LIVEKIT_KNOWN_KEYS } from "../facts/livekit";
import { DEFAULT_IMAGES } from "../facts/images";
import { renderPlanFiles } from "../config-templates/files";
import { STACKS, fakeSecrets, planFor } from "./helpers";
import { parseYaml } from "./parse-formats";

/** Key lists extracted from the pinned Synapse release's own sources (see each fixture's header). */
function fixture(name: string): Set<string> {
  const text = fs.readFileSync(path.join(__dirname, "fixtures", name), "utf8");
  return new Set(text.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#")));
}

describe("rendered configs use only keys the pinned servers know", () => {
  // The documentation of 1.157.1 (the newest tag readable in the repository) and the config code of the pinned
  // 1.163.2 (its PyPI wheel, which holds no docs): a key must be documented and still read.
  const documented = fixture("synapse-v1.157.1-documented-keys.txt");
  const read = fixture("synapse-v1.163.2-read-keys.txt");
  const experimental = fixture("synapse-v1.163.2-experimental-keys.txt");

  it("the fixtures belong to the pinned Synapse image", () => {
    assert.equal(DEFAULT_IMAGES.synapse, "matrixdotorg/synapse:v1.163.2");
    assert.ok(documented.size > 200 && documented.has("federation_domain_whitelist"));
    assert.ok(
      read.size > 500 && read.has("federation_domain_whitelist") && read.has("rc_delayed_event_mgmt"),
    );
    // Removed keys are gone from the code that reads the config (facts/compatibility.ts).
    assert.ok(!experimental.has("msc3266_enabled") && experimental.has("msc4143_enabled"));
  });

  for (const stack of STACKS) {
    it(`${stack}: every homeserver.yaml key is documented (v1.157.1) and read by Synapse v1.163.2`, () => {
      const hs = parseYaml(renderPlanFiles(planFor(stack, {}, fakeSecrets())).homeserver!);
      const undocumented = Object.keys(hs).filter(
        (key) => key !== "experimental_features" && (!documented.has(key) || !read.has(key)),
      );
      assert.deepEqual(undocumented, []);
      const flags = Object.keys((hs.experimental_features as Record<string, unknown> | undefined) ?? {});
      assert.deepEqual(
        flags.filter((flag) => !experimental.has(flag)),
        [],
      );
    });
  }

  for (const stack of STACKS.filter((s) => s !== "moda1")) {
    it(`${stack}: every livekit.yaml key is one LiveKit v1.13.5 parses`, () => {
      const doc = parseYaml(renderPlanFiles(planFor(stack, {}, fakeSecrets())).livekit!);
      for (const [key, value] of Object.entries(doc)) {
        assert.ok(key in LIVEKIT_KNOWN_KEYS, key);
        const known = LIVEKIT_KNOWN_KEYS[key];
        if (known === undefined || typeof value !== "object" || value === null) continue;
        for (const sub of Object.keys(value)) assert.ok(known.includes(sub), `${key}.${sub}`);
      }
    });
  }
});
