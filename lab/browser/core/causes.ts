/**
 * Why a browser call failed, in an operator's words, from what the browser itself reported: the step the page
 * reached (lab/browser/pages/), Chromium's console messages (its CORS refusals name the URL and what was missing)
 * and the ICE candidate errors of the page's peer connections (RTCPeerConnectionIceErrorEvent). Each known cause
 * is named with the setting that fixes it; anything else is reported as the step and the page's own error.
 */
import type { IceReport } from "./ice-report";

export interface FailedCall {
  readonly page: { readonly state: string; readonly step: string; readonly error?: string };
  readonly console: readonly string[];
  readonly ice: IceReport;
}

export type CauseName = "well-known-cors" | "lk-jwt-not-routed" | "turn-tls-untrusted" | "unknown";

export interface Cause {
  readonly name: CauseName;
  readonly message: string;
}

/** Chromium's CORS refusal of a URL, from the console ("Access to fetch at '<url>' ... blocked by CORS policy"). */
export function corsRefusal(console: readonly string[], urlPart: string): string | undefined {
  return console.find((l) => l.includes("blocked by CORS policy") && l.includes(urlPart));
}

export function nameCause(call: FailedCall, turnCertificate?: string): Cause {
  const { step, error } = call.page;
  const wellKnown =
    step === "well-known" ? corsRefusal(call.console, "/.well-known/matrix/client") : undefined;
  if (wellKnown !== undefined)
    return {
      name: "well-known-cors",
      message: `the browser refuses the well-known file to web clients of other origins (Element Web, Element Call): ${wellKnown.replace(/^error: /, "")} Serve /.well-known/matrix/client with Access-Control-Allow-Origin: * (the server name's proxy host)`,
    };
  // Element Call asks lk-jwt-service after its lobby, whatever the host's page reports as its step.
  const jwt = corsRefusal(call.console, "/livekit/jwt/");
  const fix = "Route /livekit/jwt/ on the RTC host to lk-jwt-service with the prefix stripped";
  if (jwt !== undefined && /preflight/.test(jwt))
    return {
      name: "lk-jwt-not-routed",
      message: `lk-jwt-service did not answer the browser's preflight (it answers OPTIONS with 200 and CORS headers itself): ${jwt.replace(/^error: /, "")} ${fix}`,
    };
  // Something else answered in its place with CORS headers: lk-jwt-service itself has only /get_token, /sfu/get
  // and /healthz, and answers neither 404 nor 405 on them to a POST.
  if (step === "lk-jwt-service" && / answered HTTP (404|405)\b/.test(error ?? ""))
    return { name: "lk-jwt-not-routed", message: `not lk-jwt-service: ${error} ${fix}` };
  const turnsErrors = call.ice.errors.filter((e) => e.startsWith("turns:"));
  // A relayed local candidate carries relayProtocol (Chromium may call it prflx: lab/scenarios/browser-calls.ts).
  const relayed = call.ice.connections.some((c) => c.pairs.some((p) => p.local.relayProtocol !== undefined));
  if (turnsErrors.length > 0 && !relayed && call.page.state !== "joined")
    return {
      name: "turn-tls-untrusted",
      message: `no relay over TURN/TLS, the only way out of this network: the browser's TURN/TLS connections failed (${turnsErrors.join("; ")})${turnCertificate ? `; ${turnCertificate}` : ""}. coturn's certificate (turn.certFile) must be valid for the TURN host and signed by a CA browsers trust`,
    };
  return { name: "unknown", message: `the page failed at ${step}: ${error ?? "(no error)"}` };
}
