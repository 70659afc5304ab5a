import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { OrgConfig, StateStoreId } from "../config/model";
import { dockerName } from "../model/topology";
import { STATE_STORES } from "../facts/state-stores";
import { StackDocuments } from "./stack-documents";

/** What every service component of one organisation receives from `HomeserverStack`. */
export interface ServiceContext {
  readonly stack: string;
  readonly provider: docker.Provider;
  readonly network: docker.Network;
  /** The rendered documents, each depending on exactly the secrets it contains (stack-documents.ts). */
  readonly documents: StackDocuments;
  /**
   * Options for a service's resources: its parent and the stack's Docker provider; delete before replace, since a
   * container's (and a network's) name is unique on its Docker host, so a replacement cannot start beside it.
   */
  readonly childOptions: (parent: pulumi.Resource) => pulumi.CustomResourceOptions;
}

/** Settings every long-running container shares. */
export function serviceDefaults(stack: string, service: string, memoryMb: number) {
  return {
    name: dockerName(stack, service),
    restart: "unless-stopped",
    memory: memoryMb,
    // What Docker sets when only `memory` is given (memory + as much swap): stated, because the provider reads
    // Docker's value back and would otherwise show a change on every preview.
    memorySwap: memoryMb * 2,
    // Rotated logs: a chatty SFU must not fill the host's disk.
    logDriver: "json-file",
    logOpts: { "max-size": "50m", "max-file": "5" },
    labels: [
      { label: "org.matrix-fleet.stack", value: stack },
      { label: "org.matrix-fleet.service", value: service },
    ],
  };
}

/**
 * Where one piece of state lives. Either a volume this stack owns (protected and retained: it survives
 * `pulumi destroy`, removing a component from config, and any replacement), or a store adopted from a running
 * deployment: an existing volume, which the stack only reads (a missing one fails `pulumi preview`, and Pulumi can
 * never delete what it only reads), or a host directory, bind-mounted with `--mount` semantics, under which Docker
 * refuses a missing source instead of creating an empty one. Either adopted kind is looked for on the Docker host in
 * every preview and up before anything of the stack is read or created (adopted-store-check.ts).
 */
export class StateStore {
  /** The owned volume (created) or the adopted one (read); none for a host directory. */
  readonly volume: docker.Volume | undefined;
  readonly kind: "owned" | "adoptedVolume" | "adoptedDirectory";
  /** Volume name or host directory, as the container's mount source. */
  readonly source: pulumi.Output<string>;

  constructor(
    readonly id: StateStoreId,
    resourceName: string,
    org: OrgConfig,
    opts: pulumi.CustomResourceOptions,
  ) {
    const adopted = org.adoption.stores[id];
    if (adopted === undefined) {
      this.kind = "owned";
      this.volume = new docker.Volume(
        resourceName,
        {
          name: dockerName(org.stack, STATE_STORES[id].volume),
          labels: [{ label: "org.matrix-fleet.stack", value: org.stack }],
        },
        { ...opts, protect: true, retainOnDelete: true },
      );
      this.source = this.volume.name;
    } else if (adopted.kind === "volume") {
      this.kind = "adoptedVolume";
      // A read, not an import: the volume stays the operator's; its ID in the Docker provider is its name.
      this.volume = docker.Volume.get(`${resourceName}-adopted`, adopted.name, undefined, opts);
      this.source = this.volume.name;
    } else {
      this.kind = "adoptedDirectory";
      this.volume = undefined;
      this.source = pulumi.output(adopted.path);
    }
  }

  mount(target: string): docker.types.input.ContainerMount {
    return { type: this.kind === "adoptedDirectory" ? "bind" : "volume", source: this.source, target };
  }
}

/** A pinned image, pulled on the target host and kept there when the resource goes away. */
export function pinnedImage(
  name: string,
  image: string,
  opts: pulumi.CustomResourceOptions,
): docker.RemoteImage {
  // Created before the old one is deleted (an image name is not unique, and kept locally the old image stays): with
  // delete-before-replace, the engine would delete every container running the image as soon as the image changes,
  // before their own turn, and so before the backup those containers wait for (pre-upgrade-backup.ts).
  return new docker.RemoteImage(
    name,
    { name: image, keepLocally: true },
    { ...opts, deleteBeforeReplace: false },
  );
}
