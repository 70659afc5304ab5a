import type * as pulumi from "@pulumi/pulumi";
import { dockerCli } from "./docker-cli";
import { withoutProviderText } from "./provider-outputs";

/**
 * An adopted store must be on the Docker host before the stack uses it, and when it is not, `pulumi preview` (and
 * `pulumi up`) must say which key names it and how to fix that; Docker's own answers name neither (the volume's read
 * fails with "resource '<name>' does not exist", a bind mount with "bind source path does not exist").
 *
 * One small dynamic resource per stack that adopts stores, checked in the provider's `check`, which the engine runs
 * in every preview and up; every resource of the stack depends on it, so nothing is created or read before it
 * passed, and every missing store is reported at once (docs/upstream/adoption.md §5):
 * - a volume: `docker volume inspect <name>`;
 * - a host directory: `docker create --pull never --mount type=bind,source=<dir>,...` with an image that does not
 *   exist. The daemon validates the mounts (a `--mount` bind source must exist; it is never created) before it looks
 *   the image up, so a missing directory gets "bind source path does not exist" and an existing one "No such image":
 *   nothing is created, nothing pulled, no image needed on the host.
 * It uses the docker CLI, like the health gates (container-health.ts), so it reaches ssh:// hosts the same way.
 */
export interface AdoptedStoreProbe {
  readonly kind: "volume" | "directory";
  /** The volume's name or the host directory. */
  readonly source: string;
  /** The problem to report when it is missing: names the stack, the key, the store and the fix. */
  readonly missing: string;
}

export interface AdoptedStoresCheckInputs {
  readonly dockerHost: string;
  readonly stores: readonly AdoptedStoreProbe[];
}

/** An image reference that resolves nowhere: the directory probe must never run (or pull) anything. */
const NO_IMAGE = "matrix-fleet.invalid/adopted-directory-probe:none";

/** Whether the store is on the host; rejects when Docker cannot be asked at all (that is not "missing"). */
async function storeExists(dockerHost: string, store: AdoptedStoreProbe): Promise<boolean> {
  if (store.kind === "volume") {
    return dockerCli(dockerHost, ["volume", "inspect", "--format", "{{.Name}}", store.source]).then(
      () => true,
      (error: Error) => {
        if (/no such volume/i.test(error.message)) return false;
        throw error;
      },
    );
  }
  const probe = [
    "create",
    "--pull",
    "never",
    "--mount",
    `type=bind,source=${store.source},target=/adopted,readonly`,
  ];
  return dockerCli(dockerHost, [...probe, NO_IMAGE]).then(
    () => {
      throw new Error(`docker create of ${NO_IMAGE} succeeded; it must not exist on ${dockerHost}`);
    },
    (error: Error) => {
      if (/bind source path does not exist/i.test(error.message)) return false;
      if (/no such image/i.test(error.message)) return true;
      throw error;
    },
  );
}

/** The dynamic provider the engine runs for the check, from a bundled text of this module (provider-text.ts). */
export class AdoptedStoresCheckProvider implements pulumi.dynamic.ResourceProvider {
  async check(_olds: AdoptedStoresCheckInputs, news: AdoptedStoresCheckInputs) {
    const missing: string[] = [];
    for (const store of news.stores)
      if (!(await storeExists(news.dockerHost, store))) missing.push(store.missing);
    return { inputs: news, failures: missing.map((reason) => ({ property: "", reason })) };
  }

  async create(inputs: AdoptedStoresCheckInputs) {
    return { id: inputs.dockerHost, outs: withoutProviderText(inputs) };
  }

  async diff(_id: string, olds: AdoptedStoresCheckInputs, news: AdoptedStoresCheckInputs) {
    return {
      changes: JSON.stringify(olds.stores) !== JSON.stringify(news.stores),
      replaces: olds.dockerHost === news.dockerHost ? [] : ["dockerHost"],
    };
  }

  async update(_id: string, _olds: AdoptedStoresCheckInputs, news: AdoptedStoresCheckInputs) {
    return { outs: withoutProviderText(news) };
  }
}
