import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { CONFIG_NAMESPACE } from "../config/problems";
import { readStackFile } from "../config/stack-files";

/**
 * Synthetic organisations for fleet-scale tests and benchmarks: copies of medex, each with its own name, server
 * name, addresses and Docker host, federating with nobody. Stack names are zero-padded (`org0007`) so that the
 * sorted stack listing is the generation order. A fleet of them has no problem at all; tests inject one.
 */
export function syntheticStackName(index: number): string {
  return `org${String(index).padStart(4, "0")}`;
}

/** The WAN address of synthetic organisation `index`, unique for up to 128 000 organisations. */
export function publicIp(index: number): string {
  return `198.${18 + Math.floor(index / 65536)}.${Math.floor(index / 256) % 256}.${index % 256}`;
}

/** The `matrix-fleet:*` values (namespace stripped) of synthetic organisation `index`. */
export function syntheticStackValues(
  index: number,
  base: Readonly<Record<string, unknown>> = readStackFile("medex"),
): Record<string, unknown> {
  const name = syntheticStackName(index);
  const ip = (offset: number) => `10.${Math.floor(index / 250) + offset}.${index % 250}.10`;
  return {
    ...base,
    organisation: `Organisation ${index}`,
    serverName: `${name}.example.net`,
    hosts: { homeserver: `chat.${name}.example.net` },
    // Public addresses from 198.18.0.0/15 (RFC 2544, the labs' internet): private ones are refused as WAN addresses.
    network: { ...(base.network as object), publicIp: publicIp(index), lanIp: ip(0) },
    docker: { host: `ssh://deploy@${ip(0)}` },
    proxy: {
      ...(base.proxy as object),
      npmUrl: `http://${ip(50)}:81`,
      lanIp: ip(50),
      letsencryptEmail: `admin@${name}.example.net`,
    },
    federation: { peers: [] },
    element: { brand: `Chat ${index}` },
  };
}

/** `size` synthetic stacks as stack name -> values, in stack order. */
export function syntheticFleetValues(size: number): Map<string, Record<string, unknown>> {
  const base = readStackFile("medex");
  return new Map(
    Array.from({ length: size }, (_, i) => [syntheticStackName(i), syntheticStackValues(i, base)] as const),
  );
}

/** The text of a `Pulumi.<stack>.yaml` holding `values` under the project namespace. */
export function stackFileText(values: Readonly<Record<string, unknown>>): string {
  const config = Object.fromEntries(
    Object.entries(values).map(([key, value]) => [`${CONFIG_NAMESPACE}:${key}`, value]),
  );
  return yaml.dump({ config }, { lineWidth: -1 });
}

/** Writes `size` synthetic stack files into `dir` (a project directory for `render --project-dir`). */
export function writeSyntheticFleet(dir: string, size: number): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [stack, values] of syntheticFleetValues(size)) {
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stackFileText(values));
  }
}
