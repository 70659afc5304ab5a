import { deepMerge } from "../config/merge";
import { OrgConfig } from "../config/model";
import { homeserverBaseUrl } from "../model/topology";

/**
 * Element Web `config.json` (keys from element-hq/element-web config.sample.json / IConfigOptions).
 * `default_server_config` is used alone: Element refuses it together with `default_server_name`/`default_hs_url`.
 */
export function elementWebDocument(org: OrgConfig): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    default_server_config: {
      "m.homeserver": { base_url: homeserverBaseUrl(org), server_name: org.serverName },
    },
    brand: org.element.brand,
    disable_custom_urls: org.element.disableCustomUrls,
    disable_guests: org.element.disableGuests,
    disable_3pid_login: true,
    show_labs_settings: false,
    room_directory: { servers: [org.serverName] },
    features: org.components.matrixRtc
      ? { feature_group_calls: true, feature_element_call_video_rooms: true }
      : {},
    setting_defaults: {
      // Without MatrixRTC the call button offers Jitsi or 1:1 calls only.
      UIFeature_widgets: true,
    },
  };
  if (org.components.jitsi) doc.jitsi = { preferred_domain: org.hosts.jitsi };
  if (org.components.matrixRtc) doc.element_call = { brand: `${org.element.brand} Call` };
  return deepMerge(deepMerge(doc, org.overrides.elementWeb), org.overrides.unjudged.elementWeb);
}
