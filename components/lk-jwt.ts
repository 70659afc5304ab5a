import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LK_JWT_CONTAINER_PORT } from "../facts/lk-jwt";
import { OrgConfig } from "../config/model";
import { ServiceContext, pinnedImage, serviceDefaults } from "./shared";

export interface LkJwtArgs {
  readonly org: OrgConfig;
  readonly context: ServiceContext;
}

/**
 * lk-jwt-service: turns a Matrix OpenID token into a LiveKit JWT. Its environment is the rendered `lk-jwt/env`; its
 * host entries point its own organisation's public names at the proxy's LAN address (summary.md says which).
 * No Docker healthcheck: the 0.5.0 image is built FROM scratch, without a shell or an HTTP client to run one
 * (docs/upstream/lk-jwt-service.md); `npm run verify` checks its /healthz from outside instead.
 */
export class LkJwtService extends pulumi.ComponentResource {
  readonly container: docker.Container;

  constructor(name: string, args: LkJwtArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-fleet:rtc:LkJwtService", name, {}, opts);
    const { org, context } = args;
    const child = context.childOptions(this);
    const image = pinnedImage(`${name}-image`, org.images.lkJwt, child);
    const documents = context.documents.forContainer();
    this.container = new docker.Container(
      `${name}-lk-jwt`,
      {
        ...serviceDefaults(org.stack, "lk-jwt", 64),
        image: image.imageId,
        envs: documents.envs((plan) => plan.lkJwt),
        networksAdvanced: [{ name: context.network.name }],
        // Its own organisation's public names at the proxy's LAN address: no hairpin NAT needed (lk-jwt-hosts.ts).
        hosts: (context.documents.template.lkJwtHosts ?? []).map(({ name, ip }) => ({ host: name, ip })),
        ports: [{ internal: LK_JWT_CONTAINER_PORT, external: org.ports.lkJwt }],
      },
      { ...child, replaceWith: documents.replaceWith() },
    );
    this.registerOutputs({ container: this.container.name });
  }
}
