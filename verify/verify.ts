/**
 * `verify`: checks a deployed organisation from the outside, the way clients and federation peers see it. Each
 * check is bounded in time and never retried forever; a failure carries the likely cause and the fix, from the
 * failure modes the source deployment met in production.
 *
 * verify/: the checks, grouped by what a client meets first (client-checks.ts, federation-checks.ts,
 * turn-checks.ts, turn-tls-checks.ts, certificate-checks.ts, rtc-checks.ts, livekit-websocket.ts, calls-checks.ts,
 * exposure-checks.ts) over a shared context (context.ts), bounded HTTP and TCP helpers (http.ts), a
 * small TURN client (turn-client.ts, stun-message.ts; the lab uses it too), and a MatrixRTC client's token request
 * and LiveKit join (matrix-rtc-join.ts, livekit-signal.ts), the backups' age and last run through the Docker host
 * (backup-checks.ts, backup-status.ts). May import facts/, config/, model/,
 * config-templates/ and checks/; never components/ or cli/.
 */
import { VerifyTarget } from "../config-templates/verify-target";
import { backupChecks } from "./backup-checks";
import { proxyCertificateChecks } from "./certificate-checks";
import { discoveryChecks, endSession, loginChecks } from "./client-checks";
import { CertificateSeen, CheckResult, Outcome, VerifyOptions, newVerifyContext } from "./context";
import { exposureChecks } from "./exposure-checks";
import { federationChecks } from "./federation-checks";
import { rtcChecks } from "./rtc-checks";
import { callsChecks } from "./calls-checks";
import { turnChecks } from "./turn-checks";
import { turnCertificateCheck } from "./turn-tls-checks";

export type { CertificateSeen, CheckResult, Outcome, VerifyOptions, VerifyTarget };

/** What one run found: each check's result, and every certificate a check read. */
export interface VerifyRun {
  readonly results: readonly CheckResult[];
  readonly certificates: readonly CertificateSeen[];
}

/**
 * Every check, in the order a client meets the services: discovery, login, federation, TURN, certificates, calls
 * (MatrixRTC, then who may join them), backups, and from outside the monitoring's closed ports.
 */
export async function verifyRun(target: VerifyTarget, options: VerifyOptions = {}): Promise<VerifyRun> {
  const ctx = newVerifyContext(target, options);
  try {
    await discoveryChecks(ctx);
    await loginChecks(ctx);
    await federationChecks(ctx);
    await turnChecks(ctx);
    await turnCertificateCheck(ctx);
    await proxyCertificateChecks(ctx);
    await rtcChecks(ctx);
    await callsChecks(ctx);
    await backupChecks(ctx, options.backupReader);
    await exposureChecks(ctx);
  } finally {
    if (ctx.probe) await endSession(ctx);
  }
  return { results: ctx.results, certificates: ctx.certificates };
}

export async function verifyStack(target: VerifyTarget, options: VerifyOptions = {}): Promise<CheckResult[]> {
  return [...(await verifyRun(target, options)).results];
}

export function formatResults(stack: string, results: readonly CheckResult[]): string {
  const lines = results.map((r) => {
    const head = `${r.outcome.toUpperCase().padEnd(4)} ${r.name}: ${r.detail}${r.outcome === "skip" ? "" : ` (${r.ms} ms)`}`;
    return r.fix === undefined ? head : `${head}\n     likely cause / fix: ${r.fix}`;
  });
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  lines.push(`verify ${stack}: ${count("pass")} passed, ${count("fail")} failed, ${count("skip")} skipped`);
  return `${lines.join("\n")}\n`;
}
