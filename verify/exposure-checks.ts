import { SYNAPSE_METRICS_PATH } from "../facts/monitoring";
import { VerifyContext, fail } from "./context";

/** Connections to a closed or filtered port give up this soon: nothing should answer there. */
const CLOSED_PORT_TIMEOUT_MS = 3000;

/**
 * The monitoring's endpoints are never reachable from outside (issue #27): Synapse's metrics through the proxy,
 * and from the WAN (each of its addresses) the host-network metrics ports (LiveKit's, coturn's) and the
 * loopback-published Prometheus and Alertmanager. Only `npm run verify` runs these, from outside; the call probe
 * sits on the LAN and skips them.
 */
export async function exposureChecks(ctx: VerifyContext): Promise<void> {
  const { org, net, timeoutMs, expectIp, check } = ctx;
  if (!org.components.monitoring || ctx.probe) return;
  await check("Synapse metrics not served through the proxy", async () => {
    const url = `${ctx.hs}${SYNAPSE_METRICS_PATH}`;
    const status = await net.status(url, timeoutMs);
    if (status === 200)
      fail(
        `${url} answered HTTP 200: anyone can read Synapse's metrics (users, rooms, federation peers)`,
        "remove the 'metrics' resource from Synapse's proxied listener (overrides.synapse.listeners): the stack serves metrics on a listener of its own, on the stack network only",
      );
    return `${url} → HTTP ${status}`;
  });
  const ports: Array<[number, string, string]> = [
    [org.ports.prometheus, "Prometheus", "ports.prometheus"],
    [org.ports.alertmanager, "Alertmanager", "ports.alertmanager"],
  ];
  if (org.components.matrixRtc)
    ports.push([org.ports.livekitMetrics, "LiveKit's metrics", "ports.livekitMetrics"]);
  if (org.components.coturn)
    ports.push([org.ports.coturnMetrics, "coturn's exporter", "ports.coturnMetrics"]);
  // Every WAN address of the stack: with TURN on 443 (turn.port443Ip) the router forwards a second one too.
  const addresses = [expectIp, ...(org.turn.port443Ip === undefined ? [] : [org.turn.port443Ip])];
  await check("metrics ports closed from outside", async () => {
    const open = (
      await Promise.all(
        addresses.flatMap((address) =>
          ports.map(([port, what, key]) =>
            net.tcpConnects(address, port, Math.min(timeoutMs, CLOSED_PORT_TIMEOUT_MS)).then(
              () => [`${address}:${port} (${what}, ${key})`],
              () => [],
            ),
          ),
        ),
      )
    ).flat();
    if (open.length > 0)
      fail(
        `${open.join(", ")} accept${open.length === 1 ? "s" : ""} connections from outside`,
        "do not forward these ports on the router; where the Docker host holds the public address itself, drop them in its firewall (LiveKit's metrics still ask for their password)",
      );
    return `${ports.map(([port]) => port).join(", ")} on ${addresses.join(" and ")}: no connection`;
  });
}
