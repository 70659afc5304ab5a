import { OrgConfig } from "../lib/model";
import { homeserverBaseUrl } from "../lib/topology";

/**
 * Ketesa (etke.cc's Synapse admin UI) `config.json`: locked to this organisation's homeserver so the admin UI
 * cannot be pointed at another server.
 */
export function ketesaDocument(org: OrgConfig): Record<string, unknown> {
  return { restrictBaseUrl: homeserverBaseUrl(org) };
}
