/**
 * summary.md and router-checklist.md against the rendered files (issue #16). The expectations are derived here from
 * the rendered texts alone, read the way the servers read them (turnserver.conf, livekit.yaml, homeserver.yaml,
 * the env files), never from the typed config: for the four stacks, and for overrides that change what is deployed.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderPlanByPath } from "../config-templates/files";
import { buildStackPlan } from "../config-templates/plan";
import { SECRET_NAMES, placeholderSecrets, secretPlaceholder } from "../facts/secrets";
import { STACKS, orgFor } from "./helpers";
import { parseEnvFile, parseTurnserverConf, parseYaml } from "./parse-formats";

type Rendered = Map<string, string>;

function rendered(stack: string, changes: Record<string, unknown> = {}): Rendered {
  return renderPlanByPath(buildStackPlan(orgFor(stack, changes), placeholderSecrets()));
}

/** `udp 49160-49200` rows the router checklist asks for, as "protocol port(s)". */
function checklistRows(files: Rendered): string[] {
  return files
    .get("router-checklist.md")!
    .split("\n")
    .filter((line) => /^\| (TCP|UDP) \|/.test(line))
    .map((line) => line.split("|").map((cell) => cell.trim()))
    .map((cells) => `${cells[1]!.toLowerCase()} ${cells[2]}`);
}

/** The forwards the rendered files need: 80/443, coturn's listeners and relays, LiveKit's ICE ports, JVB's port. */
function forwardsFromFiles(files: Rendered): string[] {
  const forwards = ["tcp 80", "tcp 443"];
  const conf = files.has("coturn/turnserver.conf")
    ? parseTurnserverConf(files.get("coturn/turnserver.conf")!)
    : undefined;
  if (conf !== undefined) {
    const listening = conf.get("listening-port")?.[0] ?? "3478";
    forwards.push(`udp ${listening}`, `tcp ${listening}`);
    if (!conf.has("no-tls")) forwards.push(`tcp ${conf.get("tls-listening-port")?.[0] ?? "5349"}`);
    forwards.push(`udp ${conf.get("min-port")![0]}-${conf.get("max-port")![0]}`);
  }
  if (files.has("livekit/livekit.yaml")) {
    const rtc = parseYaml(files.get("livekit/livekit.yaml")!).rtc as Record<string, number>;
    forwards.push(`tcp ${rtc.tcp_port}`, `udp ${rtc.port_range_start}-${rtc.port_range_end}`);
  }
  if (files.has("jitsi/jvb.env")) forwards.push(`udp ${parseEnvFile(files.get("jitsi/jvb.env")!).JVB_PORT}`);
  return forwards;
}

/** Which secret placeholders each rendered file holds. */
function placeholdersByFile(files: Rendered): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  for (const [file, text] of files) {
    if (file.endsWith(".md")) continue;
    for (const name of SECRET_NAMES)
      if (text.includes(secretPlaceholder(name)))
        found.set(file, new Set([...(found.get(file) ?? []), name]));
  }
  return found;
}

