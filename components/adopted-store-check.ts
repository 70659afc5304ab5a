import * as pulumi from "@pulumi/pulumi";
import { OrgConfig, StateStoreId } from "../config/model";
import { formatProblem, problem } from "../config/problems";
import { STATE_STORES, STATE_STORE_IDS } from "../facts/state-stores";
import { AdoptedStoreProbe, AdoptedStoresCheckInputs } from "./adopted-stores-check-provider";
import { providerText } from "./provider-text";

/**
 * The check that every adopted store is on the Docker host before the stack uses it (one per adopting stack); how
 * it probes is in adopted-stores-check-provider.ts.
 */

/** What the stack reports for an adopted store that is not on the Docker host. */
export function missingStoreMessage(org: OrgConfig, id: StateStoreId): string {
  const store = org.adoption.stores[id];
  if (store === undefined) throw new Error(`${id} is not adopted`);
  const key = `adopt.volumes.${id}`;
  const what = STATE_STORES[id].what;
  return formatProblem(
    store.kind === "volume"
      ? problem(
          org.stack,
          key,
          `Docker volume '${store.name}' does not exist on ${org.docker.host}; the stack would read ${what} from it and never creates it`,
          `set ${key} to the name \`docker volume ls\` shows on that host (compose prefixes its project name, e.g. chat_pgdata; npm run adopt prints it), or restore the volume from the backup`,
        )
      : problem(
          org.stack,
          key,
          `directory ${store.path} does not exist on ${org.docker.host}; Docker would refuse to bind-mount it (it never creates an adopted directory empty), so ${what} would not be found`,
          `set ${key} to the directory that holds it on the Docker host (npm run adopt --host-dir <dir> prints it), or restore it there from the backup`,
        ),
  );
}

/** Fails `pulumi preview` and `pulumi up` while an adopted store is not on the Docker host; none without adoption. */
export class AdoptedStoresCheck extends pulumi.CustomResource {
  static forStack(
    name: string,
    org: OrgConfig,
    opts: pulumi.CustomResourceOptions,
  ): AdoptedStoresCheck | undefined {
    const stores = STATE_STORE_IDS.flatMap((id): AdoptedStoreProbe[] => {
      const store = org.adoption.stores[id];
      if (store === undefined) return [];
      const probe =
        store.kind === "volume"
          ? { kind: "volume" as const, source: store.name }
          : { kind: "directory" as const, source: store.path };
      return [{ ...probe, missing: missingStoreMessage(org, id) }];
    });
    if (stores.length === 0) return undefined;
    return new AdoptedStoresCheck(name, { dockerHost: org.docker.host, stores }, opts);
  }

  private constructor(name: string, inputs: AdoptedStoresCheckInputs, opts: pulumi.CustomResourceOptions) {
    const __provider = providerText("components/adopted-stores-check-provider", "AdoptedStoresCheckProvider");
    super("pulumi-nodejs:dynamic/matrix-fleet:AdoptedStoresCheck", name, { ...inputs, __provider }, opts);
  }
}
