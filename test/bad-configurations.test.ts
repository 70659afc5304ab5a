/**
 * The catalogue of bad and unusual configurations (issue #16). Each bad case is a stack file a hostile reviewer, or
 * a tired operator, could write; it must be refused by `render` before a single file exists (the same gate,
 * `analyseStack`, stops `pulumi preview` and `pulumi up` before any resource: program.test.ts), with a problem that
 * names the stack, the key as written in the stack file, what is wrong, and a fix; and the stack file with that fix
 * applied (`fixed`) must render. Each unusual case is valid and must render.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { renderStack } from "../cli/render";
import { analyseStack } from "../checks/analyse";
import { readStackFleet } from "../checks/stack-fleet";
import { loadProgramConfig } from "../components/program-config";
import { ConfigError, Problem } from "../config/problems";
import { placeholderSecrets } from "../facts/secrets";
import { readStackFile } from "../config/stack-files";
import { CatalogueProject, filesUnder } from "./config-catalogue";
import { deepMerge } from "../config/merge";
import { describeProblems } from "./helpers";
import { BAD_CONFIGURATIONS, BadCase, UNUSUAL_CONFIGURATIONS } from "./bad-configuration-cases";

const project = new CatalogueProject();
after(() => project.remove());

/** Renders the case's stack file in the catalogue project: the problems, and the files that were written. */
function renderCase(stack: string, name: string): { problems: readonly Problem[]; written: string[] } {
  const out = project.outDir(name);
  try {
    renderStack(stack, out, placeholderSecrets(), project.dir);
    return { problems: [], written: filesUnder(out) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { problems: error.problems, written: filesUnder(out) };
  }
}

/** The gate alone (`render` minus the writing): the problems of the case's stack file in the catalogue project. */
function analyseCase(stack: string): readonly Problem[] {
  const fleet = readStackFleet(project.dir);
  try {
    analyseStack(stack, fleet.values(stack), {
      projectDir: project.dir,
      secrets: placeholderSecrets(),
      deploying: false,
      fleet,
    });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

function writeCase(c: BadCase | { stack: string; changes?: Record<string, unknown>; text?: string }): void {
  if (c.text !== undefined) project.writeText(c.stack, c.text);
  else project.writeChanged(c.stack, c.changes ?? {});
}

describe("bad configurations are refused before anything exists, naming stack, key, problem and fix", () => {
  it("the catalogue holds at least 60 cases", () => {
    assert.ok(BAD_CONFIGURATIONS.length >= 60, `${BAD_CONFIGURATIONS.length} cases`);
    const names = BAD_CONFIGURATIONS.map((c) => c.name);
    assert.deepEqual(names, [...new Set(names)], "every case has a name of its own");
  });

  for (const c of BAD_CONFIGURATIONS) {
    it(c.name, () => {
      writeCase(c);
      try {
        const { problems, written } = renderCase(c.stack, c.name);
        assert.deepEqual(written, [], "no file is written");
        assert.ok(problems.length > 0, "the configuration is refused");
        const found = problems.filter((p) => p.key === c.key);
        assert.ok(found.length > 0, `a problem at ${c.key}; got:\n${describeProblems(problems)}`);
        const matching = found.find((p) => c.message.test(p.message) && c.fix.test(p.fix));
        assert.ok(
          matching,
          `a problem at ${c.key} saying ${c.message} with a fix ${c.fix}; got:\n${found.map((p) => `${p.message}\n  fix: ${p.fix}`).join("\n")}`,
        );
        // A fleet problem between two stacks is reported on the other one, naming this one in its message.
        for (const p of problems)
          assert.ok(
            p.stack === c.stack || p.message.includes(`stack ${c.stack}`),
            `names the stack: ${p.message}`,
          );
        // The fix, applied: the stack file passes the gate `render` writes its files after.
        project.writeChanged(c.stack, c.fixed);
        const fixed = analyseCase(c.stack);
        assert.deepEqual(fixed, [], `after the fix:\n${describeProblems(fixed)}`);
      } finally {
        project.restore(c.stack);
      }
    });
  }
});

describe("the same cases stop the Pulumi program before any resource exists", () => {
  // The engine hands the program every value as a string; file-level cases have no engine form.
  const engineCases = BAD_CONFIGURATIONS.filter((c) => c.text === undefined && c.engine !== false);

  for (const c of engineCases) {
    it(c.name, async () => {
      const created: string[] = [];
      await pulumi.runtime.setMocks(
        {
          newResource: (args) => {
            created.push(args.name);
            return { id: args.name, state: args.inputs };
          },
          call: () => ({}),
        },
        "matrix-fleet",
        c.stack,
        true,
      );
      const values = deepMerge(readStackFile(c.stack), c.changes ?? {});
      const config: Record<string, string> = {};
      for (const [key, value] of Object.entries(values)) {
        const full = key.includes(":") ? key : `matrix-fleet:${key}`;
        config[full] = typeof value === "string" ? value : JSON.stringify(value);
      }
      pulumi.runtime.setAllConfig(config);
      assert.throws(loadProgramConfig, (error: unknown) => {
        assert.ok(error instanceof pulumi.RunError, "a RunError: Pulumi prints it without a stack trace");
        // A fleet problem is reported on the other stack of the pair (its message names this one).
        assert.ok(error.message.includes(`] ${c.key}: `), error.message);
        assert.ok(
          error.message.includes(`[stack ${c.stack}]`) || error.message.includes(`stack ${c.stack})`),
        );
        return true;
      });
      assert.deepEqual(created, [], "no resource was registered");
    });
  }
});

describe("unusual but valid configurations render", () => {
  for (const c of UNUSUAL_CONFIGURATIONS) {
    it(c.name, () => {
      writeCase(c);
      try {
        const { problems, written } = renderCase(c.stack, c.name);
        assert.deepEqual(problems, [], describeProblems(problems));
        assert.ok(written.length > 0);
        c.check?.(project.outDir(c.name), c.stack);
      } finally {
        project.restore(c.stack);
      }
    });
  }
});
