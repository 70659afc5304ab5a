import { OrgConfig } from "../lib/model";
import { SecretValues } from "../lib/secrets";
import { EnvFile } from "./formats";

/** The internal XMPP domains of docker-jitsi-meet (its defaults; they never leave the stack network). */
export const JITSI_XMPP = {
  domain: "meet.jitsi",
  authDomain: "auth.meet.jitsi",
  guestDomain: "guest.meet.jitsi",
  mucDomain: "muc.meet.jitsi",
  internalMucDomain: "internal-muc.meet.jitsi",
  /** Network alias of the prosody container; web, jicofo and jvb connect to it. */
  server: "xmpp.meet.jitsi",
} as const;

export interface JitsiEnv {
  readonly web: EnvFile;
  readonly prosody: EnvFile;
  readonly jicofo: EnvFile;
  readonly jvb: EnvFile;
}

const flag = (value: boolean): string => (value ? "1" : "0");

/**
 * Environment for the four docker-jitsi-meet containers (variable names from jitsi/docker-jitsi-meet
 * docker-compose.yml and env.example). TLS ends at the reverse proxy, so the web container serves plain HTTP.
 */
export function jitsiEnvDocuments(org: OrgConfig, secrets: SecretValues): JitsiEnv {
  const publicUrl = `https://${org.hosts.jitsi}`;
  const common = {
    TZ: org.jitsi.timezone,
    PUBLIC_URL: publicUrl,
    XMPP_DOMAIN: JITSI_XMPP.domain,
    XMPP_AUTH_DOMAIN: JITSI_XMPP.authDomain,
    XMPP_GUEST_DOMAIN: JITSI_XMPP.guestDomain,
    XMPP_MUC_DOMAIN: JITSI_XMPP.mucDomain,
    XMPP_INTERNAL_MUC_DOMAIN: JITSI_XMPP.internalMucDomain,
    XMPP_SERVER: JITSI_XMPP.server,
    ENABLE_AUTH: flag(org.jitsi.enableAuth),
    ENABLE_GUESTS: flag(org.jitsi.enableGuests),
    ENABLE_RECORDING: flag(org.jitsi.enableRecording),
    ENABLE_TRANSCRIPTIONS: flag(org.jitsi.enableTranscriptions),
  };
  const turn: Record<string, string> = org.components.coturn
    ? {
        // Prosody announces coturn to clients (XEP-0215) with credentials from the shared TURN secret.
        TURN_CREDENTIALS: secrets.turn_shared_secret,
        TURN_HOST: org.hosts.turn,
        TURN_PORT: String(org.ports.turn),
        TURN_TRANSPORT: "udp",
        ...(org.turn.tls ? { TURNS_HOST: org.hosts.turn, TURNS_PORT: String(org.ports.turnTls) } : {}),
      }
    : {};
  return {
    web: {
      ...common,
      DISABLE_HTTPS: "1",
      ENABLE_HTTP_REDIRECT: "0",
      ENABLE_LETSENCRYPT: "0",
      ENABLE_XMPP_WEBSOCKET: "1",
      ENABLE_COLIBRI_WEBSOCKET: "1",
      XMPP_BOSH_URL_BASE: `http://${JITSI_XMPP.server}:5280`,
    },
    prosody: {
      ...common,
      ...(org.jitsi.enableAuth ? { AUTH_TYPE: "internal" } : {}),
      JICOFO_AUTH_PASSWORD: secrets.jicofo_auth_password,
      JVB_AUTH_PASSWORD: secrets.jvb_auth_password,
      ...turn,
    },
    jicofo: {
      ...common,
      ...(org.jitsi.enableAuth ? { AUTH_TYPE: "internal" } : {}),
      JICOFO_AUTH_PASSWORD: secrets.jicofo_auth_password,
    },
    jvb: {
      ...common,
      JVB_AUTH_PASSWORD: secrets.jvb_auth_password,
      // The videobridge tells clients where to send media: the WAN address, on the forwarded port.
      JVB_ADVERTISE_IPS: org.network.publicIp,
      JVB_PORT: String(org.ports.jvb),
      COLIBRI_REST_ENABLED: "1",
    },
  };
}
