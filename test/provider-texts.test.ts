/**
 * The health gates' and the adopted-stores check's providers as the engine runs them: the bundled text of
 * provider-text.ts, loaded as the SDK's dynamic-provider host loads it (a CommonJS module whose `handler()` is the
 * provider, with Node's `require` for its `node:` modules), against a `docker` CLI stand-in on PATH that answers
 * the way Docker 20.10 does.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AdoptedStoresCheckProvider } from "../components/adopted-stores-check-provider";
import type { HealthGateProvider } from "../components/container-health-gate-provider";
import { providerText } from "../components/provider-text";
import { useDockerStandin } from "./docker-standin";

const load = <T>(text: string): T => {
  const module = { exports: {} as { handler?: () => T } };
  new Function("module", "exports", "require", text)(module, module.exports, require);
  return module.exports.handler!();
};

// Docker's answers (moby 20.10: volume inspect of a missing volume, a --mount bind source that does not exist,
// an image that is not there), chosen by the arguments.
const DOCKER_STANDIN = `#!/bin/sh
case "$*" in
  *"volume inspect"*chat_pgdata*) echo chat_pgdata ;;
  *"volume inspect"*) echo "Error: No such volume: $6" >&2; exit 1 ;;
  *"source=/srv/chat/synapse,"*) echo "Unable to find image 'x' locally" >&2; echo "docker: Error response from daemon: No such image: x." >&2; exit 125 ;;
  *create*) echo "docker: Error response from daemon: invalid mount config for type \\"bind\\": bind source path does not exist: /srv/missing." >&2; exit 125 ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac
`;

describe("the provider texts of the health gates and the adopted-stores check", () => {
  useDockerStandin(DOCKER_STANDIN);

  it("need nothing but Node's own modules", () => {
    for (const [entry, name] of [
      ["components/container-health-gate-provider", "HealthGateProvider"],
      ["components/adopted-stores-check-provider", "AdoptedStoresCheckProvider"],
    ] as const) {
      const required = [...providerText(entry, name).matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]);
      assert.ok(
        required.length > 0 && required.every((r) => r!.startsWith("node:")),
        `${entry}: ${required}`,
      );
    }
  });

  it("the adopted-stores check reports every missing store at once, and passes those that exist", async () => {
    const provider = load<AdoptedStoresCheckProvider>(
      providerText("components/adopted-stores-check-provider", "AdoptedStoresCheckProvider"),
    );
    const stores = [
      { kind: "volume" as const, source: "chat_pgdata", missing: "pgdata missing" },
      { kind: "volume" as const, source: "chat_media", missing: "media missing" },
      { kind: "directory" as const, source: "/srv/chat/synapse", missing: "synapse dir missing" },
      { kind: "directory" as const, source: "/srv/missing", missing: "other dir missing" },
    ];
    const news = { dockerHost: "unix:///standin.sock", stores };
    const checked = await provider.check!(news, news);
    assert.deepEqual(
      checked.failures!.map((f) => f.reason),
      ["media missing", "other dir missing"],
    );
  });

  it("a health gate waits again only for a new container, and keeps no provider text in its outputs", async () => {
    const provider = load<HealthGateProvider>(
      providerText("components/container-health-gate-provider", "HealthGateProvider"),
    );
    const olds = { dockerHost: "unix:///a.sock", container: "c", containerId: "1", timeoutSeconds: 60 };
    assert.deepEqual((await provider.diff("c", olds, { ...olds, containerId: "2" })).replaces, [
      "containerId",
    ]);
    const timeoutOnly = await provider.diff("c", olds, { ...olds, timeoutSeconds: 90 });
    assert.deepEqual([timeoutOnly.changes, timeoutOnly.replaces], [true, []]);
    const updated = await provider.update("c", olds, { ...olds, __provider: "text" } as typeof olds);
    assert.equal("__provider" in updated.outs, false);
  });
});
