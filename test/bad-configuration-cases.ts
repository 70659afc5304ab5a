import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseTurnserverConf, parseYaml } from "./parse-formats";
import { BACKUP_CASES, UNUSUAL_BACKUP_CASES } from "./backup-configuration-cases";
import { CAPACITY_CASES, UNUSUAL_CAPACITY_CASES } from "./capacity-configuration-cases";
import type { BadCase, UnusualCase } from "./configuration-case";
import { HOSTILE_OVERRIDE_CASES, ISSUE_CLASSES, UNUSUAL_OVERRIDE_CASES } from "./override-cases";
import { CALLS_CASES, CALLS_UNUSUAL } from "./bad-configuration-cases-calls";

/**
 * The configuration catalogue of issue #16: every key of config/sections.ts and service-sections.ts asked "how can
 * this be wrong?", plus the stack file's own shape and the expert overrides. Each bad case says which key it must
 * be refused at (as written in the stack file), what the message says, what the fix says, and the stack file with
 * that fix applied (`fixed`, changes over the real stack file; `{}` when the fix is to remove what the case added).
 */
export type { BadCase, UnusualCase };

const PRODUKTOR_FORWARDS = [
  "tcp/80",
  "tcp/443",
  "udp/3478",
  "tcp/3478",
  "tcp/5349",
  "udp/49160-49200",
  "tcp/7881",
  "udp/50100-50200",
  "udp/10000",
];
const PRODUKT_FORWARDS = [
  "tcp/80",
  "tcp/443",
  "udp/3478",
  "tcp/3478",
  "udp/49160-49200",
  "tcp/7881",
  "udp/50100-50200",
];
const k = (path: string) => `matrix-fleet:${path}`;
const net = (values: Record<string, unknown>) => ({ network: values });

/** The stack file's shape, namespaces and the top-level keys. */
const FILE_CASES: BadCase[] = [
  {
    name: "a stack file that is a YAML list",
    stack: "moda1",
    text: "- matrix-fleet:serverName: moda1.uk\n- matrix-fleet:organisation: Markets Platform\n",
    key: "Pulumi.moda1.yaml",
    message: /is a YAML list, not a stack file/,
    fix: /a line 'config:', then one indented line per setting/,
    fixed: {},
  },
  {
    name: "a stack file that is a single value",
    stack: "moda1",
    text: "moda1.uk\n",
    key: "Pulumi.moda1.yaml",
    message: /is a single value \(string "moda1\.uk"\), not a stack file/,
    fix: /config:/,
    fixed: {},
  },
  {
    name: "settings written at the top level, without config:",
    stack: "moda1",
    text: "matrix-fleet:serverName: moda1.uk\nmatrix-fleet:organisation: Markets Platform\n",
    key: "matrix-fleet:serverName",
    message: /is at the top level of Pulumi\.moda1\.yaml, outside config:/,
    fix: /indent it .* under a top-level config: key/,
    fixed: {},
  },
  {
    name: "a misspelt config: section",
    stack: "moda1",
    text: "confg:\n  matrix-fleet:serverName: moda1.uk\n",
    key: "confg",
    message: /is not a key of a Pulumi stack file/,
    fix: /did you mean 'config'\?/,
    fixed: {},
  },
  {
    name: "a config: section that is a list",
    stack: "moda1",
    text: "config:\n  - matrix-fleet:serverName: moda1.uk\n",
    key: "config",
    message: /the `config:` section is not a map/,
    fix: /key: value pairs/,
    fixed: {},
  },
  {
    name: "a stack file that is not YAML",
    stack: "moda1",
    text: "config: [unclosed\n",
    key: "Pulumi.moda1.yaml",
    message: /is not valid YAML/,
    fix: /fix the YAML syntax/,
    fixed: {},
  },
  {
    name: "a key under a misspelt namespace (matrix_fleet:)",
    stack: "produktor",
    changes: { "matrix_fleet:organisation": "ProProdukt GmbH" },
    key: "matrix_fleet:organisation",
    message: /is in namespace 'matrix_fleet', not 'matrix-fleet'.*silently ignored/,
    fix: /rename it to matrix-fleet:organisation/,
    fixed: { organisation: "ProProdukt GmbH" },
  },
  {
    name: "a key under the namespace in capitals (Matrix-Fleet:)",
    stack: "moda1",
    changes: { "Matrix-Fleet:element": { brand: "Markets" } },
    key: "Matrix-Fleet:element",
    message: /is in namespace 'Matrix-Fleet'/,
    fix: /rename it to matrix-fleet:element/,
    fixed: { element: { brand: "Markets" } },
  },
  {
    name: "a key without a namespace",
    stack: "moda1",
    text: `${fs.readFileSync(path.join(__dirname, "..", "Pulumi.moda1.yaml"), "utf8")}  organisation: Markets\n`,
    key: "organisation",
    message: /has no namespace/,
    fix: /rename it to matrix-fleet:organisation/,
    fixed: { organisation: "Markets" },
  },
];

/** The server name, hostnames, components. */
const NAME_CASES: BadCase[] = [
  {
    name: "a server name in capitals (an identity: reported, not lower-cased)",
    stack: "moda1",
    changes: { serverName: "Moda1.uk" },
    key: k("serverName"),
    message: /'Moda1\.uk' has capital letters; a server name is an identity/,
    fix: /write it as 'moda1\.uk'/,
    fixed: {},
  },
  {
    name: "a server name with a scheme",
    stack: "moda1",
    changes: { serverName: "https://moda1.uk" },
    key: k("serverName"),
    message: /is not a valid DNS hostname/,
    fix: /fully qualified name/,
    fixed: {},
  },
  {
    name: "a server name with a port",
    stack: "moda1",
    changes: { serverName: "moda1.uk:8448" },
    key: k("serverName"),
    message: /'moda1\.uk:8448' is not a valid DNS hostname/,
    fix: /fully qualified name/,
    fixed: {},
  },
  {
    name: "no server name",
    stack: "moda1",
    changes: { serverName: null },
    key: k("serverName"),
    message: /is required and not set/,
    fix: /pulumi config set --path 'serverName' .* --stack moda1/,
    fixed: {},
    engine: false,
  },
  {
    name: "a federation peer in capitals",
    stack: "produktor",
    changes: { federation: { peers: ["Pro-Dukt.de", "medex-pflegedienst.de"] } },
    key: k("federation.peers"),
    message: /'Pro-Dukt\.de' has capital letters/,
    fix: /write it as 'pro-dukt\.de'/,
    fixed: {},
  },
  {
    name: "two roles on one hostname (Element and the admin UI)",
    stack: "pro-dukt",
    changes: { hosts: { element: "admin.pro-dukt.de" } },
    key: k("hosts.admin"),
    message: /hosts\.element, hosts\.admin all name admin\.pro-dukt\.de.*refuses a second proxy host/,
    fix: /give hosts\.element or hosts\.admin a hostname of its own/,
    fixed: {},
  },
  {
    name: "MatrixRTC on the homeserver's hostname",
    stack: "medex",
    changes: { hosts: { rtc: "chat.medex-pflegedienst.de" } },
    key: k("hosts.rtc"),
    message: /hosts\.homeserver, hosts\.rtc all name chat\.medex-pflegedienst\.de/,
    fix: /a hostname of its own/,
    fixed: {},
  },
  {
    name: "the TURN host on a proxied vhost",
    stack: "produktor",
    changes: { hosts: { turn: "chat.produktor.io" } },
    key: k("hosts.turn"),
    message: /TURN host 'chat\.produktor\.io' is also a proxied HTTPS vhost/,
    fix: /give TURN its own hostname/,
    fixed: {},
  },
  {
    name: "a hostname with an underscore",
    stack: "moda1",
    changes: { hosts: { element: "element_server.moda1.uk" } },
    key: k("hosts.element"),
    message: /is not a valid DNS hostname/,
    fix: /fully qualified name/,
    fixed: {},
  },
  {
    name: "a component switch that is not a boolean",
    stack: "medex",
    changes: { components: { jitsi: "maybe" } },
    key: k("components.jitsi"),
    message: /must be true or false, got string "maybe"/,
    fix: /true or false/,
    fixed: {},
  },
  {
    name: "an unknown component",
    stack: "medex",
    changes: { components: { livekit: true } },
    key: k("components.livekit"),
    message: /is not a setting matrix-fleet knows/,
    fix: /remove it \(known here: elementWeb, coturn, matrixRtc, jitsi, ketesa, monitoring\)/,
    fixed: {},
  },
  {
    name: "Jitsi on without a stated access choice (anyone could host meetings)",
    stack: "pro-dukt",
    changes: {
      components: { jitsi: true },
      network: { routerForwards: [...PRODUKT_FORWARDS, "udp/10000"] },
    },
    key: k("jitsi.enableAuth"),
    message: /is not set, and Jitsi is on: with authentication off anyone on the internet can host meetings/,
    fix: /set jitsi\.enableAuth to true .* or to false/,
    fixed: {
      components: { jitsi: true },
      network: { routerForwards: [...PRODUKT_FORWARDS, "udp/10000"] },
      jitsi: { enableAuth: true },
    },
  },
];

