import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { OrgConfig } from "../config/model";
import { LIVEKIT_PATHS } from "../facts/livekit";
import { ServiceContext, pinnedImage, serviceDefaults } from "./shared";

export interface LivekitArgs {
  readonly org: OrgConfig;
  readonly context: ServiceContext;
}

/**
 * LiveKit SFU on the host network, for the same reason as coturn: a 101-port UDP range (and ICE/TCP) must reach
 * it 1:1, and on a bridge network LiveKit would see (and could advertise) the bridge address.
 */
export class Livekit extends pulumi.ComponentResource {
  readonly container: docker.Container;

  constructor(name: string, args: LivekitArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-fleet:rtc:Livekit", name, {}, opts);
    const { org, context } = args;
    const child = context.childOptions(this);
    const image = pinnedImage(`${name}-image`, org.images.livekit, child);
    const documents = context.documents.forContainer();
    this.container = new docker.Container(
      `${name}-livekit`,
      {
        ...serviceDefaults(org.stack, "livekit", 1024),
        image: image.imageId,
        networkMode: "host",
        command: ["--config", LIVEKIT_PATHS.config],
        uploads: documents.uploads([["livekit", LIVEKIT_PATHS.config]]),
        // LiveKit answers "OK" on its HTTP port once it is serving.
        healthcheck: {
          tests: ["CMD-SHELL", `wget -q -O /dev/null http://127.0.0.1:${org.ports.livekitHttp}/ || exit 1`],
          interval: "15s",
          timeout: "5s",
          retries: 3,
        },
      },
      { ...child, replaceWith: documents.replaceWith() },
    );
    this.registerOutputs({ container: this.container.name });
  }
}
