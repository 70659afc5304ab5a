import { OrgConfig } from "../config/model";
import { Problem, problem } from "../config/problems";
import { StackPlan } from "../config-templates/plan";
import { proxiedDomains } from "../config-templates/npm-proxy-hosts";

function turnUriParts(uri: string): { host: string; port: number | undefined } | undefined {
  const match = /^turns?:([^:?]+)(?::(\d+))?/.exec(uri);
  if (match === null) return undefined;
  return {
    host: (match[1] ?? "").toLowerCase(),
    port: match[2] === undefined ? undefined : Number(match[2]),
  };
}

/** Failure modes 3 and 13. */
export function checkTurn({ org, synapse, coturn, proxyHosts, jitsi }: StackPlan): Problem[] {
  const problems: Problem[] = [];
  if (coturn === undefined) return problems;
  const hs = synapse.homeserver;
  const vhosts = proxiedDomains(proxyHosts);
  const uris = Array.isArray(hs.turn_uris) ? (hs.turn_uris as unknown[]) : [];
  if (uris.length === 0) {
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.turn_uris",
        "coturn is enabled but Synapse hands out no turn_uris: 1:1 calls behind NAT will fail",
        "drop the override; matrix-fleet writes turn_uris for the TURN host",
      ),
    );
  }
  problems.push(...turnUriProblems(org, uris, vhosts));
  const options = new Map<string, Array<string | number | undefined>>();
  for (const [option, value] of coturn) options.set(option, [...(options.get(option) ?? []), value]);
  if (options.has("lt-cred-mech") && options.has("use-auth-secret")) {
    problems.push(
      problem(
        org.stack,
        "overrides.coturn.lt-cred-mech",
        "lt-cred-mech is mixed with use-auth-secret: coturn answers 401 'Cannot find credentials' to Synapse-issued credentials",
        "remove lt-cred-mech; Synapse uses the TURN REST API (use-auth-secret)",
      ),
    );
  }
  const staticSecret = options.get("static-auth-secret")?.[0];
  if (hs.turn_shared_secret !== undefined && String(staticSecret) !== String(hs.turn_shared_secret)) {
    problems.push(
      problem(
        org.stack,
        "overrides.coturn.static-auth-secret",
        "coturn's static-auth-secret differs from Synapse's turn_shared_secret: every TURN allocation gets 401",
        "drop the override; both come from one generated secret",
      ),
    );
  }
  if (jitsi !== undefined && jitsi.prosody.TURN_CREDENTIALS !== hs.turn_shared_secret) {
    problems.push(
      problem(
        org.stack,
        "secrets.turn_shared_secret",
        "Jitsi's TURN_CREDENTIALS differs from the TURN secret coturn uses",
        "let matrix-fleet pass one secret to all consumers",
      ),
    );
  }
  if (jitsi !== undefined && jitsi.prosody.TURNS_PORT === "443" && org.turn.port443Ip === undefined) {
    problems.push(
      problem(
        org.stack,
        "ports.turnTls",
        "Jitsi announces TURNS on 443, which belongs to the reverse proxy",
        "use coturn's TLS port",
      ),
    );
  }
  return problems;
}

/** Each TURN URI Synapse hands out must be a turn:/turns: URI on coturn's own port and host, not the proxy's. */
function turnUriProblems(org: OrgConfig, uris: readonly unknown[], vhosts: ReadonlySet<string>): Problem[] {
  const problems: Problem[] = [];
  const keyFor = (derived: string): string =>
    "turn_uris" in org.overrides.synapse ? "overrides.synapse.turn_uris" : derived;
  const proxiedTurnHosts = new Set<string>();
  for (const uri of uris) {
    const parts = typeof uri === "string" ? turnUriParts(uri) : undefined;
    if (parts === undefined) {
      problems.push(
        problem(
          org.stack,
          keyFor("hosts.turn"),
          `turn URI ${JSON.stringify(uri)} is not a turn:/turns: URI`,
          "write URIs like turn:turn.example.org:3478?transport=udp",
        ),
      );
      continue;
    }
    // 443 of turn.port443Ip is forwarded to coturn: allowed on the TURN host, which resolves to that address.
    const on443 = parts.port === 443 && org.turn.port443Ip !== undefined && parts.host === org.hosts.turn;
    if ((parts.port === 443 && !on443) || parts.port === 80 || parts.port === undefined) {
      // The key that produced the port: the TLS port for turns: URIs, the listener for turn: ones.
      const portKey = (uri as string).startsWith("turns:") ? "ports.turnTls" : "ports.turn";
      problems.push(
        problem(
          org.stack,
          keyFor(portKey),
          `TURN URI '${uri}' uses port ${parts.port ?? "(default)"}: 80/443 belong to the reverse proxy, which cannot carry TURN`,
          "turn_uris" in org.overrides.synapse
            ? "drop the override: matrix-fleet writes turn_uris on coturn's own ports (ports.turn, and ports.turnTls with turn.tls)"
            : `set ${portKey} to a port of coturn's own (default ${portKey === "ports.turn" ? 3478 : 5349})`,
        ),
      );
    }
    if (vhosts.has(parts.host) && !proxiedTurnHosts.has(parts.host)) {
      proxiedTurnHosts.add(parts.host);
      problems.push(
        problem(
          org.stack,
          keyFor("hosts.turn"),
          `TURN host '${parts.host}' is also a proxied HTTPS vhost; TURN clients must reach coturn on the public IP, not the proxy`,
          "give TURN its own hostname (e.g. turn.<server name>) with an A record to the public IP",
        ),
      );
    }
  }
  return problems;
}
