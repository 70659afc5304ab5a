/**
 * The Docker lab's network script removes by name every namespace it creates, and clears them before it creates any:
 * a run that died (killed, or the machine's lock taken over) leaves namespaces behind, and the next run's `up` must
 * not fail on them nor leave the old ones hanging on the hub (issue #29 added mfd-443 and mfd-lan; a stopped run left
 * both behind).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

const SCRIPT = fs.readFileSync(path.join(__dirname, "..", "lab", "deploy", "network.sh"), "utf8");

/** The body of a shell function `name() { ... }` of the script (up to the closing brace at column 0). */
function functionBody(name: string): string {
  const start = SCRIPT.indexOf(`\n${name}() {\n`);
  assert.ok(start >= 0, `network.sh has no function ${name}`);
  const end = SCRIPT.indexOf("\n}\n", start);
  return SCRIPT.slice(start, end);
}

/** The namespace variables the script creates: `ip netns add "$X"` and `client_namespace "$X"`. */
function createdNamespaceVariables(): string[] {
  const added = [...SCRIPT.matchAll(/ip netns add "\$([A-Z0-9_]+)"/g)].map((m) => m[1]!);
  const clients = [...SCRIPT.matchAll(/^\s*client_namespace "\$([A-Z0-9_]+)"/gm)].map((m) => m[1]!);
  return [...new Set([...added, ...clients])].filter((name) => name !== "ns");
}

describe("the Docker lab's network script", () => {
  it("finds the namespaces it creates, the issue #29 ones among them", () => {
    const created = createdNamespaceVariables();
    for (const name of ["HUB", "CLIENT", "STRICT", "ONLY443", "LANPC"])
      assert.ok(created.includes(name), name);
  });

  it("deletes each of them by name in down(), with its /etc/netns directory", () => {
    const down = functionBody("down");
    const missing = createdNamespaceVariables().filter(
      (name) =>
        !new RegExp(`ip netns del "\\$${name}"|for ns in [^;]*"\\$${name}"[^;]*; do ip netns del`).test(down),
    );
    assert.deepEqual(missing, [], "namespaces down() does not delete");
    const keptDirectories = createdNamespaceVariables().filter(
      (name) => !down.includes(`"/etc/netns/$${name}"`),
    );
    assert.deepEqual(keptDirectories, [], "namespaces whose /etc/netns directory down() keeps");
  });

  it("clears what a dead run left before it creates anything", () => {
    const up = functionBody("up");
    const firstDown = up.search(/^\s*down$/m);
    const firstAdd = up.indexOf("ip netns add");
    assert.ok(firstDown >= 0 && firstDown < firstAdd, "up() calls down before its first ip netns add");
  });
});
