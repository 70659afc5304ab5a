import { Problem, problem } from "../config/problems";
import { StackPlan } from "../documents/plan";

/** Checks of Synapse's homeserver.yaml as it would be deployed (overrides merged) and of its federation list. */

export function checkSynapseBasics({ org, synapse }: StackPlan): Problem[] {
  const hs = synapse.homeserver;
  const problems: Problem[] = [];
  if (hs.report_stats === undefined) {
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.report_stats",
        "report_stats is missing; Synapse refuses to start without it",
        "do not remove report_stats in overrides",
      ),
    );
  }
  if ("experimental_features" in hs && hs.experimental_features === null) {
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.experimental_features",
        "experimental_features is null; Synapse >= 1.157 rejects it",
        "remove the key or make it a map",
      ),
    );
  }
  if (hs.server_name !== org.serverName) {
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.server_name",
        `server_name '${String(hs.server_name)}' differs from serverName '${org.serverName}'; a server name can never change after the first start`,
        "set serverName instead and drop the override",
      ),
    );
  }
  return problems;
}

export function checkFederationList({ org, synapse }: StackPlan): Problem[] {
  const problems: Problem[] = [];
  const list = synapse.homeserver.federation_domain_whitelist;
  if (list === undefined) {
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.federation_domain_whitelist",
        "federation_domain_whitelist is removed: Synapse then federates with every server on the internet",
        "drop the override; set federation.peers instead",
      ),
    );
  }
  if (org.federationPeers.includes(org.serverName)) {
    problems.push(
      problem(
        org.stack,
        "federation.peers",
        `lists this stack's own server name ${org.serverName}`,
        "list only other organisations",
      ),
    );
  }
  const seen = new Set<string>();
  for (const peer of org.federationPeers) {
    if (seen.has(peer))
      problems.push(problem(org.stack, "federation.peers", `lists ${peer} twice`, "remove the duplicate"));
    seen.add(peer);
  }
  return problems;
}

function sizeInBytes(size: string): number {
  const match = /^(\d+)([KMG]?)$/.exec(size);
  if (match === null) return NaN;
  const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[match[2] as "" | "K" | "M" | "G"];
  return Number(match[1]) * unit;
}

/** An upload Synapse accepts but the proxy refuses fails with a bare 413 in the client. */
export function checkBodySize({ org }: StackPlan): Problem[] {
  if (sizeInBytes(org.proxy.clientMaxBodySize) >= sizeInBytes(org.synapse.maxUploadSize)) return [];
  return [
    problem(
      org.stack,
      "proxy.clientMaxBodySize",
      `the proxy accepts bodies up to ${org.proxy.clientMaxBodySize} but Synapse accepts uploads up to ${org.synapse.maxUploadSize}: larger uploads fail with 413`,
      "make proxy.clientMaxBodySize at least synapse.maxUploadSize",
    ),
  ];
}
