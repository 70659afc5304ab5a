import { CORE_SCHEMA, EVENT_ID, Event, SCALAR_STYLE_PLAIN, mergeTag, parseEvents } from "js-yaml";
import { CONFIG_NAMESPACE, Problem } from "./problems";

/**
 * A stack file is read twice: by `render` (js-yaml, YAML 1.2's core schema) and by the Pulumi engine (Go's
 * yaml.v3, which `pulumi preview` and `pulumi up` hand the program). Where the two read one plain scalar
 * differently, render would judge a value the engine never deploys, so such a scalar is refused: an integer with a
 * leading zero (yaml.v3: octal, `0755` is 493), a binary `0b101`, digits with underscores (`1_000`), a date or
 * time (yaml.v3 makes it "2026-01-01 00:00:00 +0000 UTC"), and `.inf`/`.nan` (the engine refuses the file).
 * Merge keys (`<<: *anchor`) are read the same way by both: render loads with js-yaml's merge tag.
 */

/** The schema render reads stack files with: YAML 1.2's core schema plus merge keys, as yaml.v3 reads them. */
export const STACK_FILE_SCHEMA = CORE_SCHEMA.withTags(mergeTag);

interface Reading {
  readonly pattern: RegExp;
  readonly describe: (text: string) => string;
}

const octal = (text: string) => {
  const digits = text.replace(/[_+-]/g, "");
  const sign = text.startsWith("-") ? -1 : 1;
  return /^[0-7]+$/.test(digits) ? sign * parseInt(digits, 8) : sign * Number(digits);
};

const INFINITY: Reading = {
  pattern: /^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$/,
  describe: (t) =>
    `is ${t}: the Pulumi engine refuses the whole stack file ('unsupported value'), render reads a number JSON cannot hold`,
};

const READINGS: readonly Reading[] = [
  {
    pattern: /^[-+]?0[0-9_]+$/,
    describe: (t) =>
      `has a leading zero: the Pulumi engine reads it as ${octal(t)}${/^[-+]?0[0-7_]+$/.test(t) ? " (octal)" : ""}, render as ${Number(t.replace(/_/g, ""))}`,
  },
  {
    pattern: /^[-+]?0b[01_]+$/i,
    describe: (t) =>
      `is binary: the Pulumi engine reads it as ${parseInt(t.replace(/^[-+]?0b|_/gi, ""), 2)}, render as the text "${t}"`,
  },
  {
    pattern: /^[-+]?\d[\d_]*_[\d_]*(\.[\d_]*)?$/,
    describe: (t) =>
      `has underscores: the Pulumi engine reads it as the number ${t.replace(/_/g, "")}, render as the text "${t}"`,
  },
  {
    pattern: /^\d{4}-\d{1,2}-\d{1,2}([Tt ]|$)/,
    describe: (t) =>
      `is a date: the Pulumi engine turns it into "${t.slice(0, 10)} 00:00:00 +0000 UTC"-style text, render keeps "${t}"`,
  },
  INFINITY,
];

interface Frame {
  readonly kind: "map" | "list";
  readonly path: readonly string[];
  key: string | undefined;
  index: number;
}

/** Every plain scalar of a stack file the engine and render would read differently, as problems at its key. */
export function engineReadingProblems(stack: string, text: string): Problem[] {
  let events: Event[];
  try {
    events = parseEvents(text, {});
  } catch {
    return []; // invalid YAML is reported by the loader
  }
  const problems: Problem[] = [];
  const frames: Frame[] = [];
  const childPath = (): readonly string[] => {
    const top = frames[frames.length - 1];
    if (top === undefined) return [];
    return [...top.path, top.kind === "map" ? (top.key ?? "") : `[${top.index}]`];
  };
  const consumed = () => {
    const top = frames[frames.length - 1];
    if (top?.kind === "map") top.key = undefined;
    else if (top !== undefined) top.index += 1;
  };
  for (const event of events) {
    if (event.type === EVENT_ID.MAPPING || event.type === EVENT_ID.SEQUENCE) {
      frames.push({
        kind: event.type === EVENT_ID.MAPPING ? "map" : "list",
        path: childPath(),
        key: undefined,
        index: 0,
      });
    } else if (event.type === EVENT_ID.POP) {
      if (frames.pop() !== undefined) consumed();
    } else if (event.type === EVENT_ID.ALIAS) {
      consumed();
    } else if (event.type === EVENT_ID.SCALAR) {
      const top = frames[frames.length - 1];
      const scalar = text.slice(event.valueStart, event.valueEnd);
      if (top?.kind === "map" && top.key === undefined) {
        top.key = scalar;
        continue;
      }
      const reading =
        event.style === SCALAR_STYLE_PLAIN && event.tagStart < 0
          ? READINGS.find((r) => r.pattern.test(scalar))
          : undefined;
      const path = childPath();
      // Values of other namespaces are not this program's to judge, unless the engine refuses the whole file.
      const ours = path[0] === "config" && path[1]?.startsWith(`${CONFIG_NAMESPACE}:`);
      if (reading !== undefined && (ours || reading === INFINITY))
        problems.push(readingProblem(stack, path, scalar, reading));
      consumed();
    }
  }
  return problems;
}

function readingProblem(stack: string, path: readonly string[], scalar: string, reading: Reading): Problem {
  const [section, name, ...rest] = path;
  const prefix = `${CONFIG_NAMESPACE}:`;
  const key =
    section === "config" && name?.startsWith(prefix)
      ? `${name}${rest.map((step) => (step.startsWith("[") ? step : `.${step}`)).join("")}`
      : path.join(".");
  return {
    stack,
    key,
    message: `'${scalar}' ${reading.describe(scalar)}, so render would judge another value than pulumi up deploys`,
    fix: `write the value you mean plainly (e.g. without the leading zero), or quote it ("${scalar}") if it is text`,
  };
}
