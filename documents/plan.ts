import { coturnDocument } from "./coturn";
import { elementWebDocument } from "./element-web";
import { ConfLine, EnvFile } from "./formats";
import { JitsiEnv, jitsiEnvDocuments } from "./jitsi-env";
import { ketesaDocument } from "./ketesa";
import { livekitDocument } from "./livekit";
import { lkJwtEnvDocument } from "./lk-jwt-env";
import { NpmProxyHost, proxyHostDocuments } from "./npm-proxy-hosts";
import { RequiredForward, requiredForwards } from "../model/router-forwards";
import { synapseHomeserverDocument } from "./synapse-homeserver";
import { synapseLogConfigDocument } from "./synapse-log-config";
import { wellKnownClientDocument, wellKnownServerDocument } from "./well-known";
import { OrgConfig } from "../config/model";
import { SecretValues } from "../facts/secrets";

/**
 * documents/: the files a stack deploys. One builder per rendered file (synapse-homeserver.ts,
 * synapse-log-config.ts, well-known.ts, coturn.ts, livekit.ts, lk-jwt-env.ts, element-web.ts, jitsi-env.ts,
 * ketesa.ts, npm-proxy-hosts.ts, router-checklist.ts, summary.ts) makes a document from the config and the
 * secret values; `StackPlan` (this file) gathers them; formats.ts serialises them and files.ts names the files
 * `render` writes and the components upload. Pure and deterministic. May import facts/, config/ and model/.
 */

/**
 * Every document one organisation deploys, built from its config and secret values, before serialisation.
 * Preflight checks this (the merged result, overrides included); `render-files.ts` serialises it; the Pulumi
 * components upload the same serialisation.
 */
export interface StackPlan {
  readonly org: OrgConfig;
  readonly synapse: {
    readonly homeserver: Record<string, unknown>;
    readonly logConfig: Record<string, unknown>;
  };
  readonly wellKnown: {
    readonly server: Record<string, unknown>;
    readonly client: Record<string, unknown>;
  };
  readonly coturn: ConfLine[] | undefined;
  readonly livekit: Record<string, unknown> | undefined;
  readonly lkJwt: EnvFile | undefined;
  readonly elementWeb: Record<string, unknown> | undefined;
  readonly jitsi: JitsiEnv | undefined;
  readonly ketesa: Record<string, unknown> | undefined;
  readonly proxyHosts: NpmProxyHost[];
  readonly routerForwards: RequiredForward[];
}

export function buildStackPlan(org: OrgConfig, secrets: SecretValues): StackPlan {
  const c = org.components;
  return {
    org,
    synapse: { homeserver: synapseHomeserverDocument(org, secrets), logConfig: synapseLogConfigDocument() },
    wellKnown: { server: wellKnownServerDocument(org), client: wellKnownClientDocument(org) },
    coturn: c.coturn ? coturnDocument(org, secrets) : undefined,
    livekit: c.matrixRtc ? livekitDocument(org, secrets) : undefined,
    lkJwt: c.matrixRtc ? lkJwtEnvDocument(org, secrets) : undefined,
    elementWeb: c.elementWeb ? elementWebDocument(org) : undefined,
    jitsi: c.jitsi ? jitsiEnvDocuments(org, secrets) : undefined,
    ketesa: c.ketesa ? ketesaDocument(org) : undefined,
    proxyHosts: proxyHostDocuments(org),
    routerForwards: requiredForwards(org),
  };
}
