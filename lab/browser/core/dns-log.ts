/**
 * Reading the lab DNS's query log (dnsmasq --log-queries, lab/deploy/network.sh): which names a client address
 * asked for. Lines read "<date> dnsmasq[<pid>]: query[<type>] <name> from <address>".
 */

/** The names in a dnsmasq query log asked from `address`, once each, in order. */
export function namesAskedFrom(log: string, address: string): string[] {
  const names = [...log.matchAll(/query\[[A-Z0-9]+\] (\S+) from (\S+)/g)]
    .filter((m) => m[2] === address)
    .map((m) => m[1]!);
  return [...new Set(names)];
}