/** Where the stack is reached: the WAN address, the LAN address and the router's forwards. */
const NETWORK_CASES: BadCase[] = [
  ...(
    [
      ["10.0.0.5", /private \(10\.0\.0\.0\/8, RFC 1918\)/],
      ["192.168.178.20", /private \(192\.168\.0\.0\/16, RFC 1918\)/],
      ["172.20.0.1", /private \(172\.16\.0\.0\/12, RFC 1918\)/],
      ["127.0.0.1", /loopback \(127\.0\.0\.0\/8\)/],
      ["0.0.0.0", /'this network' \(0\.0\.0\.0\/8, RFC 1122: unspecified\)/],
      ["169.254.10.10", /link-local \(169\.254\.0\.0\/16\)/],
      ["100.64.1.1", /carrier-grade NAT \(100\.64\.0\.0\/10, RFC 6598\)/],
      ["224.0.0.1", /multicast \(224\.0\.0\.0\/4\)/],
      ["255.255.255.255", /reserved or broadcast \(240\.0\.0\.0\/4\)/],
    ] as const
  ).map(([address, what]): BadCase => ({
    name: `a public IP that is ${address}`,
    stack: "medex",
    changes: net({ publicIp: address }),
    key: k("network.publicIp"),
    message: new RegExp(
      `'${address.replace(/\./g, "\\.")}' is a ${what.source} address, which clients on the internet cannot reach; coturn \\(external-ip\\), LiveKit \\(node_ip\\) and Jitsi`,
    ),
    fix: /the router's WAN address; the Docker host's address behind the router goes into network\.lanIp/,
    fixed: {},
  })),
  {
    name: "a public IP with a port",
    stack: "medex",
    changes: net({ publicIp: "203.0.113.30:3478" }),
    key: k("network.publicIp"),
    message: /'203\.0\.113\.30:3478' is not an IPv4 address/,
    fix: /dotted address like 203\.0\.113\.10/,
    fixed: {},
  },
  {
    name: "a public IPv6 address (the stack announces IPv4)",
    stack: "medex",
    changes: net({ publicIp: "2001:db8::30" }),
    key: k("network.publicIp"),
    message: /is not an IPv4 address/,
    fix: /dotted address/,
    fixed: {},
  },
  {
    name: "a LAN IP equal to the public IP",
    stack: "pro-dukt",
    changes: net({ lanIp: "203.0.113.20" }),
    key: k("network.lanIp"),
    message:
      /is the public IP 203\.0\.113\.20; coturn would announce external-ip=203\.0\.113\.20\/203\.0\.113\.20/,
    fix: /remove network\.lanIp when the Docker host holds the public address itself/,
    fixed: { network: { lanIp: null, lanAccess: null } },
  },
  {
    name: "a loopback LAN IP",
    stack: "pro-dukt",
    changes: net({ lanIp: "127.0.0.1" }),
    key: k("network.lanIp"),
    message:
      /'127\.0\.0\.1' is a loopback \(127\.0\.0\.0\/8\) address, not one a host on the network can be reached at/,
    fix: /the host's address on the LAN/,
    fixed: {},
  },
  {
    name: "a router forward written with a colon",
    stack: "moda1",
    changes: net({ routerForwards: ["tcp/80", "tcp/443", "udp:3478", "tcp/3478", "udp/49160-49200"] }),
    key: k("network.routerForwards"),
    message: /entry 'udp:3478' is not a port forward/,
    fix: /udp\/49160-49200 or tcp\/443/,
    fixed: {},
  },
  {
    name: "a router forward of a protocol the stack does not use",
    stack: "moda1",
    changes: net({
      routerForwards: ["tcp/80", "tcp/443", "udp/3478", "tcp/3478", "udp/49160-49200", "sctp/5000"],
    }),
    key: k("network.routerForwards"),
    message: /entry 'sctp\/5000' is not a port forward/,
    fix: /udp\/49160-49200 or tcp\/443/,
    fixed: {},
  },
  {
    name: "a relay range the router does not forward",
    stack: "medex",
    changes: net({
      routerForwards: ["tcp/80", "tcp/443", "udp/3478", "tcp/3478", "tcp/7881", "udp/50100-50200"],
    }),
    key: k("network.routerForwards"),
    message: /udp\/49160-49200 \(coturn: relayed media .*\) is not forwarded by the router/,
    fix: /forward udp\/49160-49200 to 192\.0\.2\.40 on the router/,
    fixed: {},
  },
  {
    name: "a misspelt network key",
    stack: "medex",
    changes: net({ publicIP: "203.0.113.30" }),
    key: k("network.publicIP"),
    message: /is not a setting matrix-fleet knows/,
    fix: /did you mean 'network\.publicIp'\?/,
    fixed: {},
  },
];

