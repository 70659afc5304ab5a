/**
 * Where the coturn container reads its config, and the directory its TLS files are mounted under (one host
 * directory at `tlsDir`, or the certificate's and the key's at `tlsDir`/cert and `tlsDir`/key: model/coturn-tls.ts).
 */
export const COTURN_PATHS = {
  config: "/etc/coturn/turnserver.conf",
  tlsDir: "/etc/coturn/tls",
} as const;

/**
 * The user coturn/coturn:4.17 runs as: `USER nobody:nogroup`, uid/gid 65534 (coturn/coturn@docker/4.17.0-r0
 * docker/coturn/debian/Dockerfile; docs/upstream/coturn.md, "Files coturn must read"). Everything coturn reads, at
 * start and on a SIGUSR2 reload, it reads as this user: the config upload is root 0644, the TLS files on the Docker
 * host must be readable by it too.
 */
export const COTURN_IMAGE_USER = { uid: 65534, gid: 65534, name: "nobody:nogroup" } as const;

/**
 * Peer ranges coturn must never relay to, from Synapse's docs/setup/turn/coturn.md: private networks (so a TURN
 * credential is no ticket into the LAN), loopback, link-local, CGNAT, documentation and other special ranges.
 */
export const DENIED_PEER_RANGES: readonly string[] = [
  "10.0.0.0-10.255.255.255",
  "192.168.0.0-192.168.255.255",
  "172.16.0.0-172.31.255.255",
  "0.0.0.0-0.255.255.255",
  "100.64.0.0-100.127.255.255",
  "127.0.0.0-127.255.255.255",
  "169.254.0.0-169.254.255.255",
  "192.0.0.0-192.0.0.255",
  "192.0.2.0-192.0.2.255",
  "192.88.99.0-192.88.99.255",
  "198.18.0.0-198.19.255.255",
  "198.51.100.0-198.51.100.255",
  "203.0.113.0-203.0.113.255",
  "240.0.0.0-255.255.255.255",
  "::1",
  "64:ff9b::-64:ff9b::ffff:ffff",
  "::ffff:0.0.0.0-::ffff:255.255.255.255",
  "100::-100::ffff:ffff:ffff:ffff",
  "2001::-2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff",
  "2002::-2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
  "fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
  "fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
];
