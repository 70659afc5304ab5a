import { isPlainObject } from "../config/merge";
import { OrgConfig } from "../config/model";
import { Problem, problem } from "../config/problems";
import { StackPlan } from "../config-templates/plan";
import { LIVEKIT_KNOWN_KEYS } from "../facts/livekit";
import { isSecretPlaceholder } from "../facts/secrets";

/** Checks of MatrixRTC: Synapse's MSC4143/MSC4222 settings, the client well-known, LiveKit and lk-jwt-service. */

/** Failure modes 5, 6 and 7. */
export function checkMatrixRtc({ org, synapse, wellKnown }: StackPlan): Problem[] {
  const problems: Problem[] = [];
  const hs = synapse.homeserver;
  const experimental = isPlainObject(hs.experimental_features) ? hs.experimental_features : {};
  const matrixRtc = isPlainObject(hs.matrix_rtc) ? hs.matrix_rtc : {};
  const transports = Array.isArray(matrixRtc.transports) ? matrixRtc.transports : [];
  if (experimental.msc4143_enabled === true && transports.length === 0) {
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.matrix_rtc.transports",
        "msc4143_enabled is on with no matrix_rtc.transports: Synapse answers {} and clients stop falling back to the well-known rtc_foci",
        "keep matrix_rtc.transports non-empty (or turn msc4143 off)",
      ),
    );
  }
  if (!org.components.matrixRtc) return problems;
  const foci = wellKnown.client["org.matrix.msc4143.rtc_foci"];
  if (!Array.isArray(foci) || foci.length === 0) {
    problems.push(
      problem(
        org.stack,
        "components.matrixRtc",
        "the client well-known has no org.matrix.msc4143.rtc_foci; Element Call bundled in Element Web still needs it",
        "publish rtc_foci alongside the MSC4143 transports",
      ),
    );
  }
  if (experimental.msc4143_enabled !== true) {
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.experimental_features.msc4143_enabled",
        "MatrixRTC is enabled but Synapse's msc4143 is off: new Element Call clients find no transport",
        "drop the override",
      ),
    );
  }
  if (experimental.msc4222_enabled !== true || hs.max_event_delay_duration === undefined) {
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.max_event_delay_duration",
        "delayed events are off (msc4222_enabled and max_event_delay_duration): call members that drop off stay stuck in the call",
        "drop the override; MatrixRTC needs both",
      ),
    );
  }
  const listeners = Array.isArray(hs.listeners) ? hs.listeners : [];
  const names = listeners.flatMap((l) =>
    isPlainObject(l) && Array.isArray(l.resources)
      ? l.resources.flatMap((r) => (isPlainObject(r) && Array.isArray(r.names) ? (r.names as unknown[]) : []))
      : [],
  );
  if (!names.includes("federation") && !names.includes("openid")) {
    problems.push(
      problem(
        org.stack,
        "overrides.synapse.listeners",
        "no listener serves the openid (or federation) resource: lk-jwt-service cannot validate users and every MatrixRTC call fails",
        "add 'openid' or 'federation' to the listener's resources",
      ),
    );
  }
  return problems;
}

/** Failure modes 2 and 9, plus LiveKit's strict parser and key length. */
export function checkLivekit({ org, livekit, coturn }: StackPlan): Problem[] {
  if (livekit === undefined) return [];
  const problems: Problem[] = [];
  problems.push(...unknownLivekitKeys(org, livekit));
  const rtc = isPlainObject(livekit.rtc) ? livekit.rtc : {};
  if (rtc.use_external_ip === true) {
    problems.push(
      problem(
        org.stack,
        "overrides.livekit.rtc.use_external_ip",
        "use_external_ip is on: STUN discovery overrides node_ip and can advertise another WAN than the router forwards (second call never connects)",
        "set it to false; matrix-fleet pins node_ip to network.publicIp",
      ),
    );
  }
  const coturnExternal = coturn?.find(([option]) => option === "external-ip")?.[1];
  const coturnPublic = coturnExternal === undefined ? undefined : String(coturnExternal).split("/")[0];
  if (coturnPublic !== undefined && rtc.node_ip !== coturnPublic) {
    const key =
      "external-ip" in org.overrides.coturn
        ? "overrides.coturn.external-ip"
        : "overrides.livekit.rtc.node_ip";
    problems.push(
      problem(
        org.stack,
        key,
        `LiveKit node_ip '${String(rtc.node_ip)}' differs from coturn external-ip '${coturnPublic}': one of them advertises an address the router does not forward (second call never connects)`,
        "drop the override; both use network.publicIp",
      ),
    );
  } else if (rtc.node_ip !== org.network.publicIp) {
    problems.push(
      problem(
        org.stack,
        "overrides.livekit.rtc.node_ip",
        `LiveKit node_ip '${String(rtc.node_ip)}' is not the public IP ${org.network.publicIp} (a Docker bridge address gives 'waiting for media')`,
        "drop the override",
      ),
    );
  }
  const room = isPlainObject(livekit.room) ? livekit.room : {};
  if (room.auto_create !== false) {
    problems.push(
      problem(
        org.stack,
        "overrides.livekit.room.auto_create",
        "room.auto_create is not false (LiveKit's default is true): with lk-jwt-service, rooms must be created only for authorised users",
        "set room.auto_create to false",
      ),
    );
  }
  const keys = isPlainObject(livekit.keys) ? livekit.keys : {};
  for (const [key, secret] of Object.entries(keys)) {
    if (typeof secret !== "string" || isSecretPlaceholder(secret) || isSecretPlaceholder(key)) continue;
    if (secret.length < 32) {
      problems.push(
        problem(
          org.stack,
          "secrets.livekit_api_secret",
          `the LiveKit API secret is ${secret.length} characters; LiveKit requires at least 32`,
          "use a secret of 32 or more characters",
        ),
      );
    }
  }
  return problems;
}

/** LiveKit's config parser is strict: a key it does not know (`LIVEKIT_KNOWN_KEYS`) stops the server. */
function unknownLivekitKeys(org: OrgConfig, livekit: Readonly<Record<string, unknown>>): Problem[] {
  const problems: Problem[] = [];
  for (const key of Object.keys(livekit)) {
    if (!(key in LIVEKIT_KNOWN_KEYS)) {
      const [first, ...rest] = key.split(".");
      problems.push(
        problem(
          org.stack,
          `overrides.livekit.${key}`,
          `'${key}' is not a LiveKit config key; LiveKit's strict parser refuses to start`,
          rest.length > 0 && first! in LIVEKIT_KNOWN_KEYS
            ? `'${key}' is a dotted path written as one key: nest it, i.e. write ${first}: then ${rest.join(".")}: indented under it`
            : "remove or correct it (see livekit config-sample.yaml)",
        ),
      );
    }
  }
  for (const [section, known] of Object.entries(LIVEKIT_KNOWN_KEYS)) {
    const value = livekit[section];
    if (known === undefined || !isPlainObject(value)) continue;
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        problems.push(
          problem(
            org.stack,
            `overrides.livekit.${section}.${key}`,
            `'${section}.${key}' is not a LiveKit config key; LiveKit's strict parser refuses to start`,
            "remove or correct it",
          ),
        );
      }
    }
  }
  return problems;
}