function assertAgree(files: Rendered, label: string): void {
  const summary = files.get("summary.md")!;
  assert.deepEqual(checklistRows(files), forwardsFromFiles(files), `${label}: router checklist`);

  const hs = parseYaml(files.get("synapse/homeserver.yaml")!);
  const whitelist = hs.federation_domain_whitelist as string[];
  assert.match(
    summary,
    whitelist.length === 0
      ? /Federates with nobody/
      : new RegExp(`Federates only with: ${whitelist.join(", ")}\\.`),
    `${label}: federation`,
  );

  const conf = files.has("coturn/turnserver.conf")
    ? parseTurnserverConf(files.get("coturn/turnserver.conf")!)
    : undefined;
  if (conf === undefined) {
    assert.doesNotMatch(summary, /TURN: relay range/, `${label}: no coturn, no TURN capacity`);
  } else {
    const [min, max] = [Number(conf.get("min-port")![0]), Number(conf.get("max-port")![0])];
    const quota = Number(conf.get("total-quota")?.[0] ?? 0);
    const ports = max - min + 1;
    const allocations = quota === 0 ? ports : Math.min(ports, quota);
    assert.ok(
      summary.includes(
        `- TURN: relay range udp/${min}-${max} = ${ports} ports, total-quota ${quota}: **${allocations} concurrent relay allocations**`,
      ),
      `${label}: TURN capacity`,
    );
    const uris = (hs.turn_uris as string[]).map((u) => `\`${u}\``).join(", ");
    assert.ok(summary.includes(`- TURN URIs handed out by Synapse: ${uris}.`), `${label}: TURN URIs`);
  }
  if (files.has("livekit/livekit.yaml")) {
    const rtc = parseYaml(files.get("livekit/livekit.yaml")!).rtc as Record<string, number>;
    assert.match(summary, new RegExp(`media range udp/${rtc.port_range_start}-${rtc.port_range_end} = `));
    assert.match(summary, new RegExp(`plus ICE/TCP on ${rtc.tcp_port}\\.`));
    assertLivekitPaths(files, label);
  } else {
    assert.doesNotMatch(summary, /LiveKit: media range|livekit_api/, `${label}: no LiveKit`);
    assert.doesNotMatch(files.get("router-checklist.md")!, /LiveKit/, `${label}: checklist without LiveKit`);
  }

  // Secrets: exactly those some rendered file holds, each with exactly the files that hold it.
  const byFile = placeholdersByFile(files);
  const rows = summary.split("\n").filter((line) => /^\| `[a-z_]+` \| (generated|adopted) \|/.test(line));
  const listed = rows.map((row) => /^\| `([a-z_]+)`/.exec(row)![1]!);
  const held = SECRET_NAMES.filter((name) => [...byFile.values()].some((names) => names.has(name)));
  assert.deepEqual(listed, held, `${label}: the secrets summary.md lists`);
  for (const row of rows) {
    const name = /^\| `([a-z_]+)`/.exec(row)![1]!;
    const named = [...row.matchAll(/\(([a-z-]+\/[a-z.-]+|[a-z-]+\.json)\)/g)].map((m) => m[1]!).sort();
    const holding = [...byFile].filter(([, names]) => names.has(name)).map(([file]) => file);
    assert.deepEqual([...new Set(named)], holding.sort(), `${label}: consumers of ${name}`);
  }

  if (files.has("jitsi/prosody.env")) {
    const prosody = parseEnvFile(files.get("jitsi/prosody.env")!);
    assert.match(
      summary,
      prosody.ENABLE_AUTH === "1"
        ? /Only users with a prosody account host meetings/
        : /Anyone on the internet can host meetings/,
      `${label}: Jitsi access`,
    );
  } else {
    assert.doesNotMatch(summary, /## Jitsi|jicofo_auth|jvb_auth/, `${label}: no Jitsi`);
  }
}

/** LiveKit's candidate address and TURN servers in summary.md, and the hairpin note in the checklist behind NAT. */
function assertLivekitPaths(files: Rendered, label: string): void {
  const summary = files.get("summary.md")!;
  const checklist = files.get("router-checklist.md")!;
  const rtc = parseYaml(files.get("livekit/livekit.yaml")!).rtc as {
    ips?: { includes?: string[] };
    turn_servers?: Array<{ host: string; port: number; protocol: string }>;
    port_range_start: number;
    port_range_end: number;
  };
  for (const cidr of rtc.ips?.includes ?? []) assert.ok(summary.includes(`\`${cidr}\``), `${label}: ${cidr}`);
  const servers = rtc.turn_servers ?? [];
  for (const s of servers) {
    // LiveKit's iceServersForParticipant: tls -> turns:...?transport=tcp, udp -> transport=udp, else tcp.
    const uri = `${s.protocol === "tls" ? "turns" : "turn"}:${s.host}:${s.port}?transport=${s.protocol === "udp" ? "udp" : "tcp"}`;
    assert.ok(summary.includes(`\`${uri}\``), `${label}: summary names ${uri}`);
  }
  const conf = files.get("coturn/turnserver.conf");
  const external = conf === undefined ? undefined : parseTurnserverConf(conf).get("external-ip")?.[0];
  const behindNat = external?.includes("/") === true;
  const note =
    /MatrixRTC through TURN: .* coturn relays their media to LiveKit at (\S+) \(udp\/(\d+)-(\d+)\)/.exec(
      checklist,
    );
  if (servers.length > 0 && behindNat) {
    assert.ok(note, `${label}: the checklist explains how coturn reaches LiveKit`);
    assert.deepEqual(
      [note[1], Number(note[2]), Number(note[3])],
      [external!.split("/")[0], rtc.port_range_start, rtc.port_range_end],
    );
    // coturn maps a peer on its external-ip's public part to the private part (map_addr_from_public_to_private).
    assert.ok(
      checklist.includes(`coturn's external-ip (${external}) maps that address to the Docker host's own`),
      `${label}: the relayed media stays on the host`,
    );
    assert.doesNotMatch(checklist, /router must send it back in/, `${label}: no loopback demanded`);
  } else {
    assert.equal(note, null, `${label}: no TURN note without NAT or TURN servers`);
  }
}

describe("summary.md and router-checklist.md agree with the rendered files", () => {
  for (const stack of STACKS) {
    it(stack, () => assertAgree(rendered(stack), stack));
  }

  it("moda1 (no MatrixRTC, no Jitsi) lists neither their secrets nor LiveKit", () => {
    const files = rendered("moda1");
    assert.doesNotMatch(files.get("router-checklist.md")!, /LiveKit|Jitsi/);
    // The services table says they are off ("LiveKit SFU | no"); nothing else may speak of them.
    assert.doesNotMatch(files.get("summary.md")!, /livekit_api|jicofo_auth|jvb_auth|LiveKit: media|## Jitsi/);
  });

  it("names LiveKit's webhook.api_key as a consumer exactly when livekit.yaml has the webhook (lk-jwt-service 0.6.0)", () => {
    for (const stack of STACKS) {
      const files = rendered(stack);
      const hasWebhook = /^webhook:/m.test(files.get("livekit/livekit.yaml") ?? "");
      assert.equal(/LiveKit `webhook\.api_key`/.test(files.get("summary.md")!), hasWebhook, stack);
    }
    const previous = rendered("produktor", { images: { lkJwt: "ghcr.io/element-hq/lk-jwt-service:0.5.0" } });
    assert.doesNotMatch(previous.get("livekit/livekit.yaml")!, /webhook/);
    assert.doesNotMatch(previous.get("summary.md")!, /webhook/);
  });

  it("demands the router's loopback only when coturn's external-ip lacks the private part", () => {
    const files = rendered("produktor", { overrides: { coturn: { "external-ip": "203.0.113.10" } } });
    const checklist = files.get("router-checklist.md")!;
    assert.match(checklist, /coturn's external-ip is 203\.0\.113\.10, not 203\.0\.113\.10\/192\.0\.2\.10/);
    assert.match(checklist, /the router must send it back in \(NAT loopback/);
    assert.match(checklist, /--dport 50100:50200 -j DNAT --to-destination 192\.0\.2\.10/);
  });

  it("follows a Docker host that holds the public IP itself (no TURN note)", () => {
    assertAgree(
      rendered("pro-dukt", { network: { lanIp: null, lanAccess: null } }),
      "pro-dukt without lanIp",
    );
  });

  it("follows an override that changes what coturn grants", () => {
    assertAgree(rendered("moda1", { overrides: { coturn: { "total-quota": 20 } } }), "moda1, total-quota 20");
  });

  it("follows a stack without coturn and one with Jitsi on a stack that had none", () => {
    assertAgree(rendered("pro-dukt", { components: { coturn: false } }), "pro-dukt without coturn");
    assertAgree(
      rendered("medex", {
        components: { jitsi: true },
        jitsi: { enableAuth: true },
        network: {
          routerForwards: [
            "tcp/80",
            "tcp/443",
            "udp/3478",
            "tcp/3478",
            "udp/49160-49200",
            "tcp/7881",
            "udp/50100-50200",
            "udp/10000",
          ],
        },
      }),
      "medex with Jitsi",
    );
  });
});
