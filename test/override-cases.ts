import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The bad configurations of issue #28, in the catalogue's shape (bad-configuration-cases.ts spreads them into
 * BAD_CONFIGURATIONS, so each is refused by render and by the Pulumi program, and its fix renders): first every
 * class the outside harness found accepted, then hostile cases of our own beyond those classes (types, nesting,
 * YAML oddities, empty values, unicode, ports at the edges, paths that are not what they seem, moving tags).
 */
interface Case {
  readonly name: string;
  readonly stack: "produktor" | "pro-dukt" | "medex" | "moda1";
  readonly changes?: Record<string, unknown>;
  readonly text?: string;
  readonly key: string;
  readonly message: RegExp;
  readonly fix: RegExp;
  readonly fixed: Record<string, unknown>;
}

const k = (p: string) => `matrix-fleet:${p}`;
const synapse = (values: Record<string, unknown>) => ({ overrides: { synapse: values } });
const coturn = (values: Record<string, unknown>) => ({ overrides: { coturn: values } });
const livekit = (values: Record<string, unknown>) => ({ overrides: { livekit: values } });
const element = (values: Record<string, unknown>) => ({ overrides: { elementWeb: values } });
const lkJwt = (values: Record<string, unknown>) => ({ overrides: { lkJwt: values } });
const stackFile = (stack: string) =>
  fs.readFileSync(path.join(__dirname, "..", `Pulumi.${stack}.yaml`), "utf8");
/** moda1's stack file with lines appended under config: (moda1 has no turn, secretRotation or overrides key). */
const moda1With = (lines: string) => `${stackFile("moda1").trimEnd()}\n${lines}`;
const DROP = /drop the override/;

