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

/** Port the Jitsi web image serves plain HTTP on (docker-jitsi-meet publishes `${HTTP_PORT}:8000`). */
export const JITSI_WEB_PORT = 8000;

/**
 * Where prosody keeps its accounts (docs/upstream/jitsi-accounts.md §2-3): `data_path` is /var/lib/prosody/data at
 * stable-11146-2 and /var/lib/prosody at stable-11146 and -1; an account is `<data_path>/<host>/accounts/<user>.dat`
 * with host and user encoded by prosody's util/datamanager.lua (every non-alphanumeric character as %xx).
 */
export const PROSODY_DATA_PATHS = ["/var/lib/prosody/data", "/var/lib/prosody"] as const;

/** The accounts jicofo (`focus`, fixed in jicofo.conf) and the videobridge (`JVB_AUTH_USER`, default jvb) log in as. */
export const JITSI_SERVICE_ACCOUNTS = ["focus", "jvb"] as const;

/** The image's entrypoint: s6-overlay's /init, which must run as PID 1 (base/Dockerfile). */
export const JITSI_IMAGE_ENTRYPOINT = "/init";

/** prosody's `encode` (util/datamanager.lua): `s:gsub("%W", ...)` with lower-case hex. */
export function prosodyEncode(text: string): string {
  return text.replace(/[^A-Za-z0-9]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
