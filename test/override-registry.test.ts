/**
 * The override registry itself (issue #28): no key matrix-fleet writes into a deployed file is outside it, so a
 * new key cannot reach a file without a decision; every entry cites where its type was read and names checks that
 * exist; and the stack file is read by render as the Pulumi engine reads it.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { isPlainObject } from "../config/merge";
import { parseStackFileText } from "../config/stack-files";
import { engineReadingProblems } from "../config/yaml-readings";
import { REGISTRIES } from "../checks/overrides";
import { JudgedKey, Registry, ServiceRegistry } from "../checks/override-registry";
import { PROJECT_DIR } from "../config/stack-files";
import { STACKS, planFor } from "./helpers";
import { overrideKeysMarkdown } from "../cli/override-keys-doc";

/** Every path a document holds, down to the registry's leaves (a list or a free map is one leaf). */
function unjudgedPaths(
  keys: Registry,
  document: Readonly<Record<string, unknown>>,
  at: string[] = [],
): string[] {
  return Object.entries(document).flatMap(([key, value]) => {
    const spec: JudgedKey | undefined = keys[key];
    const here = [...at, key];
    if (spec === undefined) return [here.join(".")];
    return spec.type.kind === "section" && isPlainObject(value)
      ? unjudgedPaths(spec.type.keys, value, here)
      : [];
  });
}

/** Each stack, and the variants that make the renderers write their optional keys. */
const VARIANTS: ReadonlyArray<[stack: string, changes: Record<string, unknown>]> = [
  ...STACKS.map((stack): [string, Record<string, unknown>] => [stack, {}]),
  [
    "produktor",
    { synapse: { urlPreviews: true, adminContact: "mailto:admin@produktor.io", enableMetrics: true } },
  ],
  ["moda1", { components: { matrixRtc: true }, federation: { peers: [] } }],
];

function allKeys(registry: Registry, prefix = ""): Array<[string, JudgedKey]> {
  return Object.entries(registry).flatMap(([key, spec]): Array<[string, JudgedKey]> => {
    const inner =
      spec.type.kind === "section"
        ? allKeys(spec.type.keys, `${prefix}${key}.`)
        : spec.type.kind === "list" && spec.type.item.kind === "section"
          ? allKeys(spec.type.item.keys, `${prefix}${key}[].`)
          : [];
    return [[`${prefix}${key}`, spec], ...inner];
  });
}

describe("the override registry: a decision for every key", () => {
  for (const registry of REGISTRIES) {
    it(`${registry.service}: every key matrix-fleet writes into ${registry.file} is judged by the registry`, () => {
      for (const [stack, changes] of VARIANTS) {
        const document = registry.document(planFor(stack, changes));
        if (document === undefined) continue;
        assert.deepEqual(unjudgedPaths(registry.keys, document), [], `${stack} ${JSON.stringify(changes)}`);
      }
    });
  }

  it("no section carries a judgement of its own: the walk judges the keys inside it, which must carry it", () => {
    for (const registry of REGISTRIES)
      for (const [key, spec] of allKeys(registry.keys))
        if (spec.type.kind === "section")
          assert.equal(spec.judge, undefined, `${registry.service} ${key}: move its judgement to its keys`);
  });

  it("every judged key cites the upstream file its type was read from", () => {
    for (const registry of REGISTRIES as readonly ServiceRegistry[])
      for (const [key, spec] of allKeys(registry.keys))
        assert.match(
          spec.source,
          /\S+\/\S+ .*(\.go|\.md|\.c|\.ts|\.py|main\.go)/,
          `${registry.service} ${key}`,
        );
  });

  it("docs/override-keys.md is the registries' own list (else: npm run schema)", () => {
    const written = fs.readFileSync(path.join(PROJECT_DIR, "docs", "override-keys.md"), "utf8");
    assert.equal(written, overrideKeysMarkdown());
  });

  it("every check a key is judged by exists in checks/", () => {
    const checks = fs
      .readdirSync(path.join(PROJECT_DIR, "checks"))
      .map((file) => fs.readFileSync(path.join(PROJECT_DIR, "checks", file), "utf8"))
      .join("\n");
    for (const registry of REGISTRIES)
      for (const [key, spec] of allKeys(registry.keys)) {
        const names = spec.checkedBy?.check.match(/check[A-Z]\w+/g) ?? [];
        for (const name of names)
          assert.match(
            checks,
            new RegExp(`export function ${name}\\(`),
            `${registry.service} ${key}: ${name}`,
          );
      }
  });
});

describe("the stack file read as the Pulumi engine reads it", () => {
  const config = (body: string) => `config:\n${body}`;

  it("merge keys are merged, as yaml.v3 merges them", () => {
    const values = parseStackFileText(
      "moda1",
      config(
        "  matrix-fleet:hosts: &hosts\n    element: chat.moda1.uk\n  matrix-fleet:overrides:\n    synapse:\n      limit_remote_rooms:\n        <<: {enabled: true, complexity: 1}\n        complexity: 0.5\n",
      ),
    );
    assert.deepEqual((values.overrides as { synapse: Record<string, unknown> }).synapse.limit_remote_rooms, {
      enabled: true,
      complexity: 0.5,
    });
  });

  it("a quoted value is text to both readers; a plain one they read differently is refused at its key", () => {
    const problems = engineReadingProblems(
      "moda1",
      config(
        '  matrix-fleet:a: "0755"\n  matrix-fleet:b: 0755\n  matrix-fleet:network:\n    routerForwards:\n      - tcp/80\n      - 2026-01-01\n  other:thing: 0755\n',
      ),
    );
    assert.deepEqual(
      problems.map((p) => p.key),
      // other:thing is another program's value: not judged here (only .inf, which the engine refuses in any key).
      ["matrix-fleet:b", "matrix-fleet:network.routerForwards[1]"],
    );
    assert.match(
      problems[0]!.message,
      /'0755' has a leading zero: the Pulumi engine reads it as 493 \(octal\), render as 755/,
    );
  });

  it("the four stack files hold no value the two readers read differently", () => {
    for (const stack of STACKS)
      assert.deepEqual(
        engineReadingProblems(stack, fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")),
        [],
      );
  });
});
