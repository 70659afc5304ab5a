/**
 * What each stack-config key means, for the two things generated from the parser's key recorder
 * (config/json-schema.ts): the JSON Schema's `description` (shown by editors) and the configuration reference,
 * docs/configuration.md (`npm run schema` writes both). Types, defaults and required keys come from the recorder;
 * this file adds only the words, and a default the recorder cannot state because it derives from other keys. A test
 * fails when a key the parser reads has no entry here, or an entry names no key.
 *
 * Keys are config paths (`network.publicIp`); `section.*` covers every key of a section not named on its own.
 */
import { CAPACITY_KEY_DOCS } from "./capacity-key-docs";
import { MONITORING_KEY_DOCS } from "./monitoring-key-docs";

export interface KeyDoc {
  readonly meaning: string;
  /** The value's kind in words, where the parser reads it without a typed accessor. */
  readonly type?: string;
  /** A default that derives from other keys (the recorder leaves those out), in words. */
  readonly derivedDefault?: string;
}

/** One line per top-level section, above its table in the reference. */
export const SECTION_DOCS: Readonly<Record<string, string>> = {
  "": "The organisation and its Matrix identity.",
  hosts: "The public hostnames, each served by Nginx Proxy Manager (the TURN host excepted).",
  components: "Which services run. `matrixRtc` is LiveKit with lk-jwt-service (Element Call).",
  network: "Where the organisation is reached and what its router forwards.",
  ports:
    "The port plan: the first rows are forwarded by the router (1:1), the rest are the upstream ports Nginx Proxy Manager forwards to on the Docker host.",
  federation: "Which organisations this one federates with.",
  images:
    "Image overrides. The pinned defaults live in `facts/images.ts`; an override must carry a version tag.",
  docker: "Where the stack deploys to.",
  proxy: "Nginx Proxy Manager in front of every HTTP service ([the proxy page](proxy.md)).",
  synapse: "Synapse options.",
  turn: "coturn options.",
  element: "Element Web options.",
  jitsi: "Jitsi Meet options (with `components.jitsi`).",
  secretRotation: "Bump a group to rotate its secrets ([secrets and rotation](secrets.md)).",
  overrides:
    "The expert escape hatch: values merged over the rendered documents, each key judged on the file that would be deployed or refused ([expert overrides](overrides.md), [the keys](override-keys.md)).",
  backup:
    "Backups of the organisation's data with restic: what, where, how often, how many kept ([backups and restore](backups.md)).",
  backupCredentials:
    "An off-host backup target's credentials, set only with `pulumi config set --secret --path` (clear text is refused).",
  adopt:
    "Taking over the stores of a running Compose deployment ([adopting Compose](adopting-compose.md)): each store an existing Docker volume name, or an absolute host directory (bind mount), to use instead of the stack's own.",
  adoptedSecrets: "Secrets taken over from a running deployment instead of generated.",
  capacity:
    "The Docker host's size and the largest call expected: summary.md predicts the call capacity from them, and preflight warns when the expected call does not fit ([call capacity](capacity.md)). Neither changes what is deployed.",
  monitoring:
    "The organisation's own Prometheus, Alertmanager, exporters, call probe and alert room, with `components.monitoring` ([monitoring and alerts](monitoring.md)).",
};

