import { Problem, problem } from "../config/problems";
import { StackPlan } from "../config-templates/plan";

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

/**
 * The federation whitelist as Synapse would read it (overrides merged). `federation.peers` is its one source: the
 * fleet checks keep every stack's list mirrored by its peers, which they can only do for lists they know.
 */
export function checkFederationList({ org, synapse }: StackPlan): Problem[] {
  const problems: Problem[] = [];
  const list = synapse.homeserver.federation_domain_whitelist;
  const overridden = "federation_domain_whitelist" in org.overrides.synapse;
  const key = overridden ? "overrides.synapse.federation_domain_whitelist" : "federation.peers";
  if (list === undefined) {
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.federation_domain_whitelist",
        "federation_domain_whitelist is removed: Synapse then federates with every server on the internet",
        "drop the override; set federation.peers instead",
      ),
    );
    return problems;
  }
  const entries = Array.isArray(list) ? list.map(String) : undefined;
  if (entries === undefined) {
    problems.push(
      problem(
        org.stack,
        key,
        `federation_domain_whitelist is ${JSON.stringify(list)}, not a list: Synapse refuses to start`,
        "drop the override; set federation.peers instead",
      ),
    );
    return problems;
  }
  problems.push(...whitelistDrift(org, entries, key));
  if (entries.includes(org.serverName)) {
    problems.push(
      problem(
        org.stack,
        key,
        `lists this stack's own server name ${org.serverName}`,
        "list only other organisations",
      ),
    );
  }
  const seen = new Set<string>();
  for (const peer of entries) {
    if (seen.has(peer)) problems.push(problem(org.stack, key, `lists ${peer} twice`, "remove the duplicate"));
    seen.add(peer);
  }
  return problems;
}

/** An override that empties, extends or trims the whitelist: the fleet checks would judge a list never deployed. */
function whitelistDrift(org: StackPlan["org"], entries: readonly string[], key: string): Problem[] {
  const peers = org.federationPeers;
  const added = entries.filter((e) => !peers.includes(e));
  const dropped = peers.filter((p) => !entries.includes(p));
  if (added.length === 0 && dropped.length === 0) return [];
  const what =
    entries.length === 0
      ? `is empty, so Synapse federates with nobody, while federation.peers lists ${peers.join(", ")}`
      : [
          added.length > 0
            ? `adds ${added.join(", ")}, which federation.peers does not list, so no fleet check sees that the peer lists ${org.serverName} back`
            : "",
          dropped.length > 0
            ? `drops ${dropped.join(", ")}, which federation.peers lists and whose whitelist lists ${org.serverName}: rooms shared with it break one way`
            : "",
        ]
          .filter((part) => part !== "")
          .join("; it ");
  return [
    problem(
      org.stack,
      key,
      `federation_domain_whitelist ${what}`,
      "drop the override and set federation.peers (the fleet checks keep every whitelist mirrored by its peers)",
    ),
  ];
}

/** Settings of homeserver.yaml Synapse refuses to start with (synapse/config/homeserver.py, repository.py). */
export function checkSynapseStarts({ org, synapse }: StackPlan): Problem[] {
  const hs = synapse.homeserver;
  const problems: Problem[] = [];
  const verified =
    hs.enable_registration_without_verification === true ||
    hs.enable_registration_captcha === true ||
    hs.registration_requires_token === true ||
    (Array.isArray(hs.registrations_require_3pid) && hs.registrations_require_3pid.length > 0);
  if (hs.enable_registration === true && !verified) {
    problems.push(
      problem(
        org.stack,
        "enable_registration" in org.overrides.synapse
          ? "overrides.synapse.enable_registration"
          : "synapse.enableRegistration",
        "open registration without any verification (captcha, e-mail or token): Synapse refuses to start ('You have enabled open registration without any verification')",
        "add overrides.synapse.registration_requires_token: true (users register with a token an admin creates), or turn synapse.enableRegistration off",
      ),
    );
  }
  if (hs.url_preview_enabled === true && hs.url_preview_ip_range_blacklist === undefined) {
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.url_preview_ip_range_blacklist",
        "URL previews are on without url_preview_ip_range_blacklist: Synapse refuses to start (without the list, a link posted in a room could make it fetch internal services)",
        "drop the override; with synapse.urlPreviews matrix-fleet writes the list Synapse's documentation recommends",
      ),
    );
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