/** Each class of issue #28, refused with a message that says what breaks. */
export const ISSUE_CLASSES: readonly Case[] = [
  {
    name: "#28 coturn: an override dropping authentication (no-auth: an open relay)",
    stack: "moda1",
    changes: coturn({ "no-auth": true }),
    key: k("overrides.coturn.no-auth"),
    message: /no-auth makes coturn relay for anyone without a credential: an open relay on the internet/,
    fix: DROP,
    fixed: {},
  },
  {
    name: "#28 coturn: an override dropping TLS while turns: URIs are handed out",
    stack: "produktor",
    changes: coturn({ "no-tls": true }),
    key: k("overrides.coturn.no-tls"),
    message: /no-tls stops coturn's TLS listener, while turn\.tls hands out turns: URIs on 5349/,
    fix: /drop the override, or turn turn\.tls off/,
    fixed: {},
  },
  {
    name: "#28 coturn: an override dropping UDP while UDP URIs are handed out",
    stack: "medex",
    changes: coturn({ "no-udp": true }),
    key: k("overrides.coturn.no-udp"),
    message:
      /no-udp stops coturn's UDP listener, while clients are handed turn:turn\.medex-pflegedienst\.de:3478\?transport=udp, .*LiveKit's udp entry/,
    fix: DROP,
    fixed: {},
  },
  {
    name: "#28 coturn: an override binding the listener to loopback",
    stack: "pro-dukt",
    changes: coturn({ "listening-ip": "127.0.0.1" }),
    key: k("overrides.coturn.listening-ip"),
    message:
      /listening-ip 127\.0\.0\.1 is loopback: coturn \(on the host network\) would listen where no client outside the Docker host reaches it/,
    fix: /write 192\.0\.2\.30/,
    fixed: {},
  },
  {
    name: "#28 Synapse: the database switched to SQLite",
    stack: "moda1",
    changes: synapse({ database: { name: "sqlite3" } }),
    key: k("overrides.synapse.database.name"),
    message:
      /database\.name is what matrix-fleet writes from the stack's PostgreSQL container \("psycopg2"\); the override makes it "sqlite3": Synapse would open a new, empty database/,
    fix: DROP,
    fixed: {},
  },
  {
    name: "#28 Synapse: the signing key moved outside the stored volumes",
    stack: "medex",
    changes: synapse({ signing_key_path: "/tmp/medex.signing.key" }),
    key: k("overrides.synapse.signing_key_path"),
    message:
      /signing_key_path is what matrix-fleet writes from adopt\.synapse\.signingKeyPath .* generated anew when the container is replaced/,
    fix: /set adopt\.synapse\.signingKeyPath instead/,
    fixed: {},
  },
  {
    name: "#28 Synapse: the media store moved outside the stored volumes",
    stack: "pro-dukt",
    changes: synapse({ media_store_path: "/tmp/media" }),
    key: k("overrides.synapse.media_store_path"),
    message: /uploaded media would be written outside the volumes the stack keeps/,
    fix: /set adopt\.synapse\.mediaStorePath instead/,
    fixed: {},
  },
  {
    name: "#28 Synapse: the listener bound to loopback",
    stack: "moda1",
    changes: synapse({
      listeners: [
        {
          port: 8008,
          type: "http",
          x_forwarded: true,
          bind_addresses: ["127.0.0.1"],
          resources: [{ names: ["client", "federation"] }],
        },
      ],
    }),
    key: k("overrides.synapse.listeners"),
    message: /the proxied listener binds only 127\.0\.0\.1 inside its container/,
    fix: /drop the override: matrix-fleet writes one http listener/,
    fixed: {},
  },
  {
    name: "#28 Synapse: a public_baseurl on http://",
    stack: "medex",
    changes: synapse({ public_baseurl: "http://chat.medex-pflegedienst.de/" }),
    key: k("overrides.synapse.public_baseurl"),
    message:
      /public_baseurl is what matrix-fleet writes from hosts\.homeserver \("https:\/\/chat\.medex-pflegedienst\.de\/"\); the override makes it "http:/,
    fix: /set hosts\.homeserver instead/,
    fixed: {},
  },
  {
    name: "#28 LiveKit: a single-port UDP mux (rtc.udp_port)",
    stack: "pro-dukt",
    changes: livekit({ rtc: { udp_port: 7882 } }),
    key: k("overrides.livekit.rtc.udp_port"),
    message: /rtc\.udp_port is a single-port UDP mux: no key of the port plan sets it/,
    fix: /ports\.livekitUdp sets LiveKit's media range/,
    fixed: {},
  },
  {
    name: "#28 LiveKit: an interface filter naming a Docker bridge",
    stack: "medex",
    changes: livekit({ rtc: { interfaces: { includes: ["docker0", "br-3f2a9c1d7e5b"] } } }),
    key: k("overrides.livekit.rtc.interfaces.includes"),
    message: /names docker0, br-3f2a9c1d7e5b: Docker's bridge interfaces/,
    fix: /filters candidates by address/,
    fixed: {},
  },
  {
    name: "#28 LiveKit: TURN entries whose port is a string (LiveKit refuses to start)",
    stack: "medex",
    changes: livekit({
      rtc: {
        turn_servers: [
          { host: "turn.medex-pflegedienst.de", port: "3478", protocol: "udp" },
          { host: "turn.medex-pflegedienst.de", port: "3478", protocol: "tcp" },
        ],
      },
    }),
    key: k("overrides.livekit.rtc.turn_servers"),
    message:
      /has at \[0\] a value that has port, which is the string "3478", not a whole number from 1 to 65535 \(unquoted\): LiveKit decodes livekit\.yaml with yaml\.v3/,
    fix: /write it as a list of/,
    fixed: {},
  },
  {
    name: "#28 Element Web: the default server pointed at another homeserver",
    stack: "pro-dukt",
    changes: element({
      default_server_config: { "m.homeserver": { base_url: "https://matrix-client.matrix.org" } },
    }),
    key: k("overrides.elementWeb.default_server_config.m.homeserver.base_url"),
    message: /Element would send every user of this stack's web client to another homeserver/,
    fix: /set hosts\.homeserver instead/,
    fixed: {},
  },
  {
    name: "#28 Element Web: Element Call switched on where no MatrixRTC runs",
    stack: "moda1",
    changes: element({ features: { feature_group_calls: true }, element_call: { use_exclusively: true } }),
    key: k("overrides.elementWeb.features"),
    message: /feature_group_calls switch Element Call on, but this stack runs no MatrixRTC/,
    fix: /turn components\.matrixRtc on/,
    fixed: {},
  },
  {
    name: "#28 tests: MatrixRTC on with Synapse's msc4143 switched off",
    stack: "produktor",
    changes: synapse({ experimental_features: { msc4143_enabled: false } }),
    key: k("overrides.synapse.experimental_features.msc4143_enabled"),
    message: /MatrixRTC is enabled but Synapse's msc4143 is off: new Element Call clients find no transport/,
    fix: DROP,
    fixed: {},
  },
  {
    name: "#28 images: a tag that names no version (:alpine)",
    stack: "medex",
    changes: { images: { postgres: "postgres:alpine" } },
    key: k("images.postgres"),
    message: /the tag 'alpine' names none/,
    fix: /postgres:16\.10-alpine/,
    fixed: {},
  },
  {
    name: "#28 images: a tag that names no version (:edge)",
    stack: "moda1",
    changes: { images: { coturn: "coturn/coturn:edge" } },
    key: k("images.coturn"),
    message: /the tag 'edge' names none/,
    fix: /coturn\/coturn:4\.17/,
    fixed: {},
  },
  {
    name: "#28 paths: a certificate in another certbot live/ folder (NPM's own)",
    stack: "produktor",
    changes: { turn: { certFile: "/opt/npm/letsencrypt/live/npm-7/fullchain.pem" } },
    key: k("turn.certFile"),
    message:
      /is in a certbot tree \(\/opt\/npm\/letsencrypt, live\/npm-7\/.*coturn keeps running without its TLS listener/,
    fix: /certbot deploy hook/,
    fixed: {},
  },
  {
    name: "#28 paths: //etc/letsencrypt/... (certbot's tree, written so a prefix test misses it)",
    stack: "produktor",
    changes: { turn: { keyFile: "//etc/letsencrypt/live/turn.produktor.io/privkey.pem" } },
    key: k("turn.keyFile"),
    message:
      /is not written as Docker and coturn see it: it is \/etc\/letsencrypt\/live\/turn\.produktor\.io\/privkey\.pem, which is in certbot's tree/,
    fix: /write it as \/etc\/letsencrypt\/live\/turn\.produktor\.io\/privkey\.pem, and see turn\.certFile's rule/,
    fixed: {},
  },
  {
    name: "#28 paths: a certificate path that names a directory",
    stack: "produktor",
    changes: { turn: { certFile: "/etc/matrix-fleet/tls/turn.produktor.io/" } },
    key: k("turn.certFile"),
    message: /names a directory, not a file: coturn reads its certificate from a file/,
    fix: /name the file itself/,
    fixed: {},
  },
  {
    name: "#28 paths: the root directory as the key file",
    stack: "produktor",
    changes: { turn: { keyFile: "/" } },
    key: k("turn.keyFile"),
    message: /'\/' names a directory, not a file/,
    fix: /privkey\.pem/,
    fixed: {},
  },
  {
    name: "#28 ports: Element Web on NPM's admin port, NPM on the same Docker host",
    stack: "pro-dukt",
    changes: { proxy: { lanIp: "192.0.2.30", npmUrl: "http://192.0.2.30:81" }, ports: { elementWeb: 81 } },
    key: k("ports.elementWeb"),
    message:
      /Element Web binds tcp\/81 on the Docker host, and Nginx Proxy Manager runs on that host too \(proxy\.lanIp 192\.0\.2\.30\) with tcp\/81 for NPM's admin UI and API/,
    fix: /give ports\.elementWeb a port NPM does not use/,
    fixed: { proxy: { lanIp: "192.0.2.30", npmUrl: "http://192.0.2.30:81" } },
  },
  {
    name: "#28 ports: Synapse on 443 beside an NPM on the same Docker host",
    stack: "moda1",
    changes: {
      proxy: { lanIp: "198.51.100.40", npmUrl: "http://198.51.100.40:81" },
      ports: { synapse: 443 },
    },
    key: k("ports.synapse"),
    message: /Synapse binds tcp\/443 .* with tcp\/443 for HTTPS, every proxy host/,
    fix: /give ports\.synapse a port NPM does not use/,
    fixed: { proxy: { lanIp: "198.51.100.40", npmUrl: "http://198.51.100.40:81" } },
  },
  {
    name: "#28 NPM: a placeholder e-mail Let's Encrypt refuses",
    stack: "medex",
    changes: { proxy: { letsencryptEmail: "admin@example.com" } },
    key: k("proxy.letsencryptEmail"),
    message: /is on example\.com, which Let's Encrypt refuses for contact e-mails/,
    fix: /a real mailbox on a public domain/,
    fixed: {},
  },
  {
    name: "#28 NPM: credentials inside npmUrl",
    stack: "medex",
    changes: { proxy: { npmUrl: "http://admin%40medex-pflegedienst.de:hunter2@192.0.2.41:81" } },
    key: k("proxy.npmUrl"),
    message: /holds credentials: they would sit in clear in the stack file/,
    fix: /pulumi config set --secret npmIdentity/,
    fixed: {},
  },
  {
    name: "#28 NPM: /api inside npmUrl",
    stack: "moda1",
    changes: { proxy: { npmUrl: "http://198.51.100.41:81/api" } },
    key: k("proxy.npmUrl"),
    message:
      /has the path '\/api': matrix-fleet appends \/api\/\.\.\. to the URL itself, so this one would call \/api\/api\//,
    fix: /scheme, host and port only/,
    fixed: {},
  },
  {
    name: "#28 NPM: a host to take over that the stack does not proxy",
    stack: "medex",
    changes: { proxy: { adoptHosts: ["chat.medex.de"] } },
    key: k("proxy.adoptHosts"),
    message: /lists chat\.medex\.de, which no proxy host of this stack serves: it would take over nothing/,
    fix: /list domains the stack proxies \(.*chat\.medex-pflegedienst\.de/,
    fixed: { proxy: { adoptHosts: ["chat.medex-pflegedienst.de"] } },
  },
  {
    name: "#28 Docker host: an ssh:// URL with no host",
    stack: "moda1",
    changes: { docker: { host: "ssh://deploy@" } },
    key: k("docker.host"),
    message: /'ssh:\/\/deploy@' has no host/,
    fix: /ssh:\/\/user@host/,
    fixed: {},
  },
  {
    name: "#28 Docker host: an impossible port",
    stack: "moda1",
    changes: { docker: { host: "ssh://deploy@198.51.100.40:65536" } },
    key: k("docker.host"),
    message: /is not a URL Docker can parse \(an impossible port\?\)/,
    fix: /ssh:\/\/user@host:2222/,
    fixed: {},
  },
  {
    name: "#28 secrets: a rotation bump of an adopted secret that would do nothing",
    stack: "moda1",
    text: moda1With(
      "  matrix-fleet:secretRotation:\n    turn: '2'\n  matrix-fleet:adoptedSecrets:\n    turn_shared_secret:\n      secure: v1:AAAA\n",
    ),
    key: k("secretRotation.turn"),
    message:
      /is '2', a bump of the turn secrets, but turn_shared_secret is adopted .* the bump rotates nothing/,
    fix: /remove adoptedSecrets\.turn_shared_secret/,
    fixed: {},
  },
  {
    name: "#28 messages: a dotted key written flat at the top (network.lanIp:)",
    stack: "pro-dukt",
    changes: { network: { lanIp: null }, "network.lanIp": "192.0.2.30" },
    key: k("network.lanIp"),
    message: /is a dotted path written as one flat key: in the stack file settings nest/,
    fix: /nest it under network: write 'network:' and, indented under it, 'lanIp: <value>'/,
    fixed: {},
  },
];

/** Hostile cases of our own, beyond the classes the outside harness found. */
export const HOSTILE_OVERRIDE_CASES: readonly Case[] = [
  {
    name: 'hostile: a Synapse boolean written as a string (Python reads "false" as true)',
    stack: "medex",
    changes: synapse({ registration_requires_token: "false" }),
    key: k("overrides.synapse.registration_requires_token"),
    message:
      /is the string "false", not true or false .*Python's truthiness \(the string "false" counts as true\)/,
    fix: /write it as true or false/,
    fixed: {},
  },
  {
    name: "hostile: a YAML 1.1 yes for a Synapse boolean (the engine and render read a string)",
    stack: "moda1",
    text: moda1With("  matrix-fleet:overrides:\n    synapse:\n      allow_guest_access: yes\n"),
    key: k("overrides.synapse.allow_guest_access"),
    message: /is the string "yes", not true or false/,
    fix: /write it as true or false/,
    fixed: {},
  },
  {
    name: "hostile: an integer with a leading zero (the engine reads it as octal)",
    stack: "moda1",
    text: moda1With("  matrix-fleet:turn:\n    userQuota: 012\n"),
    key: k("turn.userQuota"),
    message: /'012' has a leading zero: the Pulumi engine reads it as 10 \(octal\), render as 12/,
    fix: /quote it \("012"\) if it is text/,
    fixed: {},
  },
  {
    name: "hostile: a date as a rotation value (the engine rewrites it as a timestamp)",
    stack: "moda1",
    text: moda1With("  matrix-fleet:secretRotation:\n    synapse: 2026-07-01\n"),
    key: k("secretRotation.synapse"),
    message: /'2026-07-01' is a date: the Pulumi engine turns it into/,
    fix: /quote it/,
    fixed: {},
  },
  {
    name: "hostile: a number with underscores (the engine reads a number, render text)",
    stack: "moda1",
    text: moda1With("  matrix-fleet:turn:\n    totalQuota: 1_200\n"),
    key: k("turn.totalQuota"),
    message: /'1_200' has underscores: the Pulumi engine reads it as the number 1200/,
    fix: /write the value you mean plainly/,
    fixed: {},
  },
  {
    name: "hostile: .inf as a quota (the engine refuses the whole file)",
    stack: "moda1",
    text: moda1With("  matrix-fleet:turn:\n    totalQuota: .inf\n"),
    key: k("turn.totalQuota"),
    message: /'\.inf' is \.inf: the Pulumi engine refuses the whole stack file/,
    fix: /write the value you mean plainly/,
    fixed: {},
  },
  {
    name: "hostile: a binary number (0b) in an override",
    stack: "moda1",
    text: moda1With("  matrix-fleet:overrides:\n    coturn:\n      max-bps: 0b1111\n"),
    key: k("overrides.coturn.max-bps"),
    message: /'0b1111' is binary: the Pulumi engine reads it as 15, render as the text "0b1111"/,
    fix: /write the value you mean plainly/,
    fixed: {},
  },
  {
    name: "hostile: open registration without verification by override",
    stack: "pro-dukt",
    changes: synapse({ enable_registration_without_verification: true }),
    key: k("overrides.synapse.enable_registration_without_verification"),
    message: /lets anyone on the internet register accounts without a captcha, e-mail or token/,
    fix: DROP,
    fixed: {},
  },
  {
    name: "hostile: a room joined at registration on a server this one does not federate with",
    stack: "pro-dukt",
    changes: synapse({ auto_join_rooms: ["#welcome:matrix.org"] }),
    key: k("overrides.synapse.auto_join_rooms"),
    message: /#welcome:matrix\.org is on matrix\.org, which is neither this server nor a federation peer/,
    fix: /add matrix\.org to federation\.peers/,
    fixed: {},
  },
  {
    name: "hostile: matrix.org as trusted key server behind a whitelist that does not list it",
    stack: "medex",
    changes: synapse({ trusted_key_servers: [{ server_name: "matrix.org" }] }),
    key: k("overrides.synapse.trusted_key_servers"),
    message: /trusted key server matrix\.org is not on federation_domain_whitelist/,
    fix: /trusted_key_servers: \[\]/,
    fixed: {},
  },
  {
    name: "hostile: URL previews with a shortened deny list (SSRF into the LAN)",
    stack: "moda1",
    changes: {
      synapse: { urlPreviews: true },
      ...synapse({ url_preview_ip_range_blacklist: ["127.0.0.0/8"] }),
    },
    key: k("overrides.synapse.url_preview_ip_range_blacklist"),
    message: /leaves out 10\.0\.0\.0\/8, 172\.16\.0\.0\/12, 192\.168\.0\.0\/16/,
    fix: /writes the list Synapse's documentation recommends/,
    fixed: { synapse: { urlPreviews: true } },
  },
  {
    name: "hostile: a database locale Synapse would refuse, allowed by override",
    stack: "moda1",
    changes: synapse({ database: { allow_unsafe_locale: true } }),
    key: k("overrides.synapse.database.allow_unsafe_locale"),
    message: /whose collation can corrupt its indexes/,
    fix: DROP,
    fixed: {},
  },
  {
    name: "hostile: an upload limit raised by override past the proxy's body limit",
    stack: "medex",
    changes: synapse({ max_upload_size: "1G" }),
    key: k("overrides.synapse.max_upload_size"),
    message:
      /max_upload_size is what matrix-fleet writes from synapse\.maxUploadSize \("50M"\); the override makes it "1G"/,
    fix: /set synapse\.maxUploadSize instead/,
    fixed: {},
  },
  {
    name: "hostile: a Synapse secret in clear in the stack file",
    stack: "moda1",
    changes: synapse({ macaroon_secret_key: "fixed-macaroon-key-in-the-repo" }),
    key: k("overrides.synapse.macaroon_secret_key"),
    message: /macaroon_secret_key is a secret: an override writes it in clear into Pulumi\.moda1\.yaml/,
    fix: /matrix-fleet generates it with @pulumi\/random/,
    fixed: {},
  },
  {
    name: "hostile: a TLS listener for Synapse behind the proxy",
    stack: "moda1",
    changes: synapse({
      listeners: [
        {
          port: 8008,
          type: "http",
          tls: true,
          x_forwarded: true,
          resources: [{ names: ["client", "federation"] }],
        },
      ],
    }),
    key: k("overrides.synapse.listeners"),
    message: /the proxied listener has tls: true: the proxy forwards plain HTTP to it/,
    fix: /matrix-fleet writes one http listener/,
    fixed: {},
  },
  {
    name: "hostile: a manhole listener (a Python shell inside Synapse)",
    stack: "moda1",
    changes: synapse({
      listeners: [
        {
          port: 8008,
          type: "http",
          x_forwarded: true,
          bind_addresses: ["0.0.0.0"],
          resources: [{ names: ["client", "federation"] }],
        },
        { port: 9000, type: "manhole", bind_addresses: ["0.0.0.0"] },
      ],
    }),
    key: k("overrides.synapse.listeners"),
    message: /a manhole listener is a Python shell inside Synapse/,
    fix: /matrix-fleet writes one http listener/,
    fixed: {},
  },
  {
    name: "hostile: MSC4143 transports handing clients another SFU",
    stack: "medex",
    changes: synapse({
      matrix_rtc: {
        transports: [{ type: "livekit", livekit_service_url: "https://livekit-jwt.call.element.io" }],
      },
    }),
    key: k("overrides.synapse.matrix_rtc.transports"),
    message:
      /is .*livekit-jwt\.call\.element\.io.*, not this stack's lk-jwt-service \(type livekit, https:\/\/matrix-rtc\.medex-pflegedienst\.de\/livekit\/jwt\)/,
    fix: /from hosts\.rtc/,
    fixed: {},
  },
  {
    name: "hostile: an unknown experimental flag (refused until judged or marked unjudged)",
    stack: "medex",
    changes: synapse({ experimental_features: { msc4306_enabled: true } }),
    key: k("overrides.synapse.experimental_features.msc4306_enabled"),
    message:
      /'msc4306_enabled' is not a key matrix-fleet judges in Synapse's homeserver\.yaml under experimental_features/,
    fix: /write it under overrides\.unjudged\.synapse\.experimental_features\.msc4306_enabled instead/,
    fixed: { overrides: { unjudged: { synapse: { experimental_features: { msc4306_enabled: true } } } } },
  },
  {
    name: "hostile: a typo in a Synapse key (did you mean)",
    stack: "moda1",
    changes: synapse({ allow_guest_acess: true }),
    key: k("overrides.synapse.allow_guest_acess"),
    message: /'allow_guest_acess' is not a key matrix-fleet judges/,
    fix: /did you mean 'allow_guest_access'\?/,
    fixed: { overrides: { synapse: { allow_guest_access: true } } },
  },
  {
    name: "hostile: a zero-width space inside an override key",
    stack: "moda1",
    changes: synapse({ "server_name\u200b": "moda1.uk" }),
    key: k("overrides.synapse.server_name\u200b"),
    message: /is not a key matrix-fleet judges/,
    fix: /did you mean 'server_name'\?/,
    fixed: {},
  },
  {
    name: "hostile: an empty override key",
    stack: "moda1",
    changes: coturn({ "": "1" }),
    key: k("overrides.coturn."),
    message: /'' is not a key matrix-fleet judges in coturn's turnserver\.conf/,
    fix: /use one of the keys matrix-fleet judges here/,
    fixed: {},
  },
  {
    name: "hostile: a dotted LiveKit key written as one key inside overrides",
    stack: "medex",
    changes: livekit({ "rtc.udp_port": 7882 }),
    key: k("overrides.livekit.rtc.udp_port"),
    message: /'rtc\.udp_port' is not a LiveKit config key; LiveKit's strict parser refuses to start/,
    fix: /is a dotted path written as one key: nest it, i\.e\. write rtc: then udp_port:/,
    fixed: {},
  },
  {
    name: "hostile: a judged key marked unjudged (a mark cannot step around a judgement)",
    stack: "moda1",
    changes: { overrides: { unjudged: { synapse: { server_name: "markets.moda1.uk" } } } },
    key: k("overrides.unjudged.synapse.server_name"),
    message:
      /server_name is a key matrix-fleet judges .* marking it unjudged would step around that judgement/,
    fix: /move it to overrides\.synapse\.server_name, where it is judged/,
    fixed: {},
  },
  {
    name: "hostile: a secret marked unjudged (it would sit in clear in a reviewed file)",
    stack: "moda1",
    changes: { overrides: { unjudged: { synapse: { recaptcha_private_key: "6Lc-not-for-the-repo" } } } },
    key: k("overrides.unjudged.synapse.recaptcha_private_key"),
    message: /looks like a secret: written here it sits in clear in Pulumi\.moda1\.yaml/,
    fix: /adoptedSecrets, set with pulumi config set --secret/,
    fixed: {},
  },
  {
    name: "hostile: an unjudged section with a secret inside it (smtp_pass under email)",
    stack: "moda1",
    changes: {
      overrides: { unjudged: { synapse: { email: { smtp_host: "mail.moda1.uk", smtp_pass: "hunter2" } } } },
    },
    key: k("overrides.unjudged.synapse.email"),
    message: /email\.smtp_pass looks like a secret/,
    fix: /set with pulumi config set --secret/,
    fixed: { overrides: { unjudged: { synapse: { email: { smtp_host: "mail.moda1.uk" } } } } },
  },
  {
    name: "hostile: the whole database section removed (Synapse falls back to SQLite)",
    stack: "pro-dukt",
    changes: synapse({ database: null }),
    key: k("overrides.synapse.database.name"),
    message:
      /database\.name is what matrix-fleet writes from the stack's PostgreSQL container \("psycopg2"\); the override makes it \(not written\)/,
    fix: DROP,
    fixed: {},
  },
  {
    name: "hostile: trusted_key_servers removed (Synapse falls back to matrix.org, off the whitelist)",
    stack: "medex",
    changes: synapse({ trusted_key_servers: null }),
    key: k("overrides.synapse.trusted_key_servers"),
    message: /trusted key server matrix\.org is not on federation_domain_whitelist/,
    fix: /trusted_key_servers: \[\]/,
    fixed: {},
  },
  {
    name: "hostile: Synapse's listeners removed",
    stack: "moda1",
    changes: synapse({ listeners: null }),
    key: k("overrides.synapse.listeners"),
    message: /listeners is removed: Synapse then serves HTTP nowhere/,
    fix: /matrix-fleet writes one http listener/,
    fixed: {},
  },
  {
    name: "hostile: every address whitelisted for Synapse's outbound requests",
    stack: "moda1",
    changes: synapse({ ip_range_whitelist: ["0.0.0.0/0"] }),
    key: k("overrides.synapse.ip_range_whitelist"),
    message: /ip_range_whitelist 0\.0\.0\.0\/0 re-opens more than a \/8/,
    fix: /as narrow as they are/,
    fixed: { overrides: { synapse: { ip_range_whitelist: ["198.18.0.0/15"] } } },
  },
  {
    name: "hostile: Element's default server configuration removed as a whole",
    stack: "medex",
    changes: element({ default_server_config: null }),
    key: k("overrides.elementWeb.default_server_config.m.homeserver.base_url"),
    message:
      /base_url is what matrix-fleet writes from hosts\.homeserver .*the override makes it \(not written\)/,
    fix: /set hosts\.homeserver instead/,
    fixed: {},
  },
  {
    name: "hostile: Element's camelCase spelling of a judged key, marked unjudged (SnakedObject reads it)",
    stack: "moda1",
    changes: { overrides: { unjudged: { elementWeb: { elementCall: { use_exclusively: true } } } } },
    key: k("overrides.unjudged.elementWeb.elementCall.use_exclusively"),
    message:
      /elementCall\.use_exclusively is a key matrix-fleet judges \(Element Web reads it as element_call\.use_exclusively\)/,
    fix: /move it to overrides\.elementWeb\.element_call\.use_exclusively, where it is judged/,
    fixed: {},
  },
  {
    name: "hostile: matrix.org as key server in the legacy perspectives form (merged into trusted_key_servers)",
    stack: "pro-dukt",
    changes: synapse({ perspectives: { servers: { "matrix.org": { verify_keys: {} } } } }),
    key: k("overrides.synapse.perspectives"),
    message: /perspectives is the legacy form of trusted_key_servers, which Synapse merges into it/,
    fix: /write trusted_key_servers, where key servers are judged/,
    fixed: {},
  },
  {
    name: "hostile: the database moved by the multi-database form (databases)",
    stack: "pro-dukt",
    changes: { overrides: { unjudged: { synapse: { databases: { main: { name: "sqlite3" } } } } } },
    key: k("overrides.unjudged.synapse.databases"),
    message: /databases is a key matrix-fleet judges/,
    fix: /move it to overrides\.synapse\.databases, where it is judged/,
    fixed: {},
  },
  {
    name: "hostile: overrides for a service the stack does not run",
    stack: "moda1",
    changes: livekit({ logging: { level: "debug" } }),
    key: k("overrides.livekit"),
    message: /is set, but components\.matrixRtc is off: no livekit\.yaml is deployed/,
    fix: /turn components\.matrixRtc on/,
    fixed: {},
  },
  {
    name: "hostile: coturn relaying to loopback peers (the Docker host's own services)",
    stack: "medex",
    changes: coturn({ "allow-loopback-peers": true }),
    key: k("overrides.coturn.allow-loopback-peers"),
    message: /lets a TURN credential relay to 127\.0\.0\.0\/8 and ::1/,
    fix: DROP,
    fixed: {},
  },
  {
    name: "hostile: coturn relaying no UDP (no call media)",
    stack: "moda1",
    changes: coturn({ "no-udp-relay": true }),
    key: k("overrides.coturn.no-udp-relay"),
    message: /call media is UDP, so coturn would relay no call/,
    fix: DROP,
    fixed: {},
  },
  {
    name: "hostile: a static TURN user and password in the stack file",
    stack: "moda1",
    changes: coturn({ user: "alice:wonderland" }),
    key: k("overrides.coturn.user"),
    message: /writes a static TURN user and password in clear into a reviewed file/,
    fix: DROP,
    fixed: {},
  },
  {
    name: "hostile: coturn relaying from an address the Docker host does not have",
    stack: "pro-dukt",
    changes: coturn({ "relay-ip": "10.9.8.7" }),
    key: k("overrides.coturn.relay-ip"),
    message: /relay-ip 10\.9\.8\.7 is not the Docker host's address 192\.0\.2\.30/,
    fix: /write 192\.0\.2\.30/,
    fixed: {},
  },
  {
    name: "hostile: a coturn bandwidth limit that is no number (coturn counts it as 0)",
    stack: "moda1",
    changes: coturn({ "max-bps": "lots" }),
    key: k("overrides.coturn.max-bps"),
    message:
      /max-bps is the string "lots", not a whole number of at least 0: coturn reads turnserver\.conf as text: a number it cannot parse counts as 0/,
    fix: /write it as a whole number/,
    fixed: { overrides: { coturn: { "max-bps": 3000000 } } },
  },
  {
    name: "hostile: a coturn switch written as a string",
    stack: "moda1",
    changes: coturn({ "no-multicast-peers": "yes" }),
    key: k("overrides.coturn.no-multicast-peers"),
    message: /is the string "yes", not true \(write the option\) or false \(leave it out\)/,
    fix: /write it as true/,
    fixed: {},
  },
  {
    name: "hostile: a TLS listener switched on where no certificate is mounted",
    stack: "moda1",
    changes: coturn({ "no-tls": false }),
    key: k("turn.tls"),
    message: /coturn would open a TLS listener, but turn\.tls is off: no certificate is mounted/,
    fix: /set turn\.tls \(with turn\.certFile and turn\.keyFile\)/,
    fixed: {},
  },
  {
    name: "hostile: coturn's listener on port 0",
    stack: "moda1",
    changes: coturn({ "listening-port": 0 }),
    key: k("overrides.coturn.listening-port"),
    message: /makes coturn listener '0', which is not a port or range of ports/,
    fix: /ports\.turn sets this port/,
    fixed: {},
  },
  {
    name: "hostile: LiveKit's ICE/TCP port at 65536",
    stack: "medex",
    changes: livekit({ rtc: { tcp_port: 65536 } }),
    key: k("overrides.livekit.rtc.tcp_port"),
    message: /is the number 65536, not a whole number from 1 to 65535/,
    fix: /write it as a whole number from 1 to 65535/,
    fixed: {},
  },
  {
    name: "hostile: LiveKit's own TURN server switched on",
    stack: "pro-dukt",
    changes: livekit({ turn: { enabled: true, udp_port: 3479 } }),
    key: k("overrides.livekit.turn.enabled"),
    message: /turn\.enabled starts LiveKit's own TURN server: its ports are in no key of the port plan/,
    fix: /LiveKit's clients get the organisation's coturn/,
    fixed: {},
  },
  {
    name: "hostile: LiveKit in development mode (pprof on the public signalling path)",
    stack: "medex",
    changes: livekit({ development: true }),
    key: k("overrides.livekit.development"),
    message: /development mode serves Go's pprof handlers and \/debug\/rooms on LiveKit's signalling port/,
    fix: DROP,
    fixed: {},
  },
  {
    name: "hostile: LiveKit's signalling bound to loopback",
    stack: "pro-dukt",
    changes: livekit({ bind_addresses: ["127.0.0.1"] }),
    key: k("overrides.livekit.bind_addresses"),
    message:
      /bind_addresses 127\.0\.0\.1 is not the Docker host's address 192\.0\.2\.30: the proxy forwards \/livekit\/sfu\/ to 192\.0\.2\.30:7880/,
    fix: /LiveKit then listens on every address/,
    fixed: {},
  },
  {
    name: "hostile: LiveKit's metrics port on Synapse's port",
    stack: "medex",
    changes: livekit({ prometheus_port: 8008 }),
    key: k("overrides.livekit.prometheus_port"),
    message:
      /prometheus_port 8008 is Synapse's port \(ports\.synapse\): on the host network one of them cannot bind/,
    fix: /choose a port no service of the stack binds/,
    fixed: {},
  },
  {
    name: "hostile: a LiveKit timeout quoted as a string (yaml.v3 refuses !!str into uint32)",
    stack: "medex",
    changes: livekit({ room: { empty_timeout: "300" } }),
    key: k("overrides.livekit.room.empty_timeout"),
    message:
      /is the string "300", not a whole number of at least 0 \(unquoted\): LiveKit decodes livekit\.yaml with yaml\.v3/,
    fix: /write it as a whole number/,
    fixed: { overrides: { livekit: { room: { empty_timeout: 300 } } } },
  },
  {
    name: "hostile: a LiveKit log level LiveKit does not have",
    stack: "medex",
    changes: livekit({ logging: { level: "verbose" } }),
    key: k("overrides.livekit.logging.level"),
    message: /is the string "verbose", not one of "debug", "info", "warn", "error"/,
    fix: /write it as one of/,
    fixed: { overrides: { livekit: { logging: { level: "debug" } } } },
  },
  {
    name: "hostile: LiveKit's key pair replaced by override",
    stack: "pro-dukt",
    changes: livekit({ keys: { APIfixed: "a-secret-that-is-long-enough-for-livekit-xx" } }),
    key: k("overrides.livekit.keys"),
    message: /keys is a secret: an override writes it in clear into Pulumi\.pro-dukt\.yaml/,
    fix: /matrix-fleet generates it/,
    fixed: {},
  },
  {
    name: "hostile: Element Web told a deprecated server option beside default_server_config",
    stack: "medex",
    changes: element({ default_hs_url: "https://matrix.medex-pflegedienst.de" }),
    key: k("overrides.elementWeb.default_hs_url"),
    message: /Element Web refuses to load when this is set beside default_server_config/,
    fix: /default_server_config comes from hosts\.homeserver and serverName/,
    fixed: {},
  },
  {
    name: 'hostile: an Element Web boolean as a string (JavaScript reads "false" as true)',
    stack: "medex",
    changes: element({ show_labs_settings: "false" }),
    key: k("overrides.elementWeb.show_labs_settings"),
    message: /is the string "false", not true or false .*JavaScript truthiness/,
    fix: /write it as true or false/,
    fixed: { overrides: { elementWeb: { show_labs_settings: false } } },
  },
  {
    name: "hostile: Element Web sending conference calls to a third-party Jitsi",
    stack: "moda1",
    changes: element({ jitsi: { preferred_domain: "meet.jit.si" } }),
    key: k("overrides.elementWeb.jitsi.preferred_domain"),
    message: /sends Element's conference calls to a Jitsi outside this stack \(components\.jitsi is off\)/,
    fix: /turn components\.jitsi on/,
    fixed: {},
  },
  {
    name: "hostile: a room directory listing a server this one does not federate with",
    stack: "moda1",
    changes: element({ room_directory: { servers: ["moda1.uk", "matrix.org"] } }),
    key: k("overrides.elementWeb.room_directory.servers"),
    message: /lists matrix\.org, which this server does not federate with/,
    fix: /list moda1\.uk only/,
    fixed: {},
  },
  {
    name: "hostile: lk-jwt-service accepting any certificate when it checks OpenID tokens",
    stack: "medex",
    changes: lkJwt({ LIVEKIT_INSECURE_SKIP_VERIFY_TLS: "YES_I_KNOW_WHAT_I_AM_DOING" }),
    key: k("overrides.lkJwt.LIVEKIT_INSECURE_SKIP_VERIFY_TLS"),
    message: /accept any certificate when it checks a user's OpenID token/,
    fix: DROP,
    fixed: {},
  },
  {
    name: "hostile: lk-jwt-service moved off the port its container publishes",
    stack: "pro-dukt",
    changes: lkJwt({ LIVEKIT_JWT_BIND: ":9000" }),
    key: k("overrides.lkJwt.LIVEKIT_JWT_BIND"),
    message: /moves lk-jwt-service off :8080, the port its container publishes as ports\.lkJwt/,
    fix: /ports\.lkJwt sets the host port the proxy forwards to/,
    fixed: {},
  },
  {
    name: "hostile: an environment variable lk-jwt-service v0.5.0 does not read",
    stack: "medex",
    changes: lkJwt({ LIVEKIT_LOG_LEVEL: "debug" }),
    key: k("overrides.lkJwt.LIVEKIT_LOG_LEVEL"),
    message: /'LIVEKIT_LOG_LEVEL' is not a key matrix-fleet judges in lk-jwt-service's/,
    fix: /LIVEKIT_URL, LIVEKIT_KEY/,
    fixed: {},
  },
  {
    name: "hostile: an image on :latest pinned nowhere else (LATEST in capitals is refused as a reference)",
    stack: "moda1",
    changes: { images: { synapse: "matrixdotorg/synapse:LATEST" } },
    key: k("images.synapse"),
    message: /the tag 'LATEST' names none/,
    fix: /matrixdotorg\/synapse:v1\.163\.2/,
    fixed: {},
  },
  {
    name: "hostile: an image on a distribution tag (alpine3.19 names Alpine's version, not PostgreSQL's)",
    stack: "moda1",
    changes: { images: { postgres: "postgres:alpine3.19" } },
    key: k("images.postgres"),
    message: /the tag 'alpine3\.19' names none/,
    fix: /postgres:16\.10-alpine/,
    fixed: {},
  },
  {
    name: "hostile: a TURN key path through .. into certbot's tree",
    stack: "produktor",
    changes: {
      turn: { keyFile: "/etc/matrix-fleet/tls/../../letsencrypt/live/turn.produktor.io/privkey.pem" },
    },
    key: k("turn.keyFile"),
    message: /it is \/etc\/letsencrypt\/live\/turn\.produktor\.io\/privkey\.pem, which is in certbot's tree/,
    fix: /write it as \/etc\/letsencrypt\/live\/turn\.produktor\.io\/privkey\.pem/,
    fixed: {},
  },
  {
    name: "hostile: a TURN certificate path with // in the middle",
    stack: "produktor",
    changes: { turn: { certFile: "/etc/matrix-fleet//tls/turn.produktor.io/fullchain.pem" } },
    key: k("turn.certFile"),
    message: /it is \/etc\/matrix-fleet\/tls\/turn\.produktor\.io\/fullchain\.pem/,
    fix: /write it as \/etc\/matrix-fleet\/tls\/turn\.produktor\.io\/fullchain\.pem/,
    fixed: { turn: { certFile: "/etc/matrix-fleet/tls/turn.produktor.io/fullchain.pem" } },
  },
  {
    name: "hostile: an ACME e-mail on a .local domain",
    stack: "moda1",
    changes: { proxy: { letsencryptEmail: "it@office.local" } },
    key: k("proxy.letsencryptEmail"),
    message: /ends in no public top-level domain: Let's Encrypt refuses the account/,
    fix: /a real mailbox on a public domain/,
    fixed: {},
  },
  {
    name: "hostile: a Docker host with a password in its URL",
    stack: "moda1",
    changes: { docker: { host: "ssh://deploy:hunter2@198.51.100.40" } },
    key: k("docker.host"),
    message: /holds a password, which Docker refuses \('plain-text password is not supported'\)/,
    fix: /ssh:\/\/user@host/,
    fixed: {},
  },
  {
    name: "hostile: a Docker host with a socket path Docker would ignore",
    stack: "moda1",
    changes: { docker: { host: "ssh://deploy@198.51.100.40/run/user/1000/docker.sock" } },
    key: k("docker.host"),
    message: /has the path '\/run\/user\/1000\/docker\.sock', which Docker ignores/,
    fix: /ssh:\/\/user@host/,
    fixed: {},
  },
  {
    name: "hostile: an NPM admin URL with a query string",
    stack: "moda1",
    changes: { proxy: { npmUrl: "http://198.51.100.41:81?token=abc" } },
    key: k("proxy.npmUrl"),
    message: /has a query or fragment \('\?token=abc'\), which no NPM request carries/,
    fix: /scheme, host and port only/,
    fixed: {},
  },
];

interface Unusual {
  readonly name: string;
  readonly stack: "produktor" | "pro-dukt" | "medex" | "moda1";
  readonly changes: Record<string, unknown>;
  readonly check?: (outDir: string, stack: string) => void;
}

const rendered = (outDir: string, stack: string, file: string) =>
  fs.readFileSync(path.join(outDir, stack, file), "utf8");

/** Valid configurations around the same judgements: none may be refused. */
export const UNUSUAL_OVERRIDE_CASES: readonly Unusual[] = [
  {
    name: "#28 valid: an unjudged Synapse flag is written as given and listed in summary.md",
    stack: "medex",
    changes: { overrides: { unjudged: { synapse: { experimental_features: { msc4306_enabled: true } } } } },
    check: (out, stack) => {
      if (!/msc4306_enabled: true/.test(rendered(out, stack, "synapse/homeserver.yaml")))
        throw new Error("the unjudged flag is not in homeserver.yaml");
      if (
        !rendered(out, stack, "summary.md").includes("## Unjudged overrides") ||
        !rendered(out, stack, "summary.md").includes(
          "`overrides.unjudged.synapse.experimental_features.msc4306_enabled = true`",
        )
      )
        throw new Error("summary.md does not list the unjudged override");
    },
  },
  {
    name: "#28 valid: an unjudged coturn switch is written as given",
    stack: "pro-dukt",
    changes: { overrides: { unjudged: { coturn: { "no-rfc5780": true } } } },
    check: (out, stack) => {
      if (!/^no-rfc5780$/m.test(rendered(out, stack, "coturn/turnserver.conf")))
        throw new Error("the unjudged switch is not in turnserver.conf");
    },
  },
  {
    name: "#28 valid: judged overrides with values the stack allows",
    stack: "produktor",
    changes: {
      overrides: {
        synapse: {
          auto_join_rooms: ["#lobby:produktor.io", "#partners:pro-dukt.de"],
          presence: { enabled: "untracked" },
          encryption_enabled_by_default_for_room_type: "invite",
          media_retention: { remote_media_lifetime: "14d" },
          rc_login: { address: { per_second: 1000, burst_count: 1000 } },
          // An all-hands joining one room within a minute (docs/capacity.md: the burst Synapse's defaults refuse).
          rc_joins_per_room: { per_second: 10, burst_count: 300 },
          rc_joins: { local: { per_second: 1, burst_count: 20 } },
          ip_range_whitelist: ["198.18.0.0/15"],
        },
        coturn: { "max-bps": "3000000", "stale-nonce": 600, verbose: true },
        livekit: {
          room: { empty_timeout: 600, max_participants: 50 },
          logging: { level: "debug", json: true },
        },
        elementWeb: {
          default_theme: "dark",
          default_country_code: "DE",
          room_directory: { servers: ["produktor.io", "pro-dukt.de"] },
        },
      },
    },
  },
  {
    name: "#28 valid: an override repeating what matrix-fleet writes anyway",
    stack: "moda1",
    changes: {
      overrides: { synapse: { report_stats: false, public_baseurl: "https://synapse.server.moda1.uk/" } },
    },
  },
  {
    name: "#28 valid: images pinned by a version with a variant, and by digest on a moving tag",
    stack: "moda1",
    changes: {
      images: {
        postgres: "postgres:16-bookworm",
        coturn: `coturn/coturn:latest@sha256:${"b".repeat(64)}`,
      },
    },
  },
  {
    name: "#28 valid: an NPM host taken over on purpose, named in summary.md",
    stack: "produktor",
    changes: { proxy: { adoptHosts: ["chat.produktor.io", "meet.produktor.io"] } },
    check: (out, stack) => {
      if (
        !/takes over \(proxy\.adoptHosts\): chat\.produktor\.io, meet\.produktor\.io/.test(
          rendered(out, stack, "summary.md"),
        )
      )
        throw new Error("summary.md does not name the hosts taken over");
    },
  },
  {
    name: "#28 valid: NPM on the Docker host, every service port clear of NPM's",
    stack: "moda1",
    changes: { proxy: { lanIp: "198.51.100.40", npmUrl: "http://198.51.100.40:81/" } },
  },
  {
    name: "#28 valid: a Docker host on another SSH port, an ACME e-mail on a subdomain",
    stack: "medex",
    changes: {
      docker: { host: "ssh://deploy@192.0.2.40:2222" },
      proxy: { letsencryptEmail: "hostmaster@it.medex-pflegedienst.de" },
    },
  },
  {
    name: "#28 valid: coturn's TLS files in a directory of their own, outside any certbot tree",
    stack: "produktor",
    changes: {
      turn: {
        certFile: "/srv/tls/turn.produktor.io/cert.pem",
        keyFile: "/srv/tls/turn.produktor.io/key.pem",
      },
    },
  },
];
