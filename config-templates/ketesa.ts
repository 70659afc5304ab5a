import { OrgConfig } from "../config/model";
import { homeserverBaseUrl } from "../model/topology";

/**
 * Ketesa (etke.cc's Synapse admin UI) `config.json`: locked to this organisation's homeserver so the admin UI
 * cannot be pointed at another server.
 */
export function ketesaDocument(org: OrgConfig): Record<string, unknown> {
  return { restrictBaseUrl: homeserverBaseUrl(org) };
}
