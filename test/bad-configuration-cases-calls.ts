import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import type { BadCase, UnusualCase } from "./configuration-case";

/**
 * The bad and unusual configurations of issue #29 (calls for people on the site's LAN, on networks that pass only TCP
 * 443, from a peer organisation, in rooms made by others): each preflight rule the issue added has its case here,
 * naming stack, key and fix (test/bad-configurations.test.ts runs them with the rest of the catalogue).
 */
const k = (p: string) => `matrix-fleet:${p}`;
const read = (outDir: string, stack: string, file: string) =>
  fs.readFileSync(path.join(outDir, stack, file), "utf8");

export const CALLS_CASES: BadCase[] = [
  {
    name: "#29 behind a router, nothing said about how LAN clients reach the services",
    stack: "produktor",
    changes: { network: { lanAccess: null } },
    key: k("network.lanAccess"),
    message:
      /is not set: behind a router, people on the site's own LAN resolve the public names to the WAN address/,
    fix: /loopback \(the router has NAT loopback for every forward\), splitDns .* or none/,
    fixed: {},
  },
  {
    name: "#29 network.lanAccess with a word the stack does not know",
    stack: "pro-dukt",
    changes: { network: { lanAccess: "hairpin" } },
    key: k("network.lanAccess"),
    message: /must be one of loopback, splitDns, none, got string "hairpin"/,
    fix: /set it to one of: loopback, splitDns, none/,
    fixed: {},
  },
  {
    name: "#29 network.lanAccess on a Docker host that holds the public address itself",
    stack: "moda1",
    changes: { network: { lanAccess: "loopback" } },
    key: k("network.lanAccess"),
    message: /is set, but network\.lanIp is not: without a router in front of the Docker host/,
    fix: /remove network\.lanAccess, or set network\.lanIp/,
    fixed: {},
  },
  {
    name: "#29 TURN on 443 on the address whose 443 is the proxy's",
    stack: "produktor",
    changes: { turn: { port443Ip: "203.0.113.10" } },
    key: k("turn.port443Ip"),
    message: /is network\.publicIp 203\.0\.113\.10, whose TCP 443 the router forwards to Nginx Proxy Manager/,
    fix: /set it to a second WAN address of the site/,
    fixed: {},
  },
  {
    name: "#29 TURN on 443 on a private address",
    stack: "produktor",
    changes: { turn: { port443Ip: "192.168.1.5" } },
    key: k("turn.port443Ip"),
    message:
      /'192\.168\.1\.5' is a private .* address, which clients on the internet cannot reach; the TURN name would resolve to it/,
    fix: /set it to a second WAN address of the site's router/,
    fixed: {},
  },
  {
    name: "#29 TURN on 443 without a router to forward it",
    stack: "moda1",
    changes: { turn: { port443Ip: "198.51.100.44" } },
    key: k("turn.port443Ip"),
    message: /TURN on 443 is a router forward of the second address's TCP 443 to coturn's TLS port/,
    fix: /set network\.lanIp\), or remove turn\.port443Ip/,
    fixed: {},
  },
  {
    name: "#29 TURN on 443 with coturn off",
    stack: "moda1",
    changes: { components: { coturn: false }, turn: { port443Ip: "198.51.100.44" } },
    key: k("turn.port443Ip"),
    message: /is set, but coturn is off \(components\.coturn\): nothing would answer TURN on 443/,
    fix: /turn components\.coturn on, or remove turn\.port443Ip/,
    fixed: {},
  },
  {
    name: "#29 an override that sets new rooms' event levels without the call membership (only moderators join calls)",
    stack: "produktor",
    changes: {
      overrides: {
        synapse: {
          default_power_level_content_override: { private_chat: { events: { "m.room.name": 50 } } },
        },
      },
    },
    key: k("overrides.synapse.default_power_level_content_override"),
    message:
      /in new private_chat, trusted_private_chat, public_chat rooms only moderators could join calls: org\.matrix\.msc3401\.call\.member needs 50 in private_chat rooms, a member has 0/,
    fix: /drop the override: matrix-fleet writes, for each preset, Synapse's default event levels with org\.matrix\.msc3401\.call\.member at 0/,
    fixed: {},
  },
  {
    name: "#29 an override that raises the call membership above members in public rooms",
    stack: "medex",
    changes: {
      overrides: {
        synapse: {
          default_power_level_content_override: {
            private_chat: { events: { "org.matrix.msc3401.call.member": 0 } },
            trusted_private_chat: { events: { "org.matrix.msc3401.call.member": 0 } },
            public_chat: { events: { "org.matrix.msc3401.call.member": 50 } },
          },
        },
      },
    },
    key: k("overrides.synapse.default_power_level_content_override"),
    message:
      /in new public_chat rooms only moderators could join calls: org\.matrix\.msc3401\.call\.member needs 50/,
    fix: /a level no higher than users_default in every preset's events/,
    fixed: {},
  },
  {
    name: "#29 an override that lets members send state but not messages: the sticky call membership",
    stack: "pro-dukt",
    changes: {
      overrides: {
        synapse: {
          default_power_level_content_override: Object.fromEntries(
            ["private_chat", "trusted_private_chat", "public_chat"].map((preset) => [
              preset,
              { events_default: 10, events: { "org.matrix.msc3401.call.member": 0 } },
            ]),
          ),
        },
      },
    },
    key: k("overrides.synapse.default_power_level_content_override"),
    message: /org\.matrix\.msc4143\.rtc\.member needs 10 in private_chat rooms, a member has 0/,
    fix: /drop the override/,
    fixed: {},
  },
  {
    name: "#29 a peer on the same WAN address behind a router that loops nothing back (lk-jwt-service cannot check its users)",
    stack: "pro-dukt",
    changes: {
      network: { publicIp: "203.0.113.10", lanAccess: "none" },
      ports: { turn: 3479, turnRelay: "49210-49250", livekitTcp: 7882, livekitUdp: "50210-50300" },
    },
    key: k("network.lanAccess"),
    message:
      /produktor\.io \(stack produktor\) shares the WAN address 203\.0\.113\.10 with pro-dukt\.de, and the router loops nothing back .* so produktor\.io's users get no token for pro-dukt\.de's calls/,
    fix: /enable NAT loopback on the router and set network\.lanAccess to loopback, or have the LAN's DNS answer produktor\.io's names/,
    fixed: {},
  },
];

