/**
 * `./fleet backup` and `./fleet restore` as an operator starts them (issue #25): they refuse before connecting
 * anywhere when the stack's Docker host is still a placeholder (a documentation address is never contacted), and
 * a usage mistake is answered with the usage. What they do on a real host is the Docker lab's restore drill.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runTool } from "../helpers";

describe("./fleet backup and ./fleet restore on a stack that was not deployed from here", () => {
  for (const [tool, args] of [
    ["backup", []],
    ["backup", ["--status"]],
    ["restore", ["--replace-database"]],
  ] as const) {
    it(`${tool} ${args.join(" ")}: refuses the placeholder docker.host, naming it and the fix (exit 1)`, () => {
      const result = runTool(tool, ["--stack", "pro-dukt", ...args]);
      assert.equal(result.status, 1, result.stderr);
      assert.match(
        result.stderr,
        /docker\.host of pro-dukt is still the placeholder ssh:\/\/deploy@192\.0\.2\.30: set the Docker host the stack runs on \(pulumi config set --path docker\.host/,
      );
      assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
    });
  }

  it("a missing --stack is a usage mistake (exit 2, the usage printed)", () => {
    const result = runTool("restore", []);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--stack is required[\s\S]*usage: \.\/fleet restore --stack <name>/);
  });
});