export const KEY_DOCS: Readonly<Record<string, KeyDoc>> = {
  ...MONITORING_KEY_DOCS,
  organisation: {
    meaning: "display name; Element Web's brand unless `element.brand` says otherwise",
    derivedDefault: "the stack name",
  },
  serverName: { meaning: "the Matrix server name (`@alice:<serverName>`); lower case, it is an identity" },
  npmIdentity: {
    type: "secret",
    meaning: "the Nginx Proxy Manager login (e-mail); secret: `pulumi config set --secret npmIdentity`",
  },
  npmSecret: { type: "secret", meaning: "the Nginx Proxy Manager password; secret, refused in clear text" },

  "hosts.wellKnown": {
    meaning: "serves `/.well-known/matrix/server` and `/client` (with CORS)",
    derivedDefault: "`<serverName>`",
  },
  "hosts.homeserver": {
    meaning: "Synapse's client and federation API",
    derivedDefault: "`matrix.<serverName>`",
  },
  "hosts.element": { meaning: "Element Web", derivedDefault: "`element.<serverName>`" },
  "hosts.rtc": {
    meaning: "MatrixRTC: lk-jwt-service at `/livekit/jwt`, LiveKit's signalling at `/livekit/sfu`",
    derivedDefault: "`matrix-rtc.<serverName>`",
  },
  "hosts.turn": {
    meaning: "coturn; must resolve to `network.publicIp` directly (an A record, not the proxy)",
    derivedDefault: "`turn.<serverName>`",
  },
  "hosts.jitsi": { meaning: "Jitsi Meet", derivedDefault: "`meet.<serverName>`" },
  "hosts.admin": { meaning: "the Ketesa admin UI", derivedDefault: "`admin.<serverName>`" },

  "components.elementWeb": { meaning: "Element Web" },
  "components.coturn": { meaning: "coturn (TURN/STUN), host network; MatrixRTC relays through it too" },
  "components.matrixRtc": { meaning: "LiveKit SFU (host network) and lk-jwt-service: Element Call" },
  "components.jitsi": { meaning: "Jitsi Meet (web, prosody, jicofo, jvb); needs `jitsi.enableAuth` stated" },
  "components.ketesa": { meaning: "the Ketesa admin UI" },

  "network.publicIp": {
    meaning:
      "the WAN address: coturn's `external-ip` and LiveKit's `node_ip`; must be reachable from the internet",
  },
  "network.lanIp": {
    meaning:
      "the Docker host's LAN address behind NAT: coturn `external-ip=public/private`, LiveKit's `rtc.ips`",
  },
  "network.routerForwards": {
    meaning:
      "what the router forwards today, e.g. `udp/49160-49200`; preflight compares it with what the stack needs",
  },
  "network.lanAccess": {
    type: "`loopback`, `splitDns` or `none`",
    meaning:
      "how people on the site's LAN reach the services: the router loops back, the LAN's DNS answers LAN addresses, or nobody calls from that LAN ([calls](calls.md#people-on-the-sites-own-lan-networklanaccess))",
    derivedDefault: "none; required with `network.lanIp`",
  },

  "ports.turn": { meaning: "coturn STUN/TURN, UDP and TCP (forwarded)" },
  "ports.turnTls": { meaning: "coturn TURN over TLS, with `turn.tls` (forwarded)" },
  "ports.turnRelay": { meaning: "coturn's UDP relay range (forwarded 1:1); its size caps concurrent relays" },
  "ports.livekitHttp": { meaning: "LiveKit's signalling, behind the proxy's `/livekit/sfu`" },
  "ports.livekitTcp": { meaning: "LiveKit's ICE/TCP fallback (forwarded)" },
  "ports.livekitUdp": { meaning: "LiveKit's UDP media range (forwarded 1:1)" },
  "ports.jvb": { meaning: "Jitsi videobridge media, UDP (forwarded)" },
  "ports.synapse": { meaning: "Synapse's HTTP listener on the Docker host" },
  "ports.elementWeb": { meaning: "Element Web on the Docker host" },
  "ports.ketesa": { meaning: "Ketesa on the Docker host" },
  "ports.lkJwt": { meaning: "lk-jwt-service on the Docker host" },
  "ports.jitsiWeb": { meaning: "Jitsi web on the Docker host" },

  "federation.peers": {
    meaning:
      "server names to federate with, each with a stack here; `[]` means nobody. The fleet checks reject a one-sided entry",
  },

  "images.*": { meaning: "image override for that service; must carry a version tag" },

  "docker.host": {
    meaning: "the Docker engine: a local socket or `ssh://user@host` (plain `tcp://` is refused)",
  },
  "docker.sshOpts": {
    meaning: 'ssh options for an `ssh://` host, e.g. `["-i", "~/.ssh/deploy", "-p", "2222"]`',
  },

  "proxy.npmUrl": { meaning: "Nginx Proxy Manager's admin API (port 81)" },
  "proxy.lanIp": {
    meaning: "the NPM host's LAN address; lk-jwt-service reaches our public names there (not loopback)",
  },
  "proxy.forwardHost": {
    meaning: "the address NPM forwards to (the Docker host), without scheme or port",
    derivedDefault: "`network.lanIp`, else `network.publicIp`",
  },
  "proxy.certificate": {
    type: "`new` or an NPM certificate id",
    meaning:
      "`new`: one Let's Encrypt certificate per host; a number: that existing NPM certificate for every host",
    derivedDefault: "`new`",
  },
  "proxy.letsencryptEmail": {
    meaning: "the e-mail of the NPM user that orders certificates (NPM takes no other)",
    derivedDefault: "`admin@<serverName>`",
  },
  "proxy.adoptHosts": {
    meaning:
      "existing NPM proxy hosts (by one of their domains) the stack may take over; `npm run adopt` proposes them",
  },
  "proxy.clientMaxBodySize": {
    meaning: "nginx `client_max_body_size` for `/_matrix`; not below `synapse.maxUploadSize`",
  },

  "synapse.enableRegistration": {
    meaning: "open registration; refused without verification (e.g. `registration_requires_token`)",
  },
  "synapse.maxUploadSize": { meaning: "Synapse's `max_upload_size`" },
  "synapse.urlPreviews": { meaning: "URL previews, with Synapse's recommended IP blacklist" },
  "synapse.enableMetrics": { meaning: "Synapse's `enable_metrics`" },
  "synapse.adminContact": { meaning: "`admin_contact`: a `mailto:` or `https:` URI" },
  "synapse.turnUserLifetime": {
    meaning: "lifetime of the TURN credentials Synapse hands out (`turn_user_lifetime`)",
  },
  "synapse.turnAllowGuests": { meaning: "whether guests get TURN credentials (`turn_allow_guests`)" },
  "synapse.maxEventDelayDuration": {
    meaning: "delayed events (MSC4140), which Element Call's leave events need; must not be off",
  },

  "turn.tls": { meaning: "coturn TURN over TLS on `ports.turnTls`, with a certificate for `hosts.turn`" },
  "turn.certFile": {
    meaning:
      "the certificate on the Docker host; its directory is mounted read-only and must be readable by uid 65534",
    derivedDefault: "`/etc/matrix-fleet/tls/<hosts.turn>/fullchain.pem`",
  },
  "turn.keyFile": {
    meaning: "the key on the Docker host, readable by uid 65534 (not inside `/etc/letsencrypt/`)",
    derivedDefault: "`/etc/matrix-fleet/tls/<hosts.turn>/privkey.pem`",
  },
  "turn.userQuota": { meaning: "relays one TURN credential may hold at once (`user-quota`)" },
  "turn.totalQuota": { meaning: "relays the whole server grants (`total-quota`)" },
  "turn.port443Ip": {
    meaning:
      "a second WAN address whose TCP 443 the router forwards to coturn's TLS port: TURN for networks that pass only 443 ([calls](calls.md#networks-that-pass-only-tcp-443-turnport443ip))",
  },

  "element.brand": { meaning: "Element Web's brand", derivedDefault: "`organisation`" },
  "element.disableGuests": { meaning: "Element Web's `disable_guests`" },
  "element.disableCustomUrls": { meaning: "Element Web's `disable_custom_urls`" },

  "jitsi.enableAuth": {
    meaning:
      "required with Jitsi on: `true` (hosts log in) or `false` (anyone may host; shown in `summary.md`)",
  },
  "jitsi.enableGuests": { meaning: "with `enableAuth`: whether others may join hosts' meetings" },
  "jitsi.enableTranscriptions": { meaning: "Jitsi's `ENABLE_TRANSCRIPTIONS`" },
  "jitsi.enableRecording": { meaning: "Jitsi's `ENABLE_RECORDING`" },
  "jitsi.timezone": { meaning: "`TZ` of the Jitsi containers; an IANA name" },

  "secretRotation.turn": { meaning: "`turn_shared_secret`: Synapse, coturn, LiveKit (and Jitsi's prosody)" },
  "secretRotation.livekit": {
    meaning: "`livekit_api_key` and `livekit_api_secret`: LiveKit and lk-jwt-service",
  },
  "secretRotation.synapse": {
    meaning: "`registration_shared_secret`, `macaroon_secret_key` (logs every user out), `form_secret`",
  },
  "secretRotation.jitsi": { meaning: "`jicofo_auth_password`, `jvb_auth_password`" },

  "overrides.synapse": { meaning: "judged keys merged over `homeserver.yaml`" },
  "overrides.livekit": { meaning: "judged keys merged over `livekit.yaml`" },
  "overrides.coturn": { meaning: "judged options of `turnserver.conf`" },
  "overrides.lkJwt": { meaning: "judged variables of lk-jwt-service's environment" },
  "overrides.elementWeb": { meaning: "judged keys merged over Element Web's `config.json`" },
  "overrides.unjudged.*": {
    meaning:
      "keys matrix-fleet does not judge, written as given last; `render`, every preview and `summary.md` list them",
  },

  "adopt.volumes.postgresData": {
    meaning: "PostgreSQL's data: an existing Docker volume name or an absolute host directory",
    derivedDefault: "none: the stack creates its own",
  },
  "adopt.volumes.synapseData": {
    meaning: "Synapse's data with the signing key (mounted at `/data`)",
    derivedDefault: "none: the stack creates its own",
  },
  "adopt.volumes.synapseMedia": {
    meaning: "Synapse's media store, when it lives on a mount of its own",
    derivedDefault: "none: the stack creates its own",
  },
  "adopt.volumes.jitsiProsody": {
    meaning: "Jitsi prosody's data",
    derivedDefault: "none: the stack creates its own",
  },
  "adopt.volumes.jitsiTranscripts": {
    meaning: "Jitsi's transcripts",
    derivedDefault: "none: the stack creates its own",
  },
  "adopt.synapse.signingKeyPath": {
    meaning: "the signing key's container path inside the data store",
    derivedDefault: "`/data/keys/<serverName>.signing.key`",
  },
  "adopt.synapse.mediaStorePath": { meaning: "the media store's container path" },
  "adopt.database.user": { meaning: "the existing database role" },
  "adopt.database.name": { meaning: "the existing database" },

  "synapse.remoteMediaLifetime": {
    meaning:
      "`media_retention.remote_media_lifetime`: how long other servers' cached media is kept (local media is never purged)",
  },

  "backup.enabled": {
    meaning: "scheduled backups on or off (`pulumi destroy` and switching off keep the repository)",
  },
  "backup.schedule": { meaning: '`"daily HH:MM"` (UTC) or `"every <number><s|m|h>"`' },
  "backup.repository": {
    meaning:
      "`volume` (a protected Docker volume on the Docker host), an absolute host directory, or an off-host `sftp:`, `rest:` or `s3:` repository",
  },
  "backup.maxAge": {
    meaning: "the age of the last successful backup past which `verify` fails (`<number><s|m|h|d>`)",
  },
  "backup.sftpKnownHosts": {
    meaning: "the sftp server's host keys (`known_hosts` lines), for an `sftp:` repository",
  },
  "backup.retention.*": {
    meaning: "how many snapshots of each kind restic keeps (`restic forget --keep-<kind>`)",
  },
  "backupCredentials.*": {
    meaning:
      "an off-host target's credential (S3 keys and region, a REST URL with its password, an sftp private key); secret only",
  },

  ...CAPACITY_KEY_DOCS,

  "adoptedSecrets.*": {
    meaning:
      "an existing secret value instead of a generated one; only with `pulumi config set --secret --path` (clear text is refused)",
  },
};

/** The entry for a key: its own, else its section's `*`. */
export function keyDoc(key: string): KeyDoc | undefined {
  const own = KEY_DOCS[key];
  if (own !== undefined) return own;
  const section = key.includes(".") ? key.slice(0, key.lastIndexOf(".")) : undefined;
  return section === undefined ? undefined : KEY_DOCS[`${section}.*`];
}
