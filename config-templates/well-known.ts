import { OrgConfig } from "../config/model";
import { livekitServiceUrl } from "../model/topology";
import { toJson } from "./formats";

/**
 * `/.well-known/matrix/server`: delegation of the server name to the homeserver host on 443 (no port would mean
 * 8448, which this fleet never opens).
 */
export function wellKnownServerDocument(org: OrgConfig): Record<string, unknown> {
  return { "m.server": `${org.hosts.homeserver}:443` };
}

/**
 * `/.well-known/matrix/client`. `org.matrix.msc4143.rtc_foci` is still read by the Element Call bundled in
 * Element Web; newer clients ask Synapse's MSC4143 endpoint instead. Both are published.
 */
export function wellKnownClientDocument(org: OrgConfig): Record<string, unknown> {
  const doc: Record<string, unknown> = { "m.homeserver": { base_url: `https://${org.hosts.homeserver}` } };
  if (org.components.matrixRtc) {
    doc["org.matrix.msc4143.rtc_foci"] = [{ type: "livekit", livekit_service_url: livekitServiceUrl(org) }];
  }
  return doc;
}

export function renderWellKnown(document: Readonly<Record<string, unknown>>): string {
  return toJson(document);
}
