import { livekitPublicUrl } from "../model/topology";
import { VerifyContext, fail } from "./context";
import { UpgradeAnswer } from "./http";

/**
 * What LiveKit v1.13.5 answers a WebSocket upgrade on `/rtc` without a token: the auth middleware lets it through,
 * `validateInternal` finds no grants and `HandleError` writes `rtc.ErrPermissionDenied` as plain text with 401
 * (pkg/service/rtcservice.go, auth.go, utils.go; pkg/rtc/errors.go). Only LiveKit says this, and only when the
 * upgrade reached it: without the Upgrade header `serve` answers 404 with an empty body before anything else.
 */
export const LIVEKIT_TOKENLESS_REFUSAL = "no permissions to access the room";

/**
 * Field failure 6: the proxy must pass LiveKit's WebSocket upgrade, and a regenerated NPM file has been seen to drop
 * the headers (NginxProxyManager#5699). A token-less upgrade request on the signalling path proves the whole way:
 * LiveKit's own refusal comes back only if the proxy routed the path, stripped the prefix and passed Upgrade and
 * Connection. Anything else names the proxy, and what its answer says about it.
 */
export function judgeUpgradeAnswer(url: string, answer: UpgradeAnswer): string {
  const { status, body } = answer;
  const fix = `let Nginx Proxy Manager's RTC host carry matrix-fleet's /livekit/sfu/ location (pulumi up writes it into the host's advanced config, where a regenerated file keeps it); NginxProxyManager#5699`;
  if (status === 401 && body.includes(LIVEKIT_TOKENLESS_REFUSAL))
    return `${url} → 401 "${LIVEKIT_TOKENLESS_REFUSAL}": LiveKit's own refusal of a join without a token, so the proxy passed the upgrade`;
  if (status === 404 && body.trim() === "")
    fail(
      `${url} answered 404 with no body, LiveKit's answer to a request without a WebSocket upgrade: the proxy dropped the Upgrade and Connection headers, so no client can open LiveKit's signalling`,
      fix,
    );
  if (status === 101)
    fail(`${url} switched protocols without a token: something other than LiveKit answers the path`, fix);
  const from = answer.server === undefined ? "" : ` (Server: ${answer.server})`;
  const said = body
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 120);
  const cause =
    status === 502 || status === 504
      ? "the proxy reaches no LiveKit behind /livekit/sfu/ (LiveKit down, or the location's upstream is not the Docker host's LiveKit port)"
      : status === 404
        ? "the proxy has no /livekit/sfu/ route on the RTC host, or forwards the prefix unstripped"
        : "the proxy, not LiveKit, answered";
  return fail(`${url} answered ${status}${from}${said === "" ? "" : `: ${said}`}: ${cause}`, fix);
}

export async function livekitWebSocketCheck(ctx: VerifyContext): Promise<void> {
  await ctx.check("LiveKit WebSocket answers", async () => {
    const url = `${livekitPublicUrl(ctx.org).replace("wss://", "https://")}/rtc`;
    const answer = await ctx.net
      .webSocketUpgrade(url, ctx.timeoutMs)
      .catch((error: Error) =>
        fail(
          error.message,
          `check the RTC host ${ctx.org.hosts.rtc} on the proxy (DNS, port 443, certificate)`,
        ),
      );
    return judgeUpgradeAnswer(url, answer);
  });
}
