import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { JITSI_XMPP } from "../facts/jitsi";
import { OrgConfig } from "../config/model";
import { StackPlan } from "../config-templates/plan";
import { ServiceContext, pinnedImage, serviceDefaults, StateStore } from "./shared";
import { JITSI_WEB_PORT } from "../facts/jitsi";

export interface JitsiArgs {
  readonly org: OrgConfig;
  readonly context: ServiceContext;
}

/**
 * Jitsi Meet (docker-jitsi-meet): web, prosody, jicofo and the videobridge. Prosody's data and the transcripts
 * are state and live in protected, retained volumes.
 */
export class JitsiMeet extends pulumi.ComponentResource {
  readonly web: docker.Container;
  readonly prosody: docker.Container;
  readonly jicofo: docker.Container;
  readonly jvb: docker.Container;
  readonly stores: { readonly prosody: StateStore; readonly transcripts: StateStore };

  constructor(name: string, args: JitsiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-fleet:jitsi:JitsiMeet", name, {}, opts);
    const { org, context } = args;
    const child = context.childOptions(this);
    const stack = org.stack;
    // Each container's environment, and the options that replace it with the generators of its secrets.
    const service = (pick: (jitsi: NonNullable<StackPlan["jitsi"]>) => Readonly<Record<string, string>>) => {
      const documents = context.documents.forContainer();
      const envs = documents.envs((plan) => (plan.jitsi === undefined ? undefined : pick(plan.jitsi)));
      return { envs, options: { ...child, replaceWith: documents.replaceWith() } };
    };
    const prosody = service((j) => j.prosody);
    const jicofo = service((j) => j.jicofo);
    const jvb = service((j) => j.jvb);
    const web = service((j) => j.web);

    this.stores = {
      prosody: new StateStore("jitsiProsody", `${name}-prosody-data`, org, child),
      transcripts: new StateStore("jitsiTranscripts", `${name}-transcripts`, org, child),
    };

    this.prosody = new docker.Container(
      `${name}-prosody`,
      {
        ...serviceDefaults(stack, "jitsi-prosody", 256),
        image: pinnedImage(`${name}-prosody-image`, org.images.jitsiProsody, child).imageId,
        envs: prosody.envs,
        // Resets jicofo's and jvb's accounts before the image's /init, so rotated passwords take effect.
        entrypoints: context.documents.template.jitsiProsodyEntrypoint,
        // Prosody keeps its accounts and rooms in /var/lib/prosody (docker-jitsi-meet stable-11146 "storage/prosody");
        // /config is regenerated from the environment at every start.
        mounts: [this.stores.prosody.mount("/var/lib/prosody")],
        networksAdvanced: [{ name: context.network.name, aliases: [JITSI_XMPP.server] }],
      },
      prosody.options,
    );

    this.jicofo = new docker.Container(
      `${name}-jicofo`,
      {
        ...serviceDefaults(stack, "jitsi-jicofo", 512),
        image: pinnedImage(`${name}-jicofo-image`, org.images.jitsiJicofo, child).imageId,
        envs: jicofo.envs,
        networksAdvanced: [{ name: context.network.name }],
      },
      { ...jicofo.options, dependsOn: [this.prosody] },
    );

    this.jvb = new docker.Container(
      `${name}-jvb`,
      {
        ...serviceDefaults(stack, "jitsi-jvb", 1024),
        image: pinnedImage(`${name}-jvb-image`, org.images.jitsiJvb, child).imageId,
        envs: jvb.envs,
        networksAdvanced: [{ name: context.network.name }],
        // One UDP port: publishing it is cheap, unlike the relay ranges.
        ports: [{ internal: org.ports.jvb, external: org.ports.jvb, protocol: "udp" }],
      },
      { ...jvb.options, dependsOn: [this.prosody] },
    );

    this.web = new docker.Container(
      `${name}-web`,
      {
        ...serviceDefaults(stack, "jitsi-web", 256),
        image: pinnedImage(`${name}-web-image`, org.images.jitsiWeb, child).imageId,
        envs: web.envs,
        mounts: [this.stores.transcripts.mount("/usr/share/jitsi-meet/transcripts")],
        networksAdvanced: [{ name: context.network.name }],
        ports: [{ internal: JITSI_WEB_PORT, external: org.ports.jitsiWeb }],
      },
      { ...web.options, dependsOn: [this.jvb, this.jicofo] },
    );
    this.registerOutputs({
      web: this.web.name,
      prosody: this.prosody.name,
      jicofo: this.jicofo.name,
      jvb: this.jvb.name,
    });
  }
}
