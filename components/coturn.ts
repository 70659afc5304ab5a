import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { OrgConfig } from "../config/model";
import { COTURN_PATHS } from "../facts/coturn";
import { coturnHealthcheck, coturnTls } from "../model/coturn-tls";
import { ServiceContext, pinnedImage, serviceDefaults } from "./shared";

export interface CoturnArgs {
  readonly org: OrgConfig;
  readonly context: ServiceContext;
}

/**
 * coturn on the host network. Publishing its relay range through Docker would create one proxy and one iptables
 * rule per port (and @pulumi/docker takes single ports only); coturn's own Docker docs recommend host networking,
 * which also keeps the relay ports 1:1 with what the router forwards.
 */
export class Coturn extends pulumi.ComponentResource {
  readonly container: docker.Container;

  constructor(name: string, args: CoturnArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-fleet:turn:Coturn", name, {}, opts);
    const { org, context } = args;
    const child = context.childOptions(this);
    const image = pinnedImage(`${name}-image`, org.images.coturn, child);
    // The directories, not the files: a renewed certificate must reach coturn's SIGUSR2 reload (model/coturn-tls.ts).
    const tlsVolumes = org.turn.tls
      ? coturnTls(org).mounts.map((m) => ({
          hostPath: m.hostDir,
          containerPath: m.containerDir,
          readOnly: true,
        }))
      : [];
    const documents = context.documents.forContainer();
    this.container = new docker.Container(
      `${name}-coturn`,
      {
        ...serviceDefaults(org.stack, "coturn", 512),
        image: image.imageId,
        networkMode: "host",
        command: ["-c", COTURN_PATHS.config],
        uploads: documents.uploads([["coturn", COTURN_PATHS.config]]),
        volumes: tlsVolumes,
        // A STUN binding against the listener, and with TLS a TLS handshake on the TLS port: coturn answers, and
        // with the TLS it was asked for (it runs on without it when it cannot read its key).
        healthcheck: {
          tests: coturnHealthcheck(org),
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
