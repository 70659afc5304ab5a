import { deepMerge } from "../config/merge";
import { OrgConfig } from "../config/model";
import { SecretValues } from "../facts/secrets";
import { toYaml } from "./formats";

/**
 * LiveKit's `livekit.yaml` (keys from livekit/livekit config-sample.yaml). LiveKit's parser is strict: an unknown
 * key stops the server, so preflight checks overrides against `LIVEKIT_KNOWN_KEYS`.
 */
export function livekitDocument(org: OrgConfig, secrets: SecretValues): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    port: org.ports.livekitHttp,
    rtc: {
      tcp_port: org.ports.livekitTcp,
      port_range_start: org.ports.livekitUdp.start,
      port_range_end: org.ports.livekitUdp.end,
      // Advertise the WAN address coturn also uses. STUN discovery (use_external_ip) would override node_ip and
      // can pick a different WAN than the router forwards: the "second call never connects" failure.
      use_external_ip: false,
      node_ip: org.network.publicIp,
    },
    keys: { [secrets.livekit_api_key]: secrets.livekit_api_secret },
    // lk-jwt-service creates rooms for authorised users; auto-create would let any token holder open rooms.
    room: { auto_create: false },
    logging: { level: "info" },
    // Relaying is coturn's job; LiveKit's own TURN would advertise 443, which the reverse proxy owns.
    turn: { enabled: false },
  };
  return deepMerge(doc, org.overrides.livekit);
}

export function renderLivekit(document: Readonly<Record<string, unknown>>): string {
  return toYaml(document);
}
