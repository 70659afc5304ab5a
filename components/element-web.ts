import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { OrgConfig } from "../config/model";
import { ServiceContext, pinnedImage, serviceDefaults } from "./shared";
import { ELEMENT_WEB_CONTAINER } from "../facts/element-web";

export interface ElementWebArgs {
  readonly org: OrgConfig;
  readonly context: ServiceContext;
}

/** Element Web: static files plus the rendered `config.json`. Stateless. */
export class ElementWeb extends pulumi.ComponentResource {
  readonly container: docker.Container;

  constructor(name: string, args: ElementWebArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-fleet:element:ElementWeb", name, {}, opts);
    const { org, context } = args;
    const child = context.childOptions(this);
    const image = pinnedImage(`${name}-image`, org.images.elementWeb, child);
    const documents = context.documents.forContainer();
    this.container = new docker.Container(
      `${name}-element-web`,
      {
        ...serviceDefaults(org.stack, "element-web", 128),
        image: image.imageId,
        uploads: documents.uploads([["elementWeb", ELEMENT_WEB_CONTAINER.config]]),
        networksAdvanced: [{ name: context.network.name }],
        ports: [{ internal: ELEMENT_WEB_CONTAINER.port, external: org.ports.elementWeb }],
        healthcheck: {
          tests: [
            "CMD-SHELL",
            `wget -q -O /dev/null http://127.0.0.1:${ELEMENT_WEB_CONTAINER.port}/config.json || exit 1`,
          ],
          interval: "10s",
          timeout: "5s",
          retries: 3,
        },
      },
      { ...child, replaceWith: documents.replaceWith() },
    );
    this.registerOutputs({ container: this.container.name });
  }
}
