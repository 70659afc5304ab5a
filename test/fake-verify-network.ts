/**
 * A fake network for verify's conclusions (test/verify*.test.ts): every URL, host and TURN server answers as a healthy
 * produktor-shaped deployment would, until a test changes one answer.
 */
import assert from "node:assert/strict";
import { OrgConfig } from "../config/model";
import { AllocationResult, JsonAnswer, VerifyNetwork } from "../verify/network";
import { UpgradeAnswer } from "../verify/http";
import { Guest, JoinTarget } from "../verify/matrix-rtc-join";
import { TurnServer } from "../verify/turn-client";
import { ServedCertificate } from "../verify/tls-certificate";
import { fail } from "../verify/context";
import { CheckResult, VerifyOptions, verifyRun, verifyStack } from "../verify/verify";
import { buildStackPlan } from "../config-templates/plan";
import { VerifyTarget, verifyTarget } from "../config-templates/verify-target";
import { placeholderSecrets } from "../facts/secrets";

export const DAY = 86_400_000;

type Route = (init: RequestInit | undefined) => { status: number; body?: unknown };

/** A network where every URL, host and TURN server answers as a healthy produktor-shaped deployment would. */
export class FakeNetwork implements VerifyNetwork {
  readonly routes = new Map<string, Route>();
  readonly addresses = new Map<string, string>();
  readonly allocations: TurnServer[] = [];
  /** coturn: which host:port answers TURN, and the relay address it reports. */
  turnListeners = new Set<string>();
  relayAddress: string;

  constructor(readonly org: OrgConfig) {
    const ip = org.network.publicIp;
    for (const host of [org.hosts.turn, ...targetOf(org).proxiedHosts]) this.addresses.set(host, ip);
    this.relayAddress = ip;
    this.certificate = { ...this.certificate, dnsNames: [org.hosts.turn] };
    this.turnListeners = new Set([`${ip}:${org.ports.turn}`, `${ip}:${org.ports.turnTls}`]);
    const hs = `https://${org.hosts.homeserver}`;
    const target = `${org.hosts.homeserver}:443`;
    const user = `@verify:${org.serverName}`;
    this.route(`https://${org.serverName}/.well-known/matrix/server`, {
      status: 200,
      body: { "m.server": target },
    });
    this.route(`https://${target}/_matrix/key/v2/server`, {
      status: 200,
      body: { server_name: org.serverName },
    });
    this.route(`https://${target}/_matrix/federation/v1/version`, {
      status: 200,
      body: { server: { name: "Synapse", version: "1.157.1" } },
    });
    this.route(`${hs}/_matrix/client/v3/login`, { status: 200, body: { user_id: user, access_token: "t" } });
    this.route(`${hs}/_matrix/client/v3/voip/turnServer`, {
      status: 200,
      body: {
        username: "1:@verify",
        password: "p",
        uris: [
          `turn:${org.hosts.turn}:${org.ports.turn}?transport=udp`,
          `turn:${org.hosts.turn}:${org.ports.turn}?transport=tcp`,
          ...(org.turn.tls ? [`turns:${org.hosts.turn}:${org.ports.turnTls}?transport=tcp`] : []),
        ],
        ttl: 3600,
      },
    });
    this.route(`${hs}/_matrix/client/v3/user/${encodeURIComponent(user)}/openid/request_token`, {
      status: 200,
      body: { access_token: "openid-token", matrix_server_name: org.serverName },
    });
    this.route(`https://${target}/_matrix/federation/v1/openid/userinfo?access_token=openid-token`, {
      status: 200,
      body: { sub: user },
    });
    // New rooms as matrix-fleet's Synapse makes them: the call membership at the members' level (per preset).
    this.route(`${hs}/_matrix/client/v3/createRoom`, (init) => {
      const preset = (JSON.parse(String(init?.body ?? "{}")) as { preset?: string }).preset ?? "private_chat";
      return { status: 200, body: { room_id: `!${preset}:${org.serverName}` } };
    });
    for (const preset of ["private_chat", "trusted_private_chat", "public_chat"])
      this.route(
        `${hs}/_matrix/client/v3/rooms/${encodeURIComponent(`!${preset}:${org.serverName}`)}/state/m.room.power_levels/`,
        () => ({ status: 200, body: this.roomLevels }),
      );
  }

  /** The power levels new rooms get. */
  roomLevels: Record<string, unknown> = {
    users_default: 0,
    state_default: 50,
    events_default: 0,
    events: { "m.room.name": 50, "org.matrix.msc3401.call.member": 0 },
  };

  route(url: string, answer: { status: number; body?: unknown } | Route): void {
    this.routes.set(url, typeof answer === "function" ? answer : () => answer);
  }

  requests: string[] = [];
  async getJson(url: string, _timeoutMs: number, init?: RequestInit): Promise<JsonAnswer> {
    this.requests.push(`${init?.method ?? "GET"} ${url}`);
    const route = this.routes.get(url);
    if (route === undefined)
      return { status: 404, headers: new Headers(), body: { errcode: "M_UNRECOGNIZED" } };
    const { status, body } = route(init);
    return { status, headers: new Headers({ "access-control-allow-origin": "*" }), body };
  }

