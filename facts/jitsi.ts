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
