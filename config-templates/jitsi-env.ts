import { OrgConfig } from "../config/model";
import { SecretValues } from "../facts/secrets";
import { EnvFile } from "./formats";
import { JITSI_XMPP } from "../facts/jitsi";
import { TURN_443 } from "../model/turn-uris";

export interface JitsiEnv {
  readonly web: EnvFile;
  readonly prosody: EnvFile;
  readonly jicofo: EnvFile;
  readonly jvb: EnvFile;
}

const flag = (value: boolean): string => (value ? "1" : "0");

/** The addresses the videobridge offers: the WAN address, and the LAN one where LAN clients cannot reach the WAN. */
export function jvbAdvertisedIps(org: OrgConfig): string[] {
  const { publicIp, lanIp, lanAccess } = org.network;
  return lanAccess === "splitDns" && lanIp !== undefined ? [publicIp, lanIp] : [publicIp];
}

/**
 * Environment for the four docker-jitsi-meet containers. Each container gets only variables its service reads
 * (the `environment:` lists of jitsi/docker-jitsi-meet docker-compose.yml). TLS ends at the reverse proxy, so
 * the web container serves plain HTTP.
 */
export function jitsiEnvDocuments(org: OrgConfig, secrets: SecretValues): JitsiEnv {
  const x = JITSI_XMPP;
  const features = {
    ENABLE_AUTH: flag(org.jitsi.enableAuth),
    ENABLE_RECORDING: flag(org.jitsi.enableRecording),
    ENABLE_TRANSCRIPTIONS: flag(org.jitsi.enableTranscriptions),
  };
  const authType: Record<string, string> = org.jitsi.enableAuth ? { AUTH_TYPE: "internal" } : {};
  const turn = jitsiTurn(org, secrets);
  return {
    web: {
      TZ: org.jitsi.timezone,
      PUBLIC_URL: `https://${org.hosts.jitsi}`,
      XMPP_DOMAIN: x.domain,
      XMPP_AUTH_DOMAIN: x.authDomain,
      XMPP_GUEST_DOMAIN: x.guestDomain,
      XMPP_MUC_DOMAIN: x.mucDomain,
      XMPP_BOSH_URL_BASE: `http://${x.server}:5280`,
      ...features,
      ENABLE_GUESTS: flag(org.jitsi.enableGuests),
      DISABLE_HTTPS: "1",
      ENABLE_HTTP_REDIRECT: "0",
      ENABLE_LETSENCRYPT: "0",
      ENABLE_XMPP_WEBSOCKET: "1",
    },
    prosody: {
      TZ: org.jitsi.timezone,
      PUBLIC_URL: `https://${org.hosts.jitsi}`,
      XMPP_DOMAIN: x.domain,
      XMPP_AUTH_DOMAIN: x.authDomain,
      XMPP_GUEST_DOMAIN: x.guestDomain,
      XMPP_MUC_DOMAIN: x.mucDomain,
      XMPP_INTERNAL_MUC_DOMAIN: x.internalMucDomain,
      ...features,
      ...authType,
      ENABLE_GUESTS: flag(org.jitsi.enableGuests),
      ENABLE_XMPP_WEBSOCKET: "1",
      JICOFO_AUTH_PASSWORD: secrets.jicofo_auth_password,
      JVB_AUTH_PASSWORD: secrets.jvb_auth_password,
      ...turn,
    },
    jicofo: {
      TZ: org.jitsi.timezone,
      XMPP_DOMAIN: x.domain,
      XMPP_AUTH_DOMAIN: x.authDomain,
      XMPP_MUC_DOMAIN: x.mucDomain,
      XMPP_INTERNAL_MUC_DOMAIN: x.internalMucDomain,
      XMPP_SERVER: x.server,
      ...features,
      ...authType,
      JICOFO_AUTH_PASSWORD: secrets.jicofo_auth_password,
    },
    jvb: {
      TZ: org.jitsi.timezone,
      XMPP_AUTH_DOMAIN: x.authDomain,
      XMPP_INTERNAL_MUC_DOMAIN: x.internalMucDomain,
      XMPP_SERVER: x.server,
      JVB_AUTH_PASSWORD: secrets.jvb_auth_password,
      // The videobridge tells clients where to send media: the WAN address, on the forwarded port; with split DNS
      // (no NAT loopback) also the Docker host's LAN address, the only one LAN clients reach. Each entry becomes a
      // static mapping of the container's own address (docker-jitsi-meet jvb/rootfs/defaults/jvb.conf).
      JVB_ADVERTISE_IPS: jvbAdvertisedIps(org).join(","),
      JVB_PORT: String(org.ports.jvb),
      COLIBRI_REST_ENABLED: "1",
    },
  };
}

/** Prosody announces coturn to clients (XEP-0215) with credentials from the shared TURN secret. */
function jitsiTurn(org: OrgConfig, secrets: SecretValues): Record<string, string> {
  return org.components.coturn
    ? {
        TURN_CREDENTIALS: secrets.turn_shared_secret,
        TURN_HOST: org.hosts.turn,
        TURN_PORT: String(org.ports.turn),
        TURN_TRANSPORT: "udp",
        // TURNS_PORT defaults to 443 in the image, which is the reverse proxy's: always name coturn's port, or 443
        // of turn.port443Ip, whose forward reaches coturn (the one port networks that pass nothing else allow).
        ...(org.turn.tls
          ? {
              TURNS_HOST: org.hosts.turn,
              TURNS_PORT: String(org.turn.port443Ip === undefined ? org.ports.turnTls : TURN_443),
            }
          : {}),
      }
    : {};
}
