import { StackPlan } from "../config-templates/plan";
import { JudgedKey, Registry, ServiceRegistry, ValueType, refused, secretJudge } from "./override-registry";

/**
 * The lk-jwt-service environment variables an override may set: every variable v0.5.0 reads (main.go
 * `parseConfig`, `readKeySecret`; docs/upstream/lk-jwt-service.md §5, the complete list). Values are strings in an
 * env file. Those that would move its port, its key pair or its TLS checks are refused; the rest are judged by
 * checkLkJwt on the deployed environment.
 */

const SOURCE = "element-hq/lk-jwt-service v0.5.0 main.go parseConfig, readKeySecret";
const TEXT: ValueType = { kind: "string" };
const key = (more: Omit<Partial<JudgedKey>, "type"> = {}): JudgedKey => ({
  type: TEXT,
  source: SOURCE,
  ...more,
});

const keyFromFile = refused(
  "lk-jwt-service would read its key pair from a file the stack does not mount, instead of the pair matrix-fleet generates and hands LiveKit too: it stops at start (log.Fatal on the read error) or mints tokens LiveKit refuses",
  "drop the override",
);

export const LK_JWT_KEYS: Registry = {
  LIVEKIT_URL: key({ checkedBy: { check: "checkLkJwt", typeToo: true } }),
  LIVEKIT_KEY: key({ checkedBy: { check: "checkLkJwt" }, judge: secretJudge }),
  LIVEKIT_SECRET: key({ checkedBy: { check: "checkLkJwt" }, judge: secretJudge }),
  LIVEKIT_FULL_ACCESS_HOMESERVERS: key({ checkedBy: { check: "checkLkJwt", typeToo: true } }),
  LIVEKIT_KEY_FILE: key({ judge: keyFromFile }),
  LIVEKIT_KEY_FROM_FILE: key({ judge: keyFromFile }),
  LIVEKIT_SECRET_FROM_FILE: key({ judge: keyFromFile }),
  LIVEKIT_JWT_BIND: key({
    judge: refused(
      "LIVEKIT_JWT_BIND moves lk-jwt-service off :8080, the port its container publishes as ports.lkJwt, and the healthcheck newer images ship builds localhost:<LIVEKIT_JWT_BIND> from the raw value",
      "drop the override; ports.lkJwt sets the host port the proxy forwards to",
    ),
  }),
  LIVEKIT_JWT_PORT: key({
    judge: refused(
      "LIVEKIT_JWT_PORT is deprecated and moves lk-jwt-service off :8080, the port its container publishes as ports.lkJwt; beside LIVEKIT_JWT_BIND lk-jwt-service refuses to start",
      "drop the override; ports.lkJwt sets the host port the proxy forwards to",
    ),
  }),
  LIVEKIT_INSECURE_SKIP_VERIFY_TLS: key({
    judge: refused(
      "LIVEKIT_INSECURE_SKIP_VERIFY_TLS makes lk-jwt-service accept any certificate when it checks a user's OpenID token at their homeserver: anyone between it and a homeserver could mint call access",
      "drop the override",
    ),
  }),
};

export const LK_JWT_REGISTRY: ServiceRegistry = {
  service: "lkJwt",
  file: "the lk-jwt-service environment (lk-jwt/env)",
  keys: LK_JWT_KEYS,
  typeConsequence: "environment variables are text",
  document: (plan: StackPlan) => plan.lkJwt,
};