/** The port plan. */
const PORT_CASES: BadCase[] = [
  {
    name: "TURN over TLS on 443 (blamed on ports.turnTls, with a port that works)",
    stack: "produktor",
    changes: { ports: { turnTls: 443 } },
    key: k("ports.turnTls"),
    message:
      /443 is coturn's TURN-over-TLS listener \(turns:\), but the router forwards tcp\/443 to Nginx Proxy Manager/,
    fix: /set ports\.turnTls to 5349 \(the default\)/,
    fixed: { ports: { turnTls: 5349 } },
  },
  {
    name: "the TURN listener on 443",
    stack: "moda1",
    changes: { ports: { turn: 443 } },
    key: k("ports.turn"),
    message: /443 is coturn's STUN\/TURN listener, but the router forwards tcp\/443/,
    fix: /set ports\.turn to 3478/,
    fixed: { ports: { turn: 3478 } },
  },
  {
    name: "the TURN listener on 80",
    stack: "moda1",
    changes: { ports: { turn: 80 } },
    key: k("ports.turn"),
    message: /80 is coturn's STUN\/TURN listener, but the router forwards tcp\/80 to Nginx Proxy Manager/,
    fix: /set ports\.turn to 3478/,
    fixed: { ports: { turn: 3478 } },
  },
  {
    name: "LiveKit's ICE/TCP port on 443",
    stack: "pro-dukt",
    changes: { ports: { livekitTcp: 443 } },
    key: k("ports.livekitTcp"),
    message: /443 is LiveKit's ICE\/TCP port, but the router forwards tcp\/443/,
    fix: /set ports\.livekitTcp to 7881/,
    fixed: { ports: { livekitTcp: 7881 } },
  },
  {
    name: "LiveKit's media range over coturn's relay range",
    stack: "produktor",
    changes: { ports: { livekitUdp: "49190-49300" } },
    key: k("ports.livekitUdp"),
    message: /LiveKit media range \(udp\/49190-49300\) overlaps coturn relay range \(udp\/49160-49200/,
    fix: /give each service its own ports/,
    fixed: {},
  },
  {
    name: "the videobridge inside LiveKit's range",
    stack: "produktor",
    changes: { ports: { jvb: 50150 } },
    key: k("ports.jvb"),
    message: /Jitsi videobridge \(udp\/50150\) overlaps LiveKit media range/,
    fix: /give each service its own ports/,
    fixed: {},
  },
  {
    name: "Element Web on Synapse's host port",
    stack: "moda1",
    changes: { ports: { elementWeb: 8008 } },
    key: k("ports.elementWeb"),
    message: /Element Web \(tcp\/8008\) overlaps Synapse \(tcp\/8008/,
    fix: /give each service its own ports/,
    fixed: {},
  },
  {
    name: "a reversed relay range",
    stack: "moda1",
    changes: { ports: { turnRelay: "49200-49160" } },
    key: k("ports.turnRelay"),
    message: /must be a port range like 49160-49200/,
    fix: /"<start>-<end>"/,
    fixed: {},
  },
  {
    name: "a port above 65535",
    stack: "produktor",
    changes: { ports: { jvb: 70000 } },
    key: k("ports.jvb"),
    message: /must be a whole number from 1 to 65535, got number 70000/,
    fix: /a number in range/,
    fixed: {},
  },
  {
    name: "a relay range smaller than one user's quota",
    stack: "moda1",
    changes: { ports: { turnRelay: "49160-49165" } },
    key: k("turn.userQuota"),
    message: /one TURN credential may hold 12 allocations, and coturn grants 6 in all/,
    fix: /keep user-quota below the 6 relays .* or widen ports\.turnRelay/,
    fixed: {},
  },
];

/** Federation, images and the Docker host. */
const FLEET_CASES: BadCase[] = [
  {
    name: "a stack listing its own server name as a peer",
    stack: "produktor",
    changes: { federation: { peers: ["pro-dukt.de", "medex-pflegedienst.de", "produktor.io"] } },
    key: k("federation.peers"),
    message: /lists this stack's own server name produktor\.io/,
    fix: /list only other organisations/,
    fixed: {},
  },
  {
    name: "a peer listed twice",
    stack: "produktor",
    changes: { federation: { peers: ["pro-dukt.de", "medex-pflegedienst.de", "pro-dukt.de"] } },
    key: k("federation.peers"),
    message: /lists pro-dukt\.de twice/,
    fix: /remove the duplicate/,
    fixed: {},
  },
  {
    name: "a peer that is no stack of the fleet",
    stack: "moda1",
    changes: { federation: { peers: ["matrix.org"] } },
    key: k("federation.peers"),
    message: /peer matrix\.org is not a stack of this fleet/,
    fix: /add a stack for matrix\.org, or remove it from federation\.peers/,
    fixed: {},
  },
  {
    name: "a peer that does not list this stack back",
    stack: "moda1",
    changes: { federation: { peers: ["produktor.io"] } },
    key: k("federation.peers"),
    message:
      /moda1\.uk \(stack moda1\) federates with produktor\.io, but produktor\.io does not list moda1\.uk/,
    fix: /add moda1\.uk to federation\.peers of stack produktor, or remove produktor\.io from stack moda1/,
    fixed: {},
  },
  {
    name: "a federating stack without MatrixRTC: its users only listen in its peers' calls",
    stack: "pro-dukt",
    changes: { components: { matrixRtc: false } },
    key: k("federation.peers"),
    message:
      /pro-dukt\.de \(stack pro-dukt\) has no MatrixRTC of its own \(components\.matrixRtc is off\): its users can join produktor\.io's Element Call calls but only listen/,
    fix: /turn components\.matrixRtc on in stack pro-dukt .*or stop federating: remove pro-dukt\.de from federation\.peers of stack produktor/,
    fixed: {},
  },
  {
    name: "an image on a moving tag",
    stack: "produktor",
    changes: { images: { livekit: "livekit/livekit-server:latest" } },
    key: k("images.livekit"),
    message: /is not pinned to a version/,
    fix: /explicit version tag or digest/,
    fixed: {},
  },
  {
    name: "an image without a tag",
    stack: "moda1",
    changes: { images: { coturn: "coturn/coturn" } },
    key: k("images.coturn"),
    message: /'coturn\/coturn' is not pinned to a version/,
    fix: /explicit version tag or digest/,
    fixed: {},
  },
  {
    name: "an image reference with a space",
    stack: "moda1",
    changes: { images: { synapse: "matrixdotorg/synapse v1.157.1" } },
    key: k("images.synapse"),
    message: /'matrixdotorg\/synapse v1\.157\.1' is not an image reference Docker can pull/,
    fix: /repository:tag, e\.g\. matrixdotorg\/synapse:v1\.157\.1/,
    fixed: {},
  },
  {
    name: "an image repository in capitals",
    stack: "moda1",
    changes: { images: { synapse: "MatrixDotOrg/synapse:v1.157.1" } },
    key: k("images.synapse"),
    message: /is not an image reference Docker can pull/,
    fix: /repository in lower case/,
    fixed: {},
  },
  {
    name: "Docker's plain TCP API as the Docker host",
    stack: "medex",
    changes: { docker: { host: "tcp://192.0.2.40:2375" } },
    key: k("docker.host"),
    message: /is Docker's plain TCP API: .*gives root on the host to anyone who reaches it/,
    fix: /use ssh:\/\/user@host/,
    fixed: {},
  },
  {
    name: "a Docker host without a scheme",
    stack: "medex",
    changes: { docker: { host: "/var/run/docker.sock" } },
    key: k("docker.host"),
    message: /is not a Docker host address/,
    fix: /unix:\/\/\/var\/run\/docker\.sock or ssh:\/\/user@host/,
    fixed: {},
  },
  {
    name: "SSH options for a local socket",
    stack: "medex",
    changes: { docker: { host: "unix:///var/run/docker.sock", sshOpts: ["-p", "2222"] } },
    key: k("docker.sshOpts"),
    message: /is set, but docker\.host 'unix:\/\/\/var\/run\/docker\.sock' is no ssh:\/\/ address/,
    fix: /remove docker\.sshOpts, or set docker\.host to ssh:\/\/user@host/,
    fixed: { docker: { host: "ssh://deploy@192.0.2.40", sshOpts: ["-p", "2222"] } },
  },
];

/** Nginx Proxy Manager. */
const PROXY_CASES: BadCase[] = [
  {
    name: "a forward host with a scheme and a port",
    stack: "produktor",
    changes: { proxy: { forwardHost: "http://192.0.2.10:8008" } },
    key: k("proxy.forwardHost"),
    message: /'http:\/\/192\.0\.2\.10:8008' is not a bare address: NPM writes it into forward_host/,
    fix: /set it to 192\.0\.2\.10$/,
    fixed: { proxy: { forwardHost: "192.0.2.10" } },
  },
  {
    name: "a forward host with a port",
    stack: "produktor",
    changes: { proxy: { forwardHost: "192.0.2.10:8008" } },
    key: k("proxy.forwardHost"),
    message: /is not a bare address/,
    fix: /set it to 192\.0\.2\.10$/,
    fixed: { proxy: { forwardHost: "192.0.2.10" } },
  },
  {
    name: "a loopback forward host",
    stack: "medex",
    changes: { proxy: { forwardHost: "127.0.0.1" } },
    key: k("proxy.forwardHost"),
    message: /is a loopback or unspecified address: Nginx Proxy Manager runs in its own container/,
    fix: /the Docker host's LAN address \(network\.lanIp\), which is the default/,
    fixed: {},
  },
  {
    name: "localhost as forward host",
    stack: "medex",
    changes: { proxy: { forwardHost: "localhost" } },
    key: k("proxy.forwardHost"),
    message: /'localhost' is a loopback or unspecified address/,
    fix: /network\.lanIp/,
    fixed: {},
  },
  {
    name: "an NPM URL without a scheme",
    stack: "moda1",
    changes: { proxy: { npmUrl: "198.51.100.41:81" } },
    key: k("proxy.npmUrl"),
    message: /is not an http\(s\) URL/,
    fix: /http:\/\/192\.0\.2\.20:81/,
    fixed: {},
  },
  {
    name: "an unspecified proxy LAN address",
    stack: "moda1",
    changes: { proxy: { lanIp: "0.0.0.0" } },
    key: k("proxy.lanIp"),
    message: /'0\.0\.0\.0' is a 'this network'/,
    fix: /the host's address on the LAN/,
    fixed: {},
  },
  {
    name: "a certificate that is neither new nor an id",
    stack: "moda1",
    changes: { proxy: { certificate: "letsencrypt" } },
    key: k("proxy.certificate"),
    message: /must be "new" .* or the id of an existing NPM certificate/,
    fix: /set it to new or to a certificate id/,
    fixed: {},
  },
  {
    name: "an e-mail address without a domain",
    stack: "moda1",
    changes: { proxy: { letsencryptEmail: "admin" } },
    key: k("proxy.letsencryptEmail"),
    message: /'admin' is not an e-mail address on a domain name/,
    fix: /a real mailbox on a public domain/,
    fixed: {},
  },
  {
    name: "a body size of 0 (nginx: no limit)",
    stack: "moda1",
    changes: { proxy: { clientMaxBodySize: "0" } },
    key: k("proxy.clientMaxBodySize"),
    message: /'0' switches nginx's body size check off/,
    fix: /50M/,
    fixed: {},
  },
  {
    name: "a body size in a unit nginx does not read",
    stack: "moda1",
    changes: { proxy: { clientMaxBodySize: "50MB" } },
    key: k("proxy.clientMaxBodySize"),
    message: /'50MB' is not a size/,
    fix: /K, M or G suffix, e\.g\. 50M/,
    fixed: {},
  },
  {
    name: "a proxy body limit below Synapse's upload limit",
    stack: "produktor",
    changes: { synapse: { maxUploadSize: "100M" } },
    key: k("proxy.clientMaxBodySize"),
    message: /the proxy accepts bodies up to 50M but Synapse accepts uploads up to 100M/,
    fix: /at least synapse\.maxUploadSize/,
    fixed: { synapse: { maxUploadSize: "100M" }, proxy: { clientMaxBodySize: "100M" } },
  },
  {
    name: "the NPM admin password in clear text",
    stack: "moda1",
    changes: { npmSecret: "hunter2hunter2" },
    key: k("npmSecret"),
    message: /is in clear text in Pulumi\.moda1\.yaml/,
    fix: /pulumi config set --secret npmSecret --stack moda1/,
    fixed: {},
    // The engine hands the program secrets decrypted; the program checks the file itself (program.test.ts).
    engine: false,
  },
];

/** Values that mean nothing, or something else, to Synapse, coturn and Jitsi. */
const SERVICE_CASES: BadCase[] = [
  {
    name: "a TURN credential lifetime of 0 (Synapse then hands out no TURN at all)",
    stack: "moda1",
    changes: { synapse: { turnUserLifetime: "0" } },
    key: k("synapse.turnUserLifetime"),
    message:
      /'0' is zero, and Synapse then hands out no TURN servers at all \(\/voip\/turnServer answers \{\}\)/,
    fix: /e\.g\. 1h/,
    fixed: {},
  },
  {
    name: "a TURN credential lifetime without a unit (milliseconds to Synapse)",
    stack: "moda1",
    changes: { synapse: { turnUserLifetime: "3600" } },
    key: k("synapse.turnUserLifetime"),
    message: /'3600' has no unit, and Synapse reads a number without one as milliseconds \(3600 ms\)/,
    fix: /for seconds write 3600s/,
    fixed: { synapse: { turnUserLifetime: "3600s" } },
  },
  {
    name: "a duration in milliseconds (Synapse knows no ms suffix)",
    stack: "moda1",
    changes: { synapse: { turnUserLifetime: "500ms" } },
    key: k("synapse.turnUserLifetime"),
    message: /'500ms' is not a duration Synapse reads/,
    fix: /s, m, h, d, w or y/,
    fixed: {},
  },
  {
    name: "a maximum event delay of 0 (Synapse refuses to start)",
    stack: "medex",
    changes: { synapse: { maxEventDelayDuration: "0" } },
    key: k("synapse.maxEventDelayDuration"),
    message:
      /'0' is zero, and Synapse refuses to start \('max_event_delay_duration' must be a positive value if set\)/,
    fix: /e\.g\. 1h/,
    fixed: {},
  },
  {
    name: "an upload limit of 0",
    stack: "moda1",
    changes: { synapse: { maxUploadSize: "0" } },
    key: k("synapse.maxUploadSize"),
    message: /'0' lets nobody upload anything/,
    fix: /50M/,
    fixed: {},
  },
  {
    name: "an admin contact that is no URI",
    stack: "moda1",
    changes: { synapse: { adminContact: "admin@moda1.uk" } },
    key: k("synapse.adminContact"),
    message: /'admin@moda1\.uk' is not a contact URI/,
    fix: /write it as mailto:admin@moda1\.uk/,
    fixed: { synapse: { adminContact: "mailto:admin@moda1.uk" } },
  },
  {
    name: "open registration without verification (Synapse refuses to start)",
    stack: "medex",
    changes: { synapse: { enableRegistration: true } },
    key: k("synapse.enableRegistration"),
    message: /open registration without any verification .*: Synapse refuses to start/,
    fix: /overrides\.synapse\.registration_requires_token: true/,
    fixed: {
      synapse: { enableRegistration: true },
      overrides: { synapse: { registration_requires_token: true } },
    },
  },
  {
    name: "a boolean written as yes",
    stack: "medex",
    changes: { synapse: { urlPreviews: "yes" } },
    key: k("synapse.urlPreviews"),
    message: /must be true or false, got string "yes"/,
    fix: /true or false/,
    fixed: { synapse: { urlPreviews: true } },
  },
  {
    name: "a relative TURN certificate path (a bind mount Docker refuses during up)",
    stack: "produktor",
    changes: { turn: { certFile: "certs/turn.produktor.io/fullchain.pem" } },
    key: k("turn.certFile"),
    message:
      /is not an absolute path on the Docker host; Docker refuses a relative bind mount source, and only during pulumi up/,
    fix: /\/etc\/matrix-fleet\/tls\/<TURN host>\/fullchain\.pem/,
    fixed: { turn: { certFile: "/etc/matrix-fleet/tls/turn.produktor.io/fullchain.pem" } },
  },
  {
    name: "a TURN key path with ..",
    stack: "produktor",
    changes: { turn: { keyFile: "/etc/letsencrypt/../keys/privkey.pem" } },
    key: k("turn.keyFile"),
    message:
      /'\/etc\/letsencrypt\/\.\.\/keys\/privkey\.pem' is not written as Docker and coturn see it: it is \/etc\/keys\/privkey\.pem/,
    fix: /write it as \/etc\/keys\/privkey\.pem/,
    fixed: { turn: { keyFile: "/etc/matrix-fleet/tls/turn.produktor.io/privkey.pem" } },
  },
  {
    name: "coturn's TLS files straight from certbot's tree (symlinks, a key only root reads)",
    stack: "produktor",
    changes: {
      turn: {
        certFile: "/etc/letsencrypt/live/turn.produktor.io/fullchain.pem",
        keyFile: "/etc/letsencrypt/live/turn.produktor.io/privkey.pem",
      },
    },
    key: k("turn.keyFile"),
    message:
      /'\/etc\/letsencrypt\/live\/turn\.produktor\.io\/privkey\.pem' is in certbot's tree: .*coturn runs as nobody:nogroup \(65534\).*keeps running without its TLS listener/,
    fix: /certbot deploy hook .* \/etc\/matrix-fleet\/tls\/turn\.produktor\.io\/ .*summary\.md/,
    fixed: {
      turn: {
        certFile: "/etc/matrix-fleet/tls/turn.produktor.io/fullchain.pem",
        keyFile: "/etc/matrix-fleet/tls/turn.produktor.io/privkey.pem",
      },
    },
  },
  {
    name: "a per-user TURN quota above the total",
    stack: "moda1",
    changes: { turn: { userQuota: 2000 } },
    key: k("turn.userQuota"),
    message: /2000 is more than turn\.totalQuota 1200/,
    fix: /smaller than turn\.totalQuota/,
    fixed: {},
  },
  {
    name: "a per-user TURN quota of 0",
    stack: "moda1",
    changes: { turn: { userQuota: 0 } },
    key: k("turn.userQuota"),
    message: /must be a whole number from 1 to 100000, got number 0/,
    fix: /a number in range/,
    fixed: {},
  },
  ...(
    [
      ["CET+1", /'CET\+1' is not an IANA time zone name/, /Europe\/Berlin or UTC/],
      ["Berlin", /'Berlin' is not an IANA time zone name/, /Europe\/Berlin or UTC/],
      ["+01:00", /'\+01:00' is not an IANA time zone name/, /Europe\/Berlin or UTC/],
      [
        "europe/berlin",
        /'europe\/berlin' is written in other capitals than the tz database's 'Europe\/Berlin'/,
        /write it as Europe\/Berlin/,
      ],
    ] as const
  ).map(([zone, message, fix]): BadCase => ({
    name: `a Jitsi time zone '${zone}'`,
    stack: "produktor",
    changes: { jitsi: { timezone: zone } },
    key: k("jitsi.timezone"),
    message,
    fix,
    fixed: {},
  })),
  {
    name: "Jitsi guests switched off while anyone can host",
    stack: "produktor",
    changes: { jitsi: { enableGuests: false } },
    key: k("jitsi.enableGuests"),
    message: /is false, but with jitsi\.enableAuth false there are no guests to refuse/,
    fix: /turn jitsi\.enableAuth on to restrict who hosts/,
    fixed: { jitsi: { enableAuth: true, enableGuests: false } },
  },
  {
    name: "a rotation group that does not exist",
    stack: "moda1",
    changes: { secretRotation: { postgres: "2" } },
    key: k("secretRotation.postgres"),
    message: /is not a setting matrix-fleet knows/,
    fix: /known here: turn, livekit, synapse, jitsi/,
    fixed: {},
  },
  {
    name: "an adopted volume given as a relative path",
    stack: "medex",
    changes: { adopt: { volumes: { postgresData: "./postgres" } } },
    key: k("adopt.volumes.postgresData"),
    message: /'\.\/postgres' is neither a Docker volume name nor an absolute host directory/,
    fix: /docker volume ls/,
    fixed: {},
  },
  {
    name: "an adopted secret in clear text",
    stack: "moda1",
    changes: { adoptedSecrets: { macaroon_secret_key: "in-the-clear" } },
    key: k("adoptedSecrets.macaroon_secret_key"),
    message: /is not encrypted \(got clear text\)/,
    fix: /pulumi config set --stack moda1 --secret/,
    fixed: {},
    engine: false,
  },
];

/** Expert overrides: judged on the documents they produce, so none gets past a check the keys would meet. */
const OVERRIDE_CASES: BadCase[] = [
  {
    name: "an override that empties the federation whitelist",
    stack: "produktor",
    changes: { overrides: { synapse: { federation_domain_whitelist: [] } } },
    key: k("overrides.synapse.federation_domain_whitelist"),
    message:
      /federation_domain_whitelist is empty, so Synapse federates with nobody, while federation\.peers lists pro-dukt\.de, medex-pflegedienst\.de/,
    fix: /drop the override and set federation\.peers/,
    fixed: {},
  },
  {
    name: "an override that extends the federation whitelist",
    stack: "produktor",
    changes: {
      overrides: {
        synapse: { federation_domain_whitelist: ["pro-dukt.de", "medex-pflegedienst.de", "matrix.org"] },
      },
    },
    key: k("overrides.synapse.federation_domain_whitelist"),
    message: /adds matrix\.org, which federation\.peers does not list/,
    fix: /set federation\.peers/,
    fixed: {},
  },
  {
    name: "an override that removes the federation whitelist (open federation)",
    stack: "moda1",
    changes: { overrides: { synapse: { federation_domain_whitelist: null } } },
    key: k("overrides.synapse.federation_domain_whitelist"),
    message: /federates with every server on the internet/,
    fix: /set federation\.peers instead/,
    fixed: {},
  },
  {
    name: "an override moving LiveKit's UDP range onto coturn's relay range",
    stack: "pro-dukt",
    changes: { overrides: { livekit: { rtc: { port_range_start: 49180, port_range_end: 49260 } } } },
    key: k("overrides.livekit.rtc.port_range_start"),
    message:
      /LiveKit media range \(udp\/49180-49260\) overlaps coturn relay range \(udp\/49160-49200, matrix-fleet:ports\.turnRelay\)/,
    fix: /give each service its own ports/,
    fixed: {},
  },
  {
    name: "an override narrowing coturn's relay range",
    stack: "moda1",
    changes: { overrides: { coturn: { "max-port": 49180 } } },
    key: k("overrides.coturn.max-port"),
    message: /moves coturn relay range to udp\/49160-49180, but ports\.turnRelay says udp\/49160-49200/,
    fix: /drop the override and set ports\.turnRelay: 49160-49180 instead/,
    fixed: { ports: { turnRelay: "49160-49180" } },
  },
  {
    name: "an override moving coturn's listener away from the TURN URIs' port",
    stack: "medex",
    changes: { overrides: { coturn: { "listening-port": 3479 } } },
    key: k("overrides.coturn.listening-port"),
    message: /moves coturn listener to udp\/3479, but ports\.turn says udp\/3478/,
    fix: /set ports\.turn: 3479 instead/,
    fixed: {},
  },
  {
    name: "an override moving Synapse's listener away from the proxy's forward port",
    stack: "moda1",
    changes: {
      overrides: {
        synapse: {
          listeners: [
            {
              port: 8009,
              type: "http",
              x_forwarded: true,
              bind_addresses: ["0.0.0.0"],
              resources: [{ names: ["client", "federation"] }],
            },
          ],
        },
      },
    },
    key: k("overrides.synapse.listeners"),
    message: /moves Synapse to tcp\/8009, but ports\.synapse says tcp\/8008/,
    fix: /set ports\.synapse: 8009 instead/,
    fixed: {},
  },
  {
    name: "an override with a relay port that is no number",
    stack: "moda1",
    changes: { overrides: { coturn: { "min-port": "low" } } },
    key: k("overrides.coturn.min-port"),
    message: /makes coturn relay range 'low-49200', which is not a port or range of ports/,
    fix: /drop the override; ports\.turnRelay sets this port/,
    fixed: {},
  },
  {
    name: "an override switching coturn's denied-peer-ip off (SSRF protection)",
    stack: "moda1",
    changes: { overrides: { coturn: { "denied-peer-ip": false } } },
    key: k("overrides.coturn.denied-peer-ip"),
    message:
      /coturn would relay to every private and special range: denied-peer-ip is what keeps a TURN credential from being a way into the Docker host's networks/,
    fix: /drop the override/,
    fixed: {},
  },
  {
    name: "an override shortening coturn's denied-peer-ip",
    stack: "medex",
    changes: { overrides: { coturn: { "denied-peer-ip": ["10.0.0.0-10.255.255.255"] } } },
    key: k("overrides.coturn.denied-peer-ip"),
    message: /coturn would relay to 192\.168\.0\.0-192\.168\.255\.255, 172\.16\.0\.0-172\.31\.255\.255/,
    fix: /drop the override/,
    fixed: {},
  },
  {
    name: "an override allowing a private range as peer",
    stack: "medex",
    changes: { overrides: { coturn: { "allowed-peer-ip": "192.168.0.0-192.168.255.255" } } },
    key: k("overrides.coturn.allowed-peer-ip"),
    message: /allowed-peer-ip 192\.168\.0\.0-192\.168\.255\.255 re-opens what denied-peer-ip closes/,
    fix: /only the TURN server's own address \(192\.0\.2\.40\) is allowed/,
    fixed: {},
  },
  {
    name: "an override allowing multicast peers",
    stack: "moda1",
    changes: { overrides: { coturn: { "no-multicast-peers": false } } },
    key: k("overrides.coturn.no-multicast-peers"),
    message: /no-multicast-peers is off: coturn would relay to multicast addresses/,
    fix: /no-multicast-peers stays on/,
    fixed: {},
  },
  {
    name: "an override allowing TCP relays",
    stack: "moda1",
    changes: { overrides: { coturn: { "no-tcp-relay": false } } },
    key: k("overrides.coturn.no-tcp-relay"),
    message: /no-tcp-relay is off: coturn would open TCP connections for clients/,
    fix: /no-tcp-relay stays on/,
    fixed: {},
  },
  {
    name: "an override switching off TURN REST credentials",
    stack: "moda1",
    changes: { overrides: { coturn: { "use-auth-secret": false } } },
    key: k("overrides.coturn.use-auth-secret"),
    message: /use-auth-secret is off: coturn would not accept the TURN REST credentials Synapse hands out/,
    fix: /use-auth-secret stays on/,
    fixed: {},
  },
  {
    name: "an override announcing a private address as coturn's external-ip",
    stack: "moda1",
    changes: { overrides: { coturn: { "external-ip": "10.0.0.40" } } },
    key: k("overrides.coturn.external-ip"),
    message: /coturn's external-ip '10\.0\.0\.40' is not the public IP 198\.51\.100\.40/,
    fix: /matrix-fleet writes external-ip=198\.51\.100\.40 from network\.publicIp/,
    fixed: {},
  },
  {
    name: "an override mapping coturn's public IP onto another LAN address",
    stack: "pro-dukt",
    changes: { overrides: { coturn: { "external-ip": "203.0.113.20/192.0.2.99" } } },
    key: k("overrides.coturn.external-ip"),
    message:
      /maps the public IP onto another address than the Docker host's \(203\.0\.113\.20\/192\.0\.2\.30\)/,
    fix: /drop the override/,
    fixed: {},
  },
  {
    name: "an override moving coturn's external-ip away from LiveKit's node_ip",
    stack: "produktor",
    changes: { overrides: { coturn: { "external-ip": "198.51.100.99" } } },
    key: k("overrides.coturn.external-ip"),
    message: /LiveKit node_ip '203\.0\.113\.10' differs from coturn external-ip '198\.51\.100\.99'/,
    fix: /both use network\.publicIp/,
    fixed: {},
  },
  {
    name: "an override letting one credential take every relay",
    stack: "moda1",
    changes: { overrides: { coturn: { "user-quota": 100 } } },
    key: k("overrides.coturn.user-quota"),
    message: /one TURN credential may hold 100 allocations, and coturn grants 41 in all/,
    fix: /keep user-quota below the 41 relays/,
    fixed: {},
  },
  {
    name: "an override with a total quota that is no number",
    stack: "moda1",
    changes: { overrides: { coturn: { "total-quota": "lots" } } },
    key: k("overrides.coturn.total-quota"),
    message: /total-quota is not a whole number/,
    fix: /set turn\.totalQuota and turn\.userQuota/,
    fixed: {},
  },
  {
    name: "an override mixing lt-cred-mech with use-auth-secret",
    stack: "moda1",
    changes: { overrides: { coturn: { "lt-cred-mech": true } } },
    key: k("overrides.coturn.lt-cred-mech"),
    message: /Cannot find credentials/,
    fix: /remove lt-cred-mech/,
    fixed: {},
  },
  {
    name: "an override drifting coturn's secret from Synapse's",
    stack: "produktor",
    changes: { overrides: { coturn: { "static-auth-secret": "something-else" } } },
    key: k("overrides.coturn.static-auth-secret"),
    message: /every TURN allocation gets 401/,
    fix: /one generated secret/,
    fixed: {},
  },
  {
    name: "an override handing out TURN URIs on 443",
    stack: "produktor",
    changes: { overrides: { synapse: { turn_uris: ["turn:turn.produktor.io:443?transport=tcp"] } } },
    key: k("overrides.synapse.turn_uris"),
    message: /uses port 443: 80\/443 belong to the reverse proxy/,
    fix: /drop the override: matrix-fleet writes turn_uris on coturn's own ports/,
    fixed: {},
  },
  {
    name: "an override dropping the openid/federation listener resource",
    stack: "produktor",
    changes: {
      overrides: {
        synapse: {
          listeners: [{ port: 8008, type: "http", x_forwarded: true, resources: [{ names: ["client"] }] }],
        },
      },
    },
    key: k("overrides.synapse.listeners"),
    message: /lk-jwt-service cannot validate users/,
    fix: /add 'openid' or 'federation'/,
    fixed: {},
  },
  {
    name: "an override switching URL previews on without the IP blacklist",
    stack: "moda1",
    changes: { overrides: { synapse: { url_preview_enabled: true } } },
    key: k("overrides.synapse.url_preview_ip_range_blacklist"),
    message: /URL previews are on without url_preview_ip_range_blacklist: Synapse refuses to start/,
    fix: /with synapse\.urlPreviews matrix-fleet writes the list/,
    fixed: { synapse: { urlPreviews: true } },
  },
  {
    name: "an override changing the server name",
    stack: "moda1",
    changes: { overrides: { synapse: { server_name: "markets.moda1.uk" } } },
    key: k("overrides.synapse.server_name"),
    message: /a server name can never change after the first start/,
    fix: /set serverName instead/,
    fixed: {},
  },
  {
    name: "an override letting any token holder create LiveKit rooms",
    stack: "medex",
    changes: { overrides: { livekit: { room: { auto_create: true } } } },
    key: k("overrides.livekit.room.auto_create"),
    message: /room\.auto_create is not false/,
    fix: /set room\.auto_create to false/,
    fixed: {},
  },
  {
    name: "an override with a key LiveKit's strict parser refuses",
    stack: "medex",
    changes: { overrides: { livekit: { rtc: { node_ipp: "203.0.113.30" } } } },
    key: k("overrides.livekit.rtc.node_ipp"),
    message: /strict parser refuses to start/,
    fix: /remove or correct it/,
    fixed: {},
  },
  {
    name: "an override handing clients an internal LiveKit URL",
    stack: "medex",
    changes: { overrides: { lkJwt: { LIVEKIT_URL: "ws://livekit:7880" } } },
    key: k("overrides.lkJwt.LIVEKIT_URL"),
    message: /is not the public wss:\/\/matrix-rtc\.medex-pflegedienst\.de\/livekit\/sfu/,
    fix: /drop the override/,
    fixed: {},
  },
  {
    name: "MatrixRTC without coturn: LiveKit's clients get no TURN path",
    stack: "pro-dukt",
    changes: { components: { coturn: false } },
    key: k("components.coturn"),
    message:
      /MatrixRTC is on but LiveKit hands its clients no TURN server \(coturn is off\): clients on networks that pass only TCP 443\/3478\/5349 and UDP 3478 .* join calls without media/,
    fix: /turn components\.coturn on .*rtc\.turn_servers/,
    fixed: {},
  },
  {
    name: "an override emptying LiveKit's TURN servers",
    stack: "medex",
    changes: { overrides: { livekit: { rtc: { turn_servers: [] } } } },
    key: k("overrides.livekit.rtc.turn_servers"),
    message: /rtc\.turn_servers is empty: LiveKit hands its clients no TURN server/,
    fix: /drop the override; matrix-fleet hands LiveKit's clients the organisation's coturn/,
    fixed: {},
  },
  {
    name: "an override handing LiveKit's clients another TURN server with static credentials",
    stack: "produktor",
    changes: {
      overrides: {
        livekit: {
          rtc: {
            turn_servers: [
              { host: "turn.example.org", port: 3478, protocol: "udp", username: "u", credential: "c" },
              { host: "turn.example.org", port: 3478, protocol: "tcp", username: "u", credential: "c" },
            ],
          },
        },
      },
    },
    key: k("overrides.livekit.rtc.turn_servers"),
    message:
      /rtc\.turn_servers\[0\] points at "turn\.example\.org", not this stack's coturn turn\.produktor\.io/,
    fix: /drop the override; matrix-fleet writes each entry from hosts\.turn, ports\.\* and the TURN secret/,
    fixed: {},
  },
  {
    name: "an override with a LiveKit TURN protocol LiveKit silently reads as TCP",
    stack: "medex",
    changes: {
      overrides: {
        livekit: {
          rtc: { turn_servers: [{ host: "turn.medex-pflegedienst.de", port: 3478, protocol: "UDP" }] },
        },
      },
    },
    key: k("overrides.livekit.rtc.turn_servers"),
    message: /has protocol "UDP": LiveKit turns anything but udp, tcp or tls into turn:\.\.\.\?transport=tcp/,
    fix: /drop the override/,
    fixed: {},
  },
  {
    name: "an override switching on LiveKit's built-in TURN over TLS (turns: on the proxy's 443)",
    stack: "medex",
    changes: {
      overrides: {
        livekit: { turn: { enabled: true, tls_port: 5350, domain: "turn.medex-pflegedienst.de" } },
      },
    },
    key: k("overrides.livekit.turn.tls_port"),
    message:
      /LiveKit's built-in TURN\/TLS hands its clients turns:turn\.medex-pflegedienst\.de:443 whatever tls_port says .* 443 belongs to the reverse proxy/,
    fix: /drop the override; LiveKit's clients get TURN over TLS from the organisation's coturn/,
    fixed: {},
  },
  {
    name: "an override letting LiveKit gather ICE candidates on Docker's bridge",
    stack: "pro-dukt",
    changes: { overrides: { livekit: { rtc: { ips: { includes: ["192.0.2.30/32", "172.17.0.0/16"] } } } } },
    key: k("overrides.livekit.rtc.ips.includes"),
    message:
      /rtc\.ips\.includes entry '172\.17\.0\.0\/16' lets LiveKit gather ICE candidates on a Docker bridge address \(Docker's default pool 172\.17\.0\.0\/16\)/,
    fix: /drop the override; matrix-fleet lets LiveKit gather only on 192\.0\.2\.30\/32/,
    fixed: {},
  },
  {
    name: "an override removing LiveKit's candidate address filter",
    stack: "produktor",
    changes: { overrides: { livekit: { rtc: { ips: null } } } },
    key: k("overrides.livekit.rtc.ips.includes"),
    message:
      /rtc\.ips\.includes is empty: on the host network LiveKit gathers ICE candidates on every interface, docker0/,
    fix: /only on 192\.0\.2\.10\/32 \(network\.lanIp, else network\.publicIp\)/,
    fixed: {},
  },
  {
    name: "an override filtering LiveKit's candidates by a bare address (LiveKit wants CIDRs)",
    stack: "medex",
    changes: { overrides: { livekit: { rtc: { ips: { includes: ["192.0.2.40"] } } } } },
    key: k("overrides.livekit.rtc.ips.includes"),
    message:
      /'192\.0\.2\.40' is not an IPv4 CIDR: LiveKit parses each entry with net\.ParseCIDR and refuses to start/,
    fix: /drop the override/,
    fixed: {},
  },
  {
    name: "an override lowering rc_message below what Element Call's key sharing needs",
    stack: "medex",
    changes: { overrides: { synapse: { rc_message: { per_second: 0.2 } } } },
    key: k("overrides.synapse.rc_message"),
    message:
      /rc_message is 0\.2\/s with a burst of 30, below the 0\.5\/s with a burst of 30 Element Call needs \(E2EE key sharing, which comes in bursts\)/,
    fix: /drop the override; matrix-fleet renders rc_message: \{per_second: 0\.5, burst_count: 30\} with MatrixRTC/,
    fixed: {},
  },
  {
    name: "an override removing rc_delayed_event_mgmt (Synapse's default burst of 5 drops office call members)",
    stack: "produktor",
    changes: {
      images: { lkJwt: "ghcr.io/element-hq/lk-jwt-service:0.5.0" },
      overrides: { synapse: { rc_delayed_event_mgmt: null } },
    },
    key: k("overrides.synapse.rc_delayed_event_mgmt"),
    message:
      /rc_delayed_event_mgmt is 1\/s with a burst of 5, below the 1\/s with a burst of 20 Element Call needs \(the call heartbeat.*\): call members, most of all several behind one address, get 429/,
    fix: /rc_delayed_event_mgmt: \{per_second: 1, burst_count: 20\}/,
    fixed: { images: { lkJwt: "ghcr.io/element-hq/lk-jwt-service:0.5.0" } },
  },
  {
    // Delegated leave (lk-jwt-service 0.6.0): every member's restart comes from lk-jwt-service's one address, without
    // a token, so Synapse limits them in one bucket (synapse/handlers/delayed_events.py _mgmt_ratelimit; lk-jwt-service
    // helper.go ExecuteDelayedEventAction sends no Authorization). 80 members each restarted every 8 s: 10/s.
    name: "release set: Element Call's rc_delayed_event_mgmt of 1/s with lk-jwt-service 0.6.0, which restarts every member's leave from one address",
    stack: "produktor",
    changes: { overrides: { synapse: { rc_delayed_event_mgmt: { per_second: 1, burst_count: 20 } } } },
    key: k("overrides.synapse.rc_delayed_event_mgmt"),
    message:
      /rc_delayed_event_mgmt is 1\/s with a burst of 20, below the 15\/s with a burst of 120 delegated leave needs \(lk-jwt-service 0\.6\.0 restarts the delayed leave event of each of 80 concurrent call members every 8 s without a token, all from its one address\)/,
    fix: /rc_delayed_event_mgmt: \{per_second: 15, burst_count: 120\} with MatrixRTC/,
    fixed: {},
  },
  {
    name: "an override putting Synapse's listener behind the proxy without x_forwarded",
    stack: "moda1",
    changes: {
      overrides: {
        synapse: {
          listeners: [
            {
              port: 8008,
              type: "http",
              bind_addresses: ["0.0.0.0"],
              resources: [{ names: ["client", "federation"] }],
            },
          ],
        },
      },
    },
    key: k("overrides.synapse.listeners"),
    message:
      /the listener on 8008, which the proxy forwards to, has no x_forwarded: true: Synapse takes the proxy's address for every client, so all users share one rate-limit bucket/,
    fix: /set x_forwarded: true on that listener/,
    fixed: {},
  },
  {
    name: "an override section that is a list",
    stack: "moda1",
    changes: { overrides: { synapse: ["enable_registration: true"] } },
    key: k("overrides.synapse"),
    message: /must be a map, got a list/,
    fix: /write it as a YAML map/,
    fixed: {},
  },
];

/**
 * The release set's compatibility rules (checks/release-compat.ts, issue #26): each a stack that overrides one image
 * (or key) to a version known not to work with the others, refused naming both versions and the fix; `fixed` is the
 * passing case. The facts behind each are in facts/compatibility.ts.
 */
const SYN = (version: string) => ({ images: { synapse: `matrixdotorg/synapse:v${version}` } });
const DIGEST = "a".repeat(64);
const RELEASE_CASES: BadCase[] = [
  {
    name: "release set: a Synapse pinned by digest alone (no version for the rules to read)",
    stack: "produktor",
    changes: { images: { synapse: `matrixdotorg/synapse@sha256:${DIGEST}` } },
    key: k("images.synapse"),
    message: /the version of 'matrixdotorg\/synapse@sha256:a+' cannot be read from its tag/,
    fix: /repo:v1\.2\.3@sha256:<digest>/,
    fixed: { images: { synapse: `matrixdotorg/synapse:v1.163.2@sha256:${DIGEST}` } },
  },
  {
    name: "release set: Synapse before native sliding sync (Element X)",
    stack: "moda1",
    changes: SYN("1.113.0"),
    key: k("images.synapse"),
    message:
      /Synapse 1\.113\.0 \(matrixdotorg\/synapse:v1\.113\.0\) is older than 1\.114\.0, from which native simplified sliding sync.*Element X refuses a server without it/,
    fix: /set images\.synapse to Synapse 1\.114\.0 or newer; the release set pins matrixdotorg\/synapse:v1\.163\.2/,
    fixed: SYN("1.114.0"),
  },
  {
    name: "release set: sliding sync turned off by override (Element X)",
    stack: "moda1",
    changes: { overrides: { synapse: { experimental_features: { msc3575_enabled: false } } } },
    key: k("overrides.synapse.experimental_features.msc3575_enabled"),
    message: /turns off simplified sliding sync \(MSC4186\): Element X/,
    fix: /drop the override/,
    fixed: {},
  },
  {
    name: "release set: MatrixRTC on a Synapse without matrix_rtc.transports",
    stack: "produktor",
    changes: SYN("1.139.0"),
    key: k("images.synapse"),
    message:
      /Synapse 1\.139\.0 .* older than 1\.140\.0, from which matrix_rtc\.transports .*Element X finds no MatrixRTC transport/,
    fix: /Synapse 1\.140\.0 or newer/,
    fixed: SYN("1.156.0"),
  },
  {
    name: "release set: MatrixRTC on a Synapse that limits delayed-event restarts per office address",
    stack: "pro-dukt",
    changes: SYN("1.155.0"),
    key: k("images.synapse"),
    message: /Synapse 1\.155\.0 .* older than 1\.156\.0, .*dropped with 429/,
    fix: /Synapse 1\.156\.0 or newer/,
    fixed: SYN("1.156.0"),
  },
  {
    name: "release set: lk-jwt-service 0.6.0 with a Synapse that wants a token on delayed-event restarts",
    stack: "produktor",
    changes: SYN("1.142.0"),
    key: k("images.synapse"),
    message:
      /lk-jwt-service 0\.6\.0 \(ghcr\.io\/element-hq\/lk-jwt-service:0\.6\.0\) restarts and sends .* without an access token, which Synapse 1\.142\.0 .* refuses: only from Synapse 1\.143\.0 on/,
    fix: /Synapse 1\.143\.0 or newer/,
    fixed: SYN("1.157.1"),
  },
  {
    name: "release set: sticky events (matrix_2_0 mode) with an lk-jwt-service without /get_token",
    stack: "produktor",
    changes: {
      images: { lkJwt: "ghcr.io/element-hq/lk-jwt-service:0.3.2" },
      overrides: { synapse: { experimental_features: { msc4354_enabled: true } } },
    },
    key: k("overrides.synapse.experimental_features.msc4354_enabled"),
    message:
      /Element Call offers its matrix_2_0 mode, whose token comes from \/get_token, which lk-jwt-service 0\.3\.2 .* does not serve/,
    fix: /lk-jwt-service 0\.4\.0 or newer/,
    fixed: { overrides: { synapse: { experimental_features: { msc4354_enabled: true } } } },
  },
  {
    name: "release set: sticky events on a Synapse that does not read them",
    stack: "moda1",
    changes: {
      ...SYN("1.147.0"),
      overrides: { synapse: { experimental_features: { msc4354_enabled: true } } },
    },
    key: k("overrides.synapse.experimental_features.msc4354_enabled"),
    message: /Synapse 1\.147\.0 .* does not read it: only from 1\.148\.0 on/,
    fix: /Synapse 1\.148\.0 or newer.*or drop the override/,
    fixed: { overrides: { synapse: { experimental_features: { msc4354_enabled: true } } } },
  },
  {
    name: "release set: experimental msc3861 on a Synapse that refuses it",
    stack: "moda1",
    changes: { overrides: { synapse: { experimental_features: { msc3861: { enabled: true } } } } },
    key: k("overrides.synapse.experimental_features.msc3861"),
    message:
      /Synapse 1\.163\.2 .* refuses to start: "experimental_features\.msc3861 was removed.*\(removed in 1\.157\.0\)/,
    fix: /matrix_authentication_service/,
    fixed: {},
  },
  {
    name: "release set: msc3266_enabled on a Synapse that serves room summaries stably",
    stack: "pro-dukt",
    changes: { overrides: { synapse: { experimental_features: { msc3266_enabled: true } } } },
    key: k("overrides.synapse.experimental_features.msc3266_enabled"),
    message: /ignores it: room summaries \(MSC3266\).*\(removed in 1\.153\.0\)/,
    fix: /drop the key/,
    fixed: {},
  },
  {
    name: "release set: a PostgreSQL major the pinned Synapse refuses",
    stack: "moda1",
    changes: { images: { postgres: "postgres:13.16-alpine" } },
    key: k("images.postgres"),
    message:
      /Synapse 1\.163\.2 .* refuses PostgreSQL 13\.16\.0 \(postgres:13\.16-alpine\): from Synapse 1\.143\.0 on, PostgreSQL must be 14 or newer/,
    fix: /major of 14 or newer.*dump and restore in docs\/upgrades\.md/,
    fixed: { images: { postgres: "postgres:14.19-alpine" } },
  },
  {
    name: "release set: a LiveKit that never answers Element Call's join",
    stack: "produktor",
    changes: { images: { livekit: "livekit/livekit-server:v1.9.9" } },
    key: k("images.livekit"),
    message:
      /LiveKit 1\.9\.9 .* older than 1\.10\.0, from which livekit-client 2\.18\.1 and newer .*Element Call cannot join calls/,
    fix: /LiveKit 1\.10\.0 or newer; the release set pins livekit\/livekit-server:v1\.13\.5/,
    fixed: { images: { livekit: "livekit/livekit-server:v1.10.0" } },
  },
  {
    name: "release set: LiveKit's webhook posted to an lk-jwt-service without /sfu_webhook",
    stack: "produktor",
    changes: {
      images: { lkJwt: "ghcr.io/element-hq/lk-jwt-service:0.5.0" },
      overrides: { livekit: { webhook: { urls: ["http://127.0.0.1:8082/sfu_webhook"] } } },
    },
    key: k("overrides.livekit.webhook.urls"),
    message:
      /LiveKit would post its participant events to http:\/\/127\.0\.0\.1:8082\/sfu_webhook, which lk-jwt-service 0\.5\.0 .* does not serve/,
    fix: /drop the override, or set images\.lkJwt to lk-jwt-service 0\.6\.0 or newer/,
    fixed: { images: { lkJwt: "ghcr.io/element-hq/lk-jwt-service:0.5.0" } },
  },
  {
    name: "release set: LiveKit's webhook overridden away from lk-jwt-service 0.6.0",
    stack: "pro-dukt",
    changes: { overrides: { livekit: { webhook: { urls: ["https://hooks.pro-dukt.de/livekit"] } } } },
    key: k("overrides.livekit.webhook.urls"),
    message:
      /does not include http:\/\/127\.0\.0\.1:8082\/sfu_webhook: lk-jwt-service 0\.6\.0 .* never learns that a member's client is gone/,
    fix: /drop the override/,
    fixed: {},
  },
  {
    name: "release set: LiveKit's webhook signed with a key lk-jwt-service does not verify",
    stack: "produktor",
    changes: { overrides: { livekit: { webhook: { api_key: "another-key" } } } },
    key: k("overrides.livekit.webhook.api_key"),
    message: /is not LiveKit's API key that lk-jwt-service verifies the webhook with/,
    fix: /drop the override/,
    fixed: {},
  },
];

/** The monitoring (issue #27): its durations, where alerts go, and what keeps metrics off the proxy. */
const MONITORING_CASES: BadCase[] = [
  {
    name: "a scrape interval without a unit (Prometheus reads none)",
    stack: "pro-dukt",
    changes: { monitoring: { scrapeInterval: "30" } },
    key: k("monitoring.scrapeInterval"),
    message: /'30' is not a Prometheus duration/,
    fix: /write a number with a unit \(ms, s, m, h, d, w, y\), e\.g\. 30s/,
    fixed: { monitoring: { scrapeInterval: "30s" } },
  },
  {
    name: "a probe interval of zero",
    stack: "medex",
    changes: { monitoring: { probe: { interval: "0s" } } },
    key: k("monitoring.probe.interval"),
    message: /'0s' is zero/,
    fix: /use a positive duration, e\.g\. 5m \(the default\)/,
    fixed: {},
  },
  {
    name: "a pending time for an alert that does not exist (a typo)",
    stack: "produktor",
    changes: { monitoring: { alertFor: { ServiceDwn: "5m" } } },
    key: k("monitoring.alertFor.ServiceDwn"),
    message: /is not a setting matrix-fleet knows/,
    fix: /did you mean 'monitoring\.alertFor\.ServiceDown'\?/,
    fixed: { monitoring: { alertFor: { ServiceDown: "5m" } } },
  },
  {
    name: "an alert room invitee of another server (the room is not federated)",
    stack: "produktor",
    changes: { monitoring: { alerts: { invite: ["@ops:pro-dukt.de"] } } },
    key: k("monitoring.alerts.invite"),
    message: /'@ops:pro-dukt\.de' is a user of pro-dukt\.de, but the alert room is not federated/,
    fix: /invite users of produktor\.io only/,
    fixed: { monitoring: { alerts: { invite: ["@ops:produktor.io"] } } },
  },
  {
    name: "an alert room invitee that is no user ID",
    stack: "moda1",
    changes: { monitoring: { alerts: { invite: ["ops"] } } },
    key: k("monitoring.alerts.invite"),
    message: /'ops' is no Matrix user ID/,
    fix: /@localpart:server\.name/,
    fixed: { monitoring: { alerts: { invite: ["@ops:moda1.uk"] } } },
  },
  {
    name: "an alert room alias with a colon",
    stack: "moda1",
    changes: { monitoring: { alerts: { matrixRoom: "#alerts:moda1.uk" } } },
    key: k("monitoring.alerts.matrixRoom"),
    message: /is no room alias localpart/,
    fix: /the part between # and : of the alias/,
    fixed: { monitoring: { alerts: { matrixRoom: "alerts" } } },
  },
  {
    name: "alerts delivered nowhere (no Matrix room, no e-mail)",
    stack: "medex",
    changes: { monitoring: { alerts: { matrix: false } } },
    key: k("monitoring.alerts.matrix"),
    message: /alerts would fire with nobody told/,
    fix: /set monitoring\.alerts\.email \(to, from, smarthost\)/,
    fixed: {
      monitoring: {
        alerts: {
          matrix: false,
          email: { to: "ops@medex.de", from: "alerts@medex.de", smarthost: "mail.medex.de:587" },
        },
      },
    },
  },
  {
    name: "e-mail delivery without its SMTP server",
    stack: "medex",
    changes: { monitoring: { alerts: { email: { to: "ops@medex.de", from: "alerts@medex.de" } } } },
    key: k("monitoring.alerts.email.smarthost"),
    message: /is required and not set/,
    fix: /monitoring\.alerts\.email\.smarthost/,
    fixed: {
      monitoring: {
        alerts: { email: { to: "ops@medex.de", from: "alerts@medex.de", smarthost: "mail.medex.de:587" } },
      },
    },
  },
  {
    name: "an SMTP server without a port",
    stack: "medex",
    changes: {
      monitoring: {
        alerts: { email: { to: "ops@medex.de", from: "alerts@medex.de", smarthost: "mail.medex.de" } },
      },
    },
    key: k("monitoring.alerts.email.smarthost"),
    message: /'mail\.medex\.de' is not host:port/,
    fix: /mail\.example\.org:587/,
    fixed: {
      monitoring: {
        alerts: { email: { to: "ops@medex.de", from: "alerts@medex.de", smarthost: "mail.medex.de:587" } },
      },
    },
  },
  {
    name: "Synapse's metrics off while the monitoring scrapes them",
    stack: "pro-dukt",
    changes: { synapse: { enableMetrics: false } },
    key: k("synapse.enableMetrics"),
    message: /is false, but the monitoring \(components\.monitoring\) scrapes Synapse's metrics/,
    fix: /remove synapse\.enableMetrics/,
    fixed: {},
  },
  {
    name: "coturn's exporter asked for without coturn",
    stack: "moda1",
    changes: { components: { coturn: false }, monitoring: { coturnExporter: true } },
    key: k("monitoring.coturnExporter"),
    message: /is true, but coturn is off/,
    fix: /remove monitoring\.coturnExporter/,
    fixed: { components: { coturn: false } },
  },
  {
    name: "LiveKit's metrics moved by an override, away from where Prometheus scrapes",
    stack: "pro-dukt",
    changes: { overrides: { livekit: { prometheus: { port: 6790 } } } },
    key: k("overrides.livekit.prometheus"),
    message: /LiveKit serves its metrics on 6790, but the stack's Prometheus scrapes 6789/,
    fix: /set ports.livekitMetrics instead/,
    fixed: {},
  },
  {
    name: "coturn's exporter switched off by an override while Prometheus scrapes it",
    stack: "pro-dukt",
    changes: { overrides: { coturn: { prometheus: false } } },
    key: k("overrides.coturn.prometheus"),
    message: /coturn's exporter is switched off by an override/,
    fix: /monitoring.coturnExporter: false/,
    fixed: {},
  },
  {
    name: "Synapse's metrics served on the proxied listener",
    stack: "medex",
    changes: {
      overrides: {
        synapse: {
          listeners: [
            {
              port: 8008,
              type: "http",
              x_forwarded: true,
              resources: [{ names: ["client", "federation", "metrics"] }],
            },
            { port: 9000, type: "metrics" },
          ],
        },
      },
    },
    key: k("overrides.synapse.listeners"),
    message: /serves Synapse's metrics: anyone could read them/,
    fix: /drop the 'metrics' resource from that listener/,
    fixed: {},
  },
  {
    name: "the SMTP password in clear text",
    stack: "medex",
    changes: { monitoringSmtpPassword: "hunter2hunter2" },
    key: k("monitoringSmtpPassword"),
    message: /is in clear text in Pulumi\.medex\.yaml: the SMTP password would sit in a reviewed file/,
    fix: /pulumi config set --secret monitoringSmtpPassword --stack medex/,
    fixed: {},
    engine: false,
  },
];

export const BAD_CONFIGURATIONS: readonly BadCase[] = [
  ...FILE_CASES,
  ...NAME_CASES,
  ...NETWORK_CASES,
  ...PORT_CASES,
  ...FLEET_CASES,
  ...PROXY_CASES,
  ...SERVICE_CASES,
  ...OVERRIDE_CASES,
  ...ISSUE_CLASSES,
  ...HOSTILE_OVERRIDE_CASES,
  ...RELEASE_CASES,
  ...MONITORING_CASES,
  ...CALLS_CASES,
  ...BACKUP_CASES,
  ...CAPACITY_CASES,
];

const read = (outDir: string, stack: string, file: string) =>
  fs.readFileSync(path.join(outDir, stack, file), "utf8");

/** Configurations that look odd but are valid: each must render, and some must render in a particular way. */
export const UNUSUAL_CONFIGURATIONS: readonly UnusualCase[] = [
  {
    name: "release set: the previous release set (Synapse 1.157.1, lk-jwt-service 0.5.0) renders without LiveKit's webhook",
    stack: "produktor",
    changes: {
      images: { synapse: "matrixdotorg/synapse:v1.157.1", lkJwt: "ghcr.io/element-hq/lk-jwt-service:0.5.0" },
    },
    check: (out, stack) => {
      assert.doesNotMatch(read(out, stack, "livekit/livekit.yaml"), /webhook/);
    },
  },
  {
    name: "release set: the release set renders LiveKit's webhook to lk-jwt-service's /sfu_webhook, signed with its key",
    stack: "pro-dukt",
    changes: {},
    check: (out, stack) => {
      const livekit = parseYaml(read(out, stack, "livekit/livekit.yaml"));
      const webhook = livekit.webhook as { api_key: string; urls: string[] };
      assert.deepEqual(webhook.urls, ["http://127.0.0.1:8082/sfu_webhook"]);
      assert.deepEqual(Object.keys(livekit.keys as object), [webhook.api_key]);
      assert.match(read(out, stack, "lk-jwt/env"), new RegExp(`^LIVEKIT_KEY=${webhook.api_key}$`, "m"));
    },
  },
  {
    name: "release set: Element Call's rc_delayed_event_mgmt (1/s, burst 20) with lk-jwt-service 0.5.0, which delegates no leave",
    stack: "produktor",
    changes: {
      images: { lkJwt: "ghcr.io/element-hq/lk-jwt-service:0.5.0" },
      overrides: { synapse: { rc_delayed_event_mgmt: { per_second: 1, burst_count: 20 } } },
    },
    check: (out, stack) => {
      const hs = parseYaml(read(out, stack, "synapse/homeserver.yaml"));
      assert.deepEqual(hs.rc_delayed_event_mgmt, { per_second: 1, burst_count: 20 });
    },
  },
  {
    name: "release set: an old Synapse on a stack without MatrixRTC (no lk-jwt-service, no transports needed)",
    stack: "moda1",
    changes: { images: { synapse: "matrixdotorg/synapse:v1.142.0", postgres: "postgres:13.16-alpine" } },
  },
  {
    name: "release set: msc3266_enabled on a Synapse that still reads it",
    stack: "moda1",
    changes: {
      ...SYN("1.152.0"),
      overrides: { synapse: { experimental_features: { msc3266_enabled: true } } },
    },
  },
  {
    name: "release set: a newer lk-jwt-service and Synapse than the release set, each with a version in its tag",
    stack: "produktor",
    changes: {
      images: {
        synapse: "registry.internal:5000/matrix/synapse:v1.170.0-custom",
        lkJwt: "ghcr.io/element-hq/lk-jwt-service:0.7.1",
      },
    },
  },
  {
    name: "hostnames in capitals are DNS names: rendered in lower case",
    stack: "moda1",
    changes: { hosts: { element: "Element.Server.Moda1.UK" } },
    check: (out, stack) => assert.match(read(out, stack, "proxy-hosts.json"), /"element\.server\.moda1\.uk"/),
  },
  {
    name: "a Docker host that holds the public IP itself (no lanIp)",
    stack: "pro-dukt",
    changes: { network: { lanIp: null, lanAccess: null } },
    check: (out, stack) =>
      assert.match(read(out, stack, "coturn/turnserver.conf"), /^external-ip=203\.0\.113\.20$/m),
  },
  {
    name: "a public IP in 198.18.0.0/15 (the labs' internet)",
    stack: "moda1",
    changes: { network: { publicIp: "198.18.4.1" }, docker: { host: "ssh://deploy@198.18.4.1" } },
  },
  {
    name: "well-known files on a host of their own, the server name's own web server redirecting there",
    stack: "medex",
    changes: { hosts: { wellKnown: "www.medex-pflegedienst.de" } },
    check: (out, stack) =>
      assert.match(read(out, stack, "proxy-hosts.json"), /"www\.medex-pflegedienst\.de"/),
  },
  {
    name: "the homeserver on the server name itself (no delegation host)",
    stack: "moda1",
    changes: { hosts: { homeserver: "moda1.uk" } },
  },
  {
    name: "TURN over TLS on a port of its own",
    stack: "produktor",
    changes: {
      ports: { turnTls: 5350 },
      network: { routerForwards: [...PRODUKTOR_FORWARDS, "tcp/5350"] },
    },
    check: (out, stack) =>
      assert.match(
        read(out, stack, "synapse/homeserver.yaml"),
        /turns:turn\.produktor\.io:5350\?transport=tcp/,
      ),
  },
  {
    name: "only Synapse: no Element, coturn, MatrixRTC or Ketesa",
    stack: "moda1",
    changes: { components: { elementWeb: false, coturn: false, ketesa: false } },
    check: (out, stack) => {
      assert.doesNotMatch(read(out, stack, "summary.md"), /turn_shared_secret/);
      assert.doesNotMatch(read(out, stack, "router-checklist.md"), /coturn|LiveKit|TURN/);
    },
  },
  {
    name: "TURN settings kept while coturn is off",
    stack: "moda1",
    changes: { components: { coturn: false }, turn: { tls: true, certFile: "/srv/certs/turn.pem" } },
  },
  {
    name: "Jitsi with authentication on and no guests",
    stack: "produktor",
    changes: { jitsi: { enableAuth: true, enableGuests: false } },
    check: (out, stack) => {
      assert.match(read(out, stack, "jitsi/prosody.env"), /^ENABLE_AUTH=1$/m);
      assert.match(
        read(out, stack, "summary.md"),
        /Only users with a prosody account host meetings .* guests cannot join/,
      );
    },
  },
  {
    name: "Jitsi in UTC, and in a three-part zone",
    stack: "produktor",
    changes: { jitsi: { timezone: "America/Argentina/Buenos_Aires" } },
  },
  {
    name: "Jitsi in the UTC zone",
    stack: "produktor",
    changes: { jitsi: { timezone: "UTC" } },
  },
  {
    name: "an existing NPM certificate by id, given as the engine's string",
    stack: "moda1",
    changes: { proxy: { certificate: "7" } },
    check: (out, stack) => assert.match(read(out, stack, "proxy-hosts.json"), /"certificate_id": 7/),
  },
  {
    name: "a forward host given as a hostname",
    stack: "medex",
    changes: { proxy: { forwardHost: "docker-host.internal" } },
    check: (out, stack) =>
      assert.match(read(out, stack, "proxy-hosts.json"), /"forward_host": "docker-host\.internal"/),
  },
  {
    name: "a wide relay range, forwarded",
    stack: "moda1",
    changes: {
      ports: { turnRelay: "40000-40999" },
      network: { routerForwards: ["tcp/80", "tcp/443", "udp/3478", "tcp/3478", "udp/40000-40999", "tcp/22"] },
    },
    check: (out, stack) =>
      assert.match(read(out, stack, "summary.md"), /\*\*1000 concurrent relay allocations\*\*/),
  },
  {
    name: "a lower total quota by override: the summary states the deployed capacity",
    stack: "moda1",
    changes: { overrides: { coturn: { "total-quota": 20 } } },
    check: (out, stack) => {
      assert.match(read(out, stack, "coturn/turnserver.conf"), /^total-quota=20$/m);
      assert.match(read(out, stack, "summary.md"), /total-quota 20: \*\*20 concurrent relay allocations\*\*/);
    },
  },
  {
    name: "coturn options the stack does not set itself, by override",
    stack: "medex",
    changes: { overrides: { coturn: { "max-bps": 3000000, "stale-nonce": 600 } } },
    check: (out, stack) => {
      const conf = parseTurnserverConf(read(out, stack, "coturn/turnserver.conf"));
      assert.deepEqual(conf.get("max-bps"), ["3000000"]);
    },
  },
  {
    name: "Synapse keys the stack does not set, by override",
    stack: "pro-dukt",
    changes: { overrides: { synapse: { auto_join_rooms: ["#lobby:pro-dukt.de"] } } },
  },
  {
    name: "LiveKit logging by override",
    stack: "medex",
    changes: { overrides: { livekit: { logging: { level: "debug" } } } },
  },
  {
    name: "registration by token",
    stack: "medex",
    changes: {
      synapse: { enableRegistration: true },
      overrides: { synapse: { registration_requires_token: true } },
    },
  },
  {
    name: "URL previews (rendered with the IP blacklist Synapse requires)",
    stack: "moda1",
    changes: { synapse: { urlPreviews: true } },
    check: (out, stack) => {
      const hs = parseYaml(read(out, stack, "synapse/homeserver.yaml"));
      assert.equal(hs.url_preview_enabled, true);
      assert.ok((hs.url_preview_ip_range_blacklist as string[]).includes("10.0.0.0/8"));
    },
  },
  {
    name: "an image pinned by digest",
    stack: "moda1",
    changes: { images: { coturn: `coturn/coturn@sha256:${"a".repeat(64)}` } },
  },
  {
    name: "an image from a registry with a port",
    stack: "moda1",
    changes: { images: { synapse: "registry.internal:5000/matrix/synapse:v1.157.1" } },
  },
  {
    name: "rotation values that are dates",
    stack: "produktor",
    changes: { secretRotation: { turn: "2026-07-01", jitsi: "2026-07-01" } },
  },
  {
    name: "an admin contact as an https URL",
    stack: "moda1",
    changes: { synapse: { adminContact: "https://moda1.uk/contact" } },
  },
  {
    name: "long TURN credentials and delayed events",
    stack: "medex",
    changes: { synapse: { turnUserLifetime: "12h", maxEventDelayDuration: "7d" } },
  },
  {
    name: "a proxy that accepts larger bodies than Synapse",
    stack: "moda1",
    changes: { proxy: { clientMaxBodySize: "1G" }, synapse: { maxUploadSize: "100M" } },
  },
  {
    name: "an organisation and brand with non-ASCII letters",
    stack: "medex",
    changes: { organisation: "Médex Pflegedienst", element: { brand: "Médex Chat" } },
  },
  {
    name: "a TURN host under another domain",
    stack: "moda1",
    changes: { hosts: { turn: "turn.markets-platform.net" } },
  },
  {
    name: "a stack that federates with nobody, explicitly",
    stack: "moda1",
    changes: { federation: { peers: [] } },
    check: (out, stack) => assert.match(read(out, stack, "summary.md"), /Federates with nobody/),
  },
  ...UNUSUAL_OVERRIDE_CASES,
  ...CALLS_UNUSUAL,
  ...UNUSUAL_BACKUP_CASES,
  ...UNUSUAL_CAPACITY_CASES,
];
