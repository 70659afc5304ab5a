import { PortPlan, PortRange, PortSpec, Protocol } from "./model";

/** Port ranges and forwards as operators write them (`49160-49200`, `udp/3478`) and as reports print them. */
export function parsePortRange(value: unknown): PortRange | undefined {
  let start: unknown;
  let end: unknown;
  if (typeof value === "number") {
    start = value;
    end = value;
  } else if (typeof value === "string") {
    const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(value);
    if (match === null) return undefined;
    start = Number(match[1]);
    end = Number(match[2] ?? match[1]);
  } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    start = (value as Record<string, unknown>).start;
    end = (value as Record<string, unknown>).end;
  }
  const valid = (n: unknown): n is number =>
    typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 65535;
  if (!valid(start) || !valid(end) || start > end) return undefined;
  return { start, end };
}

/** Parses `udp/49160-49200` or `tcp/443`. */
export function parsePortSpec(value: string): PortSpec | undefined {
  const match = /^\s*(udp|tcp)\s*\/\s*(.+)$/i.exec(value);
  if (match === null) return undefined;
  const range = parsePortRange(match[2]);
  if (range === undefined) return undefined;
  return { protocol: (match[1] ?? "").toLowerCase() as Protocol, range };
}

export function formatRange(range: PortRange): string {
  return range.start === range.end ? `${range.start}` : `${range.start}-${range.end}`;
}

export function formatPortSpec(spec: PortSpec): string {
  return `${spec.protocol}/${formatRange(spec.range)}`;
}

/** Port plan of the source deployment; every organisation gets it unless its stack file says otherwise. */
export const DEFAULT_PORTS: PortPlan = {
  turn: 3478,
  turnTls: 5349,
  turnRelay: { start: 49160, end: 49200 },
  livekitHttp: 7880,
  livekitTcp: 7881,
  livekitUdp: { start: 50100, end: 50200 },
  jvb: 10000,
  synapse: 8008,
  elementWeb: 8080,
  ketesa: 8081,
  lkJwt: 8082,
  jitsiWeb: 8083,
  // LiveKit's own default (config-sample.yaml), coturn's (--prometheus-port), Prometheus' and Alertmanager's.
  livekitMetrics: 6789,
  coturnMetrics: 9641,
  prometheus: 9090,
  alertmanager: 9093,
};
