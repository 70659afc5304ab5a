import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { OrgConfig } from "../config/model";
import { ServiceContext, pinnedImage, serviceDefaults } from "./shared";
import { KETESA_CONTAINER } from "../facts/ketesa";

export interface KetesaArgs {
  readonly org: OrgConfig;
  readonly context: ServiceContext;
}

/** Ketesa, the Synapse admin UI, locked to this organisation's homeserver. Stateless. */
export class Ketesa extends pulumi.ComponentResource {
  readonly container: docker.Container;

  constructor(name: string, args: KetesaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-fleet:admin:Ketesa", name, {}, opts);
    const { org, context } = args;
    const child = context.childOptions(this);
    const image = pinnedImage(`${name}-image`, org.images.ketesa, child);
    const documents = context.documents.forContainer();
    this.container = new docker.Container(
      `${name}-ketesa`,
      {
        ...serviceDefaults(org.stack, "ketesa", 128),
        image: image.imageId,
        uploads: documents.uploads([["ketesa", KETESA_CONTAINER.config]]),
        networksAdvanced: [{ name: context.network.name }],
        ports: [{ internal: KETESA_CONTAINER.port, external: org.ports.ketesa }],
        // The image's own health endpoint (its Dockerfile HEALTHCHECK uses the same URL).
        healthcheck: {
          tests: [
            "CMD",
            "wget",
            "--no-verbose",
            "--tries=1",
            "--spider",
            `http://localhost:${KETESA_CONTAINER.port}/health`,
          ],
          interval: "10s",
          timeout: "10s",
          retries: 3,
        },
      },
      { ...child, replaceWith: documents.replaceWith() },
    );
    this.registerOutputs({ container: this.container.name });
  }
}
