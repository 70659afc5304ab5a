import { VerifyTarget } from "../config-templates/verify-target";
import type { BackupReader } from "./backup-status";
import { homeserverBaseUrl } from "../model/topology";
import { CheckFailure, fail } from "./failure";
import { REAL_NETWORK, VerifyNetwork } from "./network";

export type Outcome = "pass" | "fail" | "skip";

export interface CheckResult {
  readonly name: string;
  readonly outcome: Outcome;
  /** What was measured (or why it was skipped). */
  readonly detail: string;
  /** For a failure: the likely cause and its fix. */
  readonly fix?: string;
  readonly ms: number;
}

export interface VerifyOptions {
  /** A test user of this homeserver, for the checks that need a login (from the environment, never argv). */
  readonly user?: { readonly name: string; readonly password: string };
  /** The address clients must reach for TURN and media; defaults to the stack's network.publicIp. */
  readonly expectIp?: string;
  /** Access tokens of test users on peer servers (server name -> token), to prove federation both ways. */
  readonly peerTokens?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  /** The network the checks go through; a fake in the unit tests. */
  readonly network?: VerifyNetwork;
  /**
   * `full` (the default): every check, as an operator runs `npm run verify` from outside. `probe`: the call probe's
   * bounded run on a schedule (agents/call-probe.ts): one TURN allocation (UDP), one token and one LiveKit join
   * (`/get_token`), no rooms shared over federation, no outside-only checks, and the session logged out at the end.
   */
  readonly profile?: "full" | "probe";
  /**
   * Where a WAN address is reached from where the checks run, when that is the LAN behind the router (the call
   * probe on the Docker host: `monitoring.probe.viaLan`). Its host entries point the public names at the LAN too.
   */
  readonly lanAddresses?: Readonly<Record<string, string>>;
  /** How the backup status is read (through the Docker host); a fake in the unit tests. */
  readonly backupReader?: BackupReader;
}

/** A TLS certificate a check read: its host, port and end of validity (the probe exports these as metrics). */
export interface CertificateSeen {
  readonly host: string;
  readonly port: number;
  readonly notAfter: Date;
}

export { CheckFailure, fail };

export interface Session {
  readonly userId: string;
  readonly accessToken: string;
}

/** What every group of checks shares: the stack, the options, the results so far and the test user's session. */
export interface VerifyContext {
  readonly org: VerifyTarget;
  readonly options: VerifyOptions;
  readonly timeoutMs: number;
  /** The address clients must reach for TURN and media. */
  readonly expectIp: string;
  /** The homeserver's public base URL. */
  readonly hs: string;
  readonly net: VerifyNetwork;
  readonly results: CheckResult[];
  /** Every certificate the checks read, expired or not. */
  readonly certificates: CertificateSeen[];
  readonly probe: boolean;
  /** The address to connect to for a WAN address (itself, unless `lanAddresses` maps it). */
  readonly reach: (address: string) => string;
  /** Set by the test-user login; checks that need it are skipped without it. */
  session: Session | undefined;
  /** Runs one check (or records it as skipped) and records its result; never throws. */
  readonly check: (name: string, run: () => Promise<string>, skip?: string) => Promise<void>;
  /** Whether a check of that name ran and failed: a later check then names it as the cause. */
  readonly failed: (name: string) => boolean;
}

export function newVerifyContext(org: VerifyTarget, options: VerifyOptions): VerifyContext {
  const results: CheckResult[] = [];
  const check = async (name: string, run: () => Promise<string>, skip?: string): Promise<void> => {
    const started = Date.now();
    if (skip !== undefined) {
      results.push({ name, outcome: "skip", detail: skip, ms: 0 });
      return;
    }
    try {
      const detail = await run();
      results.push({ name, outcome: "pass", detail, ms: Date.now() - started });
    } catch (error) {
      const fix =
        error instanceof CheckFailure ? error.fix : "check that the host is up and reachable from here";
      results.push({
        name,
        outcome: "fail",
        detail: (error as Error).message,
        fix,
        ms: Date.now() - started,
      });
    }
  };
  return {
    org,
    options,
    timeoutMs: options.timeoutMs ?? 8000,
    expectIp: options.expectIp ?? org.network.publicIp,
    hs: homeserverBaseUrl(org),
    net: options.network ?? REAL_NETWORK,
    results,
    certificates: [],
    probe: options.profile === "probe",
    reach: (address) => options.lanAddresses?.[address] ?? address,
    session: undefined,
    check,
    failed: (name) => results.some((r) => r.name === name && r.outcome === "fail"),
  };
}

/** Request options carrying the test user's access token. */
export function authed(ctx: VerifyContext, init: RequestInit = {}): RequestInit {
  return {
    ...init,
    headers: { ...(init.headers ?? {}), Authorization: `Bearer ${ctx.session!.accessToken}` },
  };
}
