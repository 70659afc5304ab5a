import { isPlainObject } from "../config/merge";
import { Problem, problem } from "../config/problems";
import { editDistance } from "../config/section-reader";
import { JudgedKey, Registry, ServiceRegistry } from "./override-registry";

/**
 * Walks an override map along its service's registry (override-registry.ts): every key written must be one the
 * registry judges (then it is noted for judging on the deployed document), or it is refused as unknown with the
 * keys that are judged. Under `overrides.unjudged` it is the other way round: a key the registry judges is refused
 * there (a mark cannot step around a judgement), any other key is noted as unjudged.
 */

export interface Touched {
  readonly path: readonly string[];
  readonly spec: JudgedKey;
}

/**
 * Names that hold secrets, by how they end (`smtp_pass`, `client_secret`, `recaptcha_private_key`, `pkey-pwd`, an
 * `api_key`): an override that sets one puts a live secret in a reviewed file. `access_token_lifetime` is none.
 */
export const SECRET_LIKE =
  /(secret|secret_?key|password|passwd|(^|[_-])pass|(^|[_-])pwd|private_?key|credentials?|api_?key|token)$/i;

/** The first name at or under `key` that looks like a secret, as a dotted path; undefined when none does. */
function secretUnder(key: string, value: unknown, at: string): string | undefined {
  if (SECRET_LIKE.test(key)) return at;
  if (!isPlainObject(value) && !Array.isArray(value)) return undefined;
  for (const [name, inner] of Object.entries(value)) {
    const found = secretUnder(name, inner, Array.isArray(value) ? `${at}[${name}]` : `${at}.${name}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

export const SERVICE_TITLES = {
  synapse: "Synapse",
  coturn: "coturn",
  livekit: "LiveKit",
  elementWeb: "Element Web",
  lkJwt: "lk-jwt-service",
} as const;

/** The judged keys of `overrides.<service>`: what to judge, and the keys that are refused as unknown. */
export function walkJudged(
  stack: string,
  registry: ServiceRegistry,
  overrides: Readonly<Record<string, unknown>>,
): { touched: Touched[]; problems: Problem[] } {
  const touched: Touched[] = [];
  const problems: Problem[] = [];
  const base = `overrides.${registry.service}`;
  const visit = (keys: Registry, map: Readonly<Record<string, unknown>>, path: readonly string[]) => {
    for (const [key, value] of Object.entries(map)) {
      const here = [...path, key];
      const spec = keys[key];
      if (spec === undefined) {
        if (!registry.unknownUpstream?.(here)) problems.push(unknownKey(stack, registry, keys, here));
        continue;
      }
      if (spec.type.kind === "section" && isPlainObject(value)) {
        visit(spec.type.keys, value, here);
        continue;
      }
      const item = spec.type.kind === "list" ? spec.type.item : undefined;
      if (item?.kind === "section" && Array.isArray(value))
        value.forEach((entry, index) => {
          if (!isPlainObject(entry)) return;
          for (const name of Object.keys(entry).filter((k) => !(k in item.keys)))
            problems.push(
              problem(
                stack,
                `${base}.${here.join(".")}`,
                `${here.join(".")}[${index}] has '${name}', which is no key matrix-fleet judges in an entry of ${here.join(".")} (${Object.keys(item.keys).join(", ")})`,
                `remove '${name}' from the entry, or write the whole list under overrides.unjudged.${registry.service}.${here.join(".")} after checking what ${SERVICE_TITLES[registry.service]} does with it`,
              ),
            );
        });
      touched.push({ path: here, spec });
    }
  };
  visit(registry.keys, overrides, []);
  return { touched, problems };
}

/** `overrides.unjudged.<service>`: the problems of keys that may not be marked unjudged. */
export function walkUnjudged(
  stack: string,
  registry: ServiceRegistry,
  overrides: Readonly<Record<string, unknown>>,
): { problems: Problem[] } {
  const problems: Problem[] = [];
  const base = `overrides.unjudged.${registry.service}`;
  /** `path` as written; `judged` the same path in the names the registry judges (Element's camelCase undone). */
  const visit = (
    keys: Registry,
    map: Readonly<Record<string, unknown>>,
    path: readonly string[],
    judged: readonly string[],
  ) => {
    for (const [key, value] of Object.entries(map)) {
      const here = [...path, key];
      const spelled = keys[key] === undefined ? registry.spelledAs?.(key) : undefined;
      const name = spelled !== undefined && spelled in keys ? spelled : key;
      const spec = keys[name];
      const dotted = here.join(".");
      const canonical = [...judged, name].join(".");
      if (spec?.type.kind === "section" && isPlainObject(value)) {
        visit(spec.type.keys, value, here, [...judged, name]);
      } else if (spec !== undefined) {
        problems.push(
          problem(
            stack,
            `${base}.${dotted}`,
            `${dotted} is a key matrix-fleet judges${canonical !== dotted ? ` (${SERVICE_TITLES[registry.service]} reads it as ${canonical})` : ""} (its type and its value against the rest of the stack); marking it unjudged would step around that judgement`,
            `move it to overrides.${registry.service}.${canonical}, where it is judged`,
          ),
        );
      } else if (secretUnder(key, value, dotted) !== undefined) {
        const secret = secretUnder(key, value, dotted)!;
        problems.push(
          problem(
            stack,
            `${base}.${dotted}`,
            `${secret} looks like a secret: written here it sits in clear in Pulumi.${stack}.yaml, a reviewed file, and in the rendered files' listing of unjudged overrides`,
            "remove it; a secret the stack needs is generated by @pulumi/random or adopted (adoptedSecrets, set with pulumi config set --secret)",
          ),
        );
      }
    }
  };
  visit(registry.keys, overrides, [], []);
  return { problems };
}

function unknownKey(
  stack: string,
  registry: ServiceRegistry,
  keys: Registry,
  path: readonly string[],
): Problem {
  const name = path[path.length - 1]!;
  const dotted = path.join(".");
  const parent = path.slice(0, -1).join(".");
  const known = Object.keys(keys);
  const title = SERVICE_TITLES[registry.service];
  const firstStep = name.split(".")[0]!;
  const spelled = registry.spelledAs?.(name);
  const near =
    spelled !== undefined && spelled in keys
      ? spelled
      : known.find((k) => editDistance(k.toLowerCase(), name.toLowerCase()) <= Math.max(1, name.length / 6));
  const unjudged = `if ${title} reads '${name}' and you have checked what it does, write it under overrides.unjudged.${registry.service}.${dotted} instead: render, preview and summary.md then list it as not judged`;
  const fix =
    name.includes(".") && firstStep in keys
      ? `'${name}' is a dotted path written as one key: nest it, i.e. write ${firstStep}: then ${name.slice(firstStep.length + 1)}: indented under it (pulumi config set --path 'overrides.${registry.service}.${[...path.slice(0, -1), name].join(".")}' writes it nested)`
      : near !== undefined
        ? `did you mean '${near}'? Rename it; ${unjudged}`
        : `use one of the keys matrix-fleet judges here (${known.join(", ")}); ${unjudged}`;
  return problem(
    stack,
    `overrides.${registry.service}.${dotted}`,
    `'${name}' is not a key matrix-fleet judges in ${title}'s ${registry.file}${parent === "" ? "" : ` under ${parent}`}: an override reaches a deployed file only with a judgement of its type and value`,
    fix,
  );
}
