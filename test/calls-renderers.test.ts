/**
 * What issue #29 renders: the LAN section and split-DNS entries of the router checklist, Jitsi's LAN candidate,
 * new rooms' power levels, coturn's healthcheck with TLS. Upstream sources: docs/upstream/{synapse,jitsi,coturn}.md.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { memberCallLevels } from "../checks/synapse-calls";
import { jvbAdvertisedIps } from "../config-templates/jitsi-env";
import { lanDnsEntries, readLanDnsTable } from "../config-templates/lan-access";
import { renderRouterChecklist } from "../config-templates/router-checklist";
import { renderSummary } from "../config-templates/summary";
import { SYNAPSE_DEFAULT_EVENT_POWER_LEVELS } from "../facts/synapse";
import { coturnHealthcheck } from "../model/coturn-tls";
import { orgFor, planFor } from "./helpers";

describe("the site's LAN (network.lanAccess, field failure 11)", () => {
  it("split DNS: every name the proxy serves at the proxy's LAN address, the TURN name at the Docker host's", () => {
    const plan = planFor("produktor");
    const entries = lanDnsEntries(plan.org, plan.proxyHosts, true);
    assert.deepEqual(
      entries.map((e) => `${e.name} ${e.address}`),
      [
        "chat.produktor.io 192.0.2.20",
        "produktor.io 192.0.2.20",
        "element.produktor.io 192.0.2.20",
        "matrix-rtc.produktor.io 192.0.2.20",
        "meet.produktor.io 192.0.2.20",
        "admin.produktor.io 192.0.2.20",
        "turn.produktor.io 192.0.2.10",
      ],
    );
    // What the checklist prints is what the LAN's DNS gets (the Docker lab reads it back the same way).
    assert.deepEqual(readLanDnsTable(renderRouterChecklist(plan)), entries);
  });

  it("only the split-DNS site has the table; no router, no section", () => {
    assert.deepEqual(
      readLanDnsTable(renderRouterChecklist(planFor("produktor", { network: { lanAccess: "loopback" } }))),
      [],
    );
    const noRouter = renderRouterChecklist(planFor("moda1"));
    assert.doesNotMatch(noRouter, /site's LAN/);
  });

  it("Jitsi's videobridge offers the LAN address where LAN clients cannot reach the WAN one", () => {
    const ips = (lanAccess: string) => jvbAdvertisedIps(orgFor("produktor", { network: { lanAccess } }));
    assert.deepEqual(ips("splitDns"), ["203.0.113.10", "192.0.2.10"]);
    assert.deepEqual(ips("loopback"), ["203.0.113.10"]);
    assert.deepEqual(ips("none"), ["203.0.113.10"]);
    assert.deepEqual(jvbAdvertisedIps(orgFor("moda1")), ["198.51.100.40"]);
  });
});

describe("new rooms in which members may join calls (field failure 29)", () => {
  it("each preset gets Synapse's own event levels (the override replaces the map) with the call membership at 0", () => {
    const homeserver = planFor("produktor").synapse.homeserver;
    const override = homeserver.default_power_level_content_override as Record<
      string,
      { events: Record<string, number> }
    >;
    assert.deepEqual(Object.keys(override), ["private_chat", "trusted_private_chat", "public_chat"]);
    for (const preset of Object.values(override))
      assert.deepEqual(preset, {
        // The release set's Synapse 1.163.2 creates room version 12 rooms (creator power): tombstone at 150.
        events: {
          ...SYNAPSE_DEFAULT_EVENT_POWER_LEVELS,
          "m.room.tombstone": 150,
          "org.matrix.msc3401.call.member": 0,
        },
      });
    for (const level of memberCallLevels(homeserver))
      assert.ok(
        level.needed <= level.member,
        `${level.preset} ${level.eventType}: ${level.needed} > ${level.member}`,
      );
  });

  it("Synapse's levels as v1.157.1 builds them without the override: a member cannot send the call membership", () => {
    const levels = memberCallLevels({});
    assert.deepEqual(
      levels
        .filter((l) => l.eventType === "org.matrix.msc3401.call.member")
        .map((l) => [l.preset, l.needed, l.member]),
      [
        ["private_chat", 50, 0],
        ["trusted_private_chat", 50, 0],
        ["public_chat", 50, 0],
      ],
    );
  });

  it("nothing of it without MatrixRTC", () => {
    assert.equal(planFor("moda1").synapse.homeserver.default_power_level_content_override, undefined);
  });
});

describe("coturn's healthcheck (field failure 20)", () => {
  it("with turn.tls: a STUN binding, then a TLS handshake on the TLS port, bounded, naming the cause", () => {
    const [kind, script] = coturnHealthcheck(orgFor("produktor"));
    assert.equal(kind, "CMD-SHELL");
    assert.match(script!, /^turnutils_stunclient -p 3478 127\.0\.0\.1 >\/dev\/null \|\| /);
    assert.match(
      script!,
      /timeout 4 turnutils_uclient -t -S -y -p 5349 127\.0\.0\.1 2>&1 \| grep -q 'session connected with cipher' \|\| \{ echo "coturn's TLS listener completes no TLS handshake: .*uid 65534/,
    );
  });

  it("without TLS: the STUN binding alone, as before", () => {
    assert.deepEqual(coturnHealthcheck(orgFor("pro-dukt")), [
      "CMD",
      "turnutils_stunclient",
      "-p",
      "3478",
      "127.0.0.1",
    ]);
  });
});

describe("summary.md says who reaches calls from where", () => {
  it("the LAN's way in, and TURN on 443 when there is a second address", () => {
    const split = renderSummary(planFor("produktor"));
    assert.match(split, /People on the site's LAN reach the services through split DNS on the LAN/);
    assert.doesNotMatch(split, /TCP 443 of/);
    const on443 = renderSummary(planFor("produktor", { turn: { port443Ip: "203.0.113.11" } }));
    assert.match(on443, /TURN also answers on TCP 443 of 203\.0\.113\.11/);
    assert.doesNotMatch(renderSummary(planFor("moda1")), /site's LAN/);
  });
});
