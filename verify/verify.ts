/**
 * `verify`: checks a deployed organisation from the outside, the way clients and federation peers see it. Each
 * check is bounded in time and never retried forever; a failure carries the likely cause and the fix, from the
 * failure modes the source deployment met in production.
 *
 * verify/: the checks, grouped by what a client meets first (client-checks.ts, federation-checks.ts,
 * turn-checks.ts, rtc-checks.ts) over a shared context (context.ts), bounded HTTP and TCP helpers (http.ts), a
 * small TURN client (turn-client.ts, stun-message.ts; the lab uses it too), and a MatrixRTC client's token request
 * and LiveKit join (matrix-rtc-join.ts, livekit-signal.ts), the backups' age and last run through the Docker host
 * (backup-checks.ts, backup-status.ts). May import facts/, config/, model/,
 * config-templates/ and checks/; never components/ or cli/.
 */
import { OrgConfig } from "../config/model";
import { backupChecks } from "./backup-checks";
import { discoveryChecks, loginChecks } from "./client-checks";
import { CheckResult, Outcome, VerifyOptions, newVerifyContext } from "./context";
import { federationChecks } from "./federation-checks";
import { rtcChecks } from "./rtc-checks";
import { turnChecks } from "./turn-checks";
import { turnCertificateCheck } from "./turn-tls-checks";

export type { CheckResult, Outcome, VerifyOptions };

/** Every check, in the order a client meets the services: discovery, login, federation, TURN, calls. */
export async function verifyStack(org: OrgConfig, options: VerifyOptions = {}): Promise<CheckResult[]> {
  const ctx = newVerifyContext(org, options);
  await discoveryChecks(ctx);
  await loginChecks(ctx);
  await federationChecks(ctx);
  await turnChecks(ctx);
  await turnCertificateCheck(ctx);
  await rtcChecks(ctx);
  await backupChecks(ctx, options.backupReader);
  return ctx.results;
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
