/**
 * Where the lab browser's web site lives: the web client's own origin on the lab's internet, as Element Web has
 * one of its own beside the homeserver's. lab/deploy/network.sh puts the address on the hub, lab/deploy/hosts.ts
 * gives the lab DNS the name, and lab/browser/page-server.ts serves HTTPS there with a lab certificate.
 */
export const WEB_ORIGIN_NAME = "web.lab.internal";
export const WEB_ORIGIN_ADDRESS = "198.18.0.80";
/** The whole lab's internet (RFC 2544): every address a lab client may talk to. */
export const LAB_NETWORK = "198.18.0.0/15";