export const CALLS_UNUSUAL: UnusualCase[] = [
  {
    name: "#29 TURN on 443 of a second WAN address: URIs, LiveKit's TURN servers, Jitsi and the router's forwards",
    stack: "produktor",
    changes: { turn: { port443Ip: "203.0.113.11" } },
    check: (out, stack) => {
      const homeserver = yaml.load(read(out, stack, "synapse/homeserver.yaml")) as { turn_uris: string[] };
      assert.deepEqual(homeserver.turn_uris.slice(-2), [
        "turn:turn.produktor.io:443?transport=tcp",
        "turns:turn.produktor.io:443?transport=tcp",
      ]);
      const livekit = yaml.load(read(out, stack, "livekit/livekit.yaml")) as {
        rtc: { turn_servers: Array<{ port: number; protocol: string; host: string }> };
      };
      assert.deepEqual(
        livekit.rtc.turn_servers.filter((s) => s.port === 443).map((s) => `${s.host} ${s.protocol}`),
        ["turn.produktor.io tcp", "turn.produktor.io tls"],
      );
      assert.match(read(out, stack, "jitsi/prosody.env"), /^TURNS_PORT=443$/m);
      const checklist = read(out, stack, "router-checklist.md");
      assert.match(checklist, /## TURN on 443: the second WAN address 203\.0\.113\.11/);
      assert.match(checklist, /\| TCP \| 443 \| 192\.0\.2\.10:5349 \| coturn \|/);
      assert.match(checklist, /\| UDP \| 3478 \| 192\.0\.2\.10:3478 \| coturn \|/);
      assert.match(checklist, /DNS: turn\.produktor\.io must resolve to 203\.0\.113\.11/);
    },
  },
  {
    name: "#29 TURN on 443 without TLS: plain TURN over TCP on 443, forwarded to coturn's listener",
    stack: "pro-dukt",
    changes: { turn: { port443Ip: "203.0.113.21" } },
    check: (out, stack) => {
      const homeserver = yaml.load(read(out, stack, "synapse/homeserver.yaml")) as { turn_uris: string[] };
      assert.deepEqual(homeserver.turn_uris.at(-1), "turn:turn.pro-dukt.de:443?transport=tcp");
      assert.ok(!homeserver.turn_uris.some((u) => u.startsWith("turns:")));
      assert.match(
        read(out, stack, "router-checklist.md"),
        /\| TCP \| 443 \| 192\.0\.2\.30:3478 \| coturn \|/,
      );
    },
  },
  {
    name: "#29 LAN clients through the router's NAT loopback: the checklist asks for it on every forward",
    stack: "produktor",
    changes: { network: { lanAccess: "loopback" } },
    check: (out, stack) => {
      const checklist = read(out, stack, "router-checklist.md");
      assert.match(
        checklist,
        /must loop back every forward above, not only 80\/443: udp\/3478, udp\/49160-49200/,
      );
      assert.doesNotMatch(checklist, /DNS on the LAN/);
      assert.match(read(out, stack, "jitsi/jvb.env"), /^JVB_ADVERTISE_IPS=203\.0\.113\.10$/m);
    },
  },
  {
    name: "#29 nobody on the site's LAN: said plainly",
    stack: "medex",
    changes: { network: { lanAccess: "none" } },
    check: (out, stack) =>
      assert.match(
        read(out, stack, "router-checklist.md"),
        /nobody on the site's LAN .* can use these services/,
      ),
  },
  {
    name: "#29 an operator's own power levels that still let members join calls",
    stack: "produktor",
    changes: {
      overrides: {
        synapse: {
          default_power_level_content_override: Object.fromEntries(
            ["private_chat", "trusted_private_chat", "public_chat"].map((preset) => [
              preset,
              { users_default: 10, events: { "org.matrix.msc3401.call.member": 10, "m.room.name": 100 } },
            ]),
          ),
        },
      },
    },
    check: (out, stack) => assert.match(read(out, stack, "synapse/homeserver.yaml"), /m\.room\.name: 100/),
  },
  {
    name: "#29 Synapse 1.157.1 (default room version 10): the tombstone stays at 100",
    stack: "produktor",
    changes: { images: { synapse: "matrixdotorg/synapse:v1.157.1" } },
    check: (out, stack) => assert.equal(tombstoneLevel(read(out, stack, "synapse/homeserver.yaml")), 100),
  },
  {
    name: "#29 the release set's Synapse 1.163.2 (default room version 12): the tombstone at 150 as Synapse has it",
    stack: "produktor",
    changes: {},
    check: (out, stack) => assert.equal(tombstoneLevel(read(out, stack, "synapse/homeserver.yaml")), 150),
  },
  {
    name: "#29 a default room version with creator power: the tombstone at 150 as Synapse has it there",
    stack: "produktor",
    changes: { overrides: { synapse: { default_room_version: "12" } } },
    check: (out, stack) => {
      const homeserver = yaml.load(read(out, stack, "synapse/homeserver.yaml")) as {
        default_power_level_content_override: Record<string, { events: Record<string, number> }>;
      };
      assert.equal(
        homeserver.default_power_level_content_override.public_chat!.events["m.room.tombstone"],
        150,
      );
    },
  },
];

/** The tombstone's level in the public_chat preset's power-level override of a rendered homeserver.yaml. */
function tombstoneLevel(homeserverYaml: string): number | undefined {
  const homeserver = yaml.load(homeserverYaml) as {
    default_power_level_content_override: Record<string, { events: Record<string, number> }>;
  };
  return homeserver.default_power_level_content_override.public_chat!.events["m.room.tombstone"];
}