  async status(url: string): Promise<number> {
    return (await this.getJson(url, 0)).status;
  }

  async resolve4(host: string): Promise<string> {
    const address = this.addresses.get(host);
    if (address === undefined) throw new Error(`${host}: ENOTFOUND`);
    return address;
  }

  /** Ports nothing answers on from outside: the monitoring's. */
  closedPorts = new Set([9090, 9093, 6789, 9641]);
  connections: string[] = [];
  async tcpConnects(host: string, port: number): Promise<void> {
    this.connections.push(`${host}:${port}`);
    if (this.closedPorts.has(port)) throw new Error(`connect ECONNREFUSED ${host}:${port}`);
  }

  /** The proxy and LiveKit: a token-less WebSocket upgrade on /livekit/sfu/rtc gets LiveKit's own refusal. */
  upgradeAnswer: UpgradeAnswer = { status: 401, body: "no permissions to access the room" };
  readonly upgrades: string[] = [];
  async webSocketUpgrade(url: string): Promise<UpgradeAnswer> {
    this.upgrades.push(url);
    return this.upgradeAnswer;
  }

  /** A peer's user in our call: works unless told otherwise (its causes: verify-matrix-rtc.test.ts). */
  guestAnswers = true;
  readonly guests: Guest[] = [];
  async guestTokenAndJoin(_target: JoinTarget, guest: Guest): Promise<string> {
    this.guests.push(guest);
    if (!this.guestAnswers) fail("401 M_UNAUTHORIZED for the guest", "lk-jwt-service must reach the peer");
    return `${guest.userId} joined`;
  }

  /** lk-jwt-service: works unless told otherwise (its own answers are tested in verify-matrix-rtc.test.ts). */
  lkJwtAnswers = true;
  async tokenAndJoin(endpoint: string): Promise<string> {
    if (!this.lkJwtAnswers)
      fail(`/${endpoint} answered HTTP 500: {"errcode":"M_UNKNOWN"}`, "lk-jwt-service's own reading of it");
    return `joined via /${endpoint}`;
  }

  /** coturn's TLS certificate: a 90-day one, issued 10 days ago, for the TURN host. */
  certificate: ServedCertificate = {
    validFrom: new Date(Date.now() - 10 * DAY),
    validTo: new Date(Date.now() + 80 * DAY),
    dnsNames: [],
  };
  /** Set: the TLS listener takes the connection and fails the handshake with this error code. */
  handshakeError: string | undefined;
  /** The proxy's certificates on 443, by name: 90-day ones, issued 10 days ago, each for its own name. */
  proxyCertificates = new Map<string, ServedCertificate>();
  async servedCertificate(host: string, port: number, servername: string): Promise<ServedCertificate> {
    if (port === 443)
      return (
        this.proxyCertificates.get(servername) ?? {
          validFrom: new Date(Date.now() - 10 * DAY),
          validTo: new Date(Date.now() + 80 * DAY),
          dnsNames: [servername],
        }
      );
    if (!this.turnListeners.has(`${host}:${port}`))
      throw Object.assign(new Error(`connect ECONNREFUSED ${host}:${port}`), { code: "ECONNREFUSED" });
    if (this.handshakeError !== undefined)
      throw Object.assign(
        new Error("Client network socket disconnected before secure TLS connection was established"),
        {
          code: this.handshakeError,
        },
      );
    return this.certificate;
  }

  async allocate(server: TurnServer): Promise<AllocationResult> {
    this.allocations.push(server);
    if (!this.turnListeners.has(`${server.host}:${server.port}`))
      throw new Error(`no TURN answer from ${server.host}:${server.port}/${server.transport} in 8000 ms`);
    return { relay: { address: this.relayAddress, port: 49170 } };
  }
}

/** What verify checks of a stack, as `npm run verify` builds it (cli/verify.ts). */
export function targetOf(org: OrgConfig): VerifyTarget {
  return verifyTarget(org, buildStackPlan(org, placeholderSecrets()));
}

export async function verify(org: OrgConfig, network: FakeNetwork, peerTokens?: Record<string, string>) {
  return verifyStack(targetOf(org), {
    user: { name: "verify", password: "x" },
    network,
    peerTokens,
    timeoutMs: 50,
  });
}

/** The call probe's run (agents/call-probe.ts) over the fake network. */
export function probeRun(org: OrgConfig, network: FakeNetwork, options: Partial<VerifyOptions> = {}) {
  return verifyRun(targetOf(org), {
    user: { name: "verify", password: "x" },
    network,
    timeoutMs: 50,
    profile: "probe",
    ...options,
  });
}

export function result(results: readonly CheckResult[], name: string): CheckResult {
  const found = results.find((r) => r.name === name);
  assert.ok(found, `a check '${name}' in ${results.map((r) => r.name).join(", ")}`);
  return found;
}
