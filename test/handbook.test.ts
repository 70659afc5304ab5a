/**
 * The handbook (README.md and docs/) cannot lie about what it links to or the commands it shows (issue #24): every
 * relative link and `#anchor` resolves (GitHub's heading slugs), every command in a `sh` block, and every inline
 * `./fleet`, `npm run` or `pulumi` command, is parsed against the real commands, scripts, options and config keys
 * (test/handbook-commands.ts), every repository path a page names exists, the tables that describe code agree with
 * it, and no page outgrows one sitting (400 lines; the README 250).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { PROJECT_DIR } from "../config/stack-files";
import { BAD_CONFIGURATIONS, UNUSUAL_CONFIGURATIONS } from "./bad-configuration-cases";
import { CommandChecker } from "./handbook-commands";
import {
  Page,
  anchorsOf,
  codeBlocks,
  githubSlug,
  inlineCode,
  linksOf,
  markdownPages,
  proseLines,
  shellCommands,
} from "./handbook";
import { MAIN_FILES } from "./layer-rules";

const pages = markdownPages(PROJECT_DIR);
/** The handbook proper: the front door and the task pages. docs/upstream/ records sources and keeps its own shape. */
const handbook = pages.filter(
  (p) => p.file === "README.md" || /^docs\/(development\/)?[^/]+\.md$/.test(p.file),
);
const page = (file: string): Page => pages.find((p) => p.file === file)!;

describe("the handbook: pages, links and anchors", () => {
  it("has the front door and the task pages", () => {
    for (const file of [
      "README.md",
      "docs/deploying.md",
      "docs/troubleshooting.md",
      "docs/development/tests.md",
    ])
      assert.ok(
        handbook.some((p) => p.file === file),
        file,
      );
  });

  it("keeps the README under 250 lines and every page at most 400", () => {
    const lines = (p: Page): number => p.text.trimEnd().split("\n").length;
    assert.ok(lines(page("README.md")) < 250, `README.md has ${lines(page("README.md"))} lines`);
    const long = handbook.filter((p) => lines(p) > 400).map((p) => `${p.file}: ${lines(p)} lines`);
    assert.deepEqual(long, []);
  });

  it("starts each task page with when you need it and ends it with how to check it worked", () => {
    const shape = handbook
      .filter((p) => p.file.startsWith("docs/"))
      .flatMap((p) => {
        const headings = proseLines(p.text).filter((l) => /^#{1,6} /.test(l));
        const problems: string[] = [];
        if (!/^# .+\n\nWhen you need this: /.test(p.text))
          problems.push(`${p.file}: no "When you need this:" first`);
        if (headings.at(-1) !== "## How to check it worked")
          problems.push(`${p.file}: last heading is not "## How to check it worked"`);
        return problems;
      });
    assert.deepEqual(shape, []);
  });

  it("computes anchors as GitHub does", () => {
    assert.equal(githubSlug("`verify`: checking a live organisation"), "verify-checking-a-live-organisation");
    assert.equal(
      githubSlug("Calls fail off the LAN, e.g. on mobile data"),
      "calls-fail-off-the-lan-eg-on-mobile-data",
    );
    assert.equal(
      githubSlug("2. Render and read what would be deployed"),
      "2-render-and-read-what-would-be-deployed",
    );
    assert.equal(githubSlug("Where the unit suite's time went"), "where-the-unit-suites-time-went");
    assert.equal(
      githubSlug('TURN answers 401 ("Cannot find credentials of user")'),
      "turn-answers-401-cannot-find-credentials-of-user",
    );
    assert.equal(
      githubSlug("Tokens fail: OPEN_ID_ERROR, 404 on `/livekit/jwt/…`"),
      "tokens-fail-open_id_error-404-on-livekitjwt",
    );
    assert.deepEqual(
      [...anchorsOf("# A\n\n## Setup\n\n```\n# not a heading\n```\n\n## Setup\n")],
      ["a", "setup", "setup-1"],
    );
  });

  it("resolves every relative link and anchor between the pages", () => {
    const broken = pages.flatMap((p) =>
      linksOf(p.text).flatMap(({ target, line }) => {
        if (/^[a-z]+:/i.test(target)) return [];
        const [file, anchor] = target.split("#") as [string, string | undefined];
        const resolved =
          file === "" ? p.file : path.posix.normalize(path.posix.join(path.posix.dirname(p.file), file));
        const where = `${p.file}:${line} -> ${target}`;
        if (!fs.existsSync(path.join(PROJECT_DIR, resolved))) return [`${where}: no ${resolved}`];
        if (anchor === undefined || !resolved.endsWith(".md")) return [];
        const text = fs.readFileSync(path.join(PROJECT_DIR, resolved), "utf8");
        return anchorsOf(text).has(anchor) ? [] : [`${where}: ${resolved} has no heading #${anchor}`];
      }),
    );
    assert.deepEqual(broken, []);
  });

  it("names only repository paths that exist", () => {
    const top =
      /^(facts|config|model|config-templates|checks|components|cli|adopt|verify|lab|test|bench|tools|docs|\.github|\.ci)\//;
    const missing = handbook.flatMap((p) =>
      inlineCode(p.text)
        .filter((code) => top.test(code) && !/[\s<>*{}…]|\.\.\./.test(code))
        .map((code) => code.replace(/[:,]$/, ""))
        .filter((file) => !fs.existsSync(path.join(PROJECT_DIR, file)))
        .map((file) => `${p.file}: ${file}`),
    );
    assert.deepEqual([...new Set(missing)], []);
  });
});

describe("the handbook: commands", async () => {
  const checker = await CommandChecker.create();

  it("shows in sh blocks only commands that exist as written", () => {
    const wrong = handbook.flatMap((p) =>
      codeBlocks(p.text)
        .filter((b) => b.lang === "sh")
        .flatMap((b) =>
          shellCommands(b.body).flatMap((words) =>
            checker.problems(words).map((problem) => `${p.file}:${b.line} ${words.join(" ")}: ${problem}`),
          ),
        ),
    );
    assert.deepEqual(wrong, []);
  });

  it("names ./fleet, npm run and pulumi commands in the prose as they exist", () => {
    const wrong = handbook.flatMap((p) =>
      inlineCode(p.text)
        .filter((code) => /^(\.\/fleet|npm (run|ci|test)|pulumi|bash) /.test(code))
        .flatMap((code) =>
          shellCommands(code).flatMap((words) =>
            checker.problems(words).map((problem) => `${p.file}: ${code}: ${problem}`),
          ),
        ),
    );
    assert.deepEqual(wrong, []);
  });

  it("catches a renamed command, script, flag or key", () => {
    const cases: Array<[string, RegExp]> = [
      ["./fleet render --stak all", /unknown argument '--stak'/],
      ["./fleet rendr --stack all", /no command 'rendr'/],
      ["./fleet preview --stack nobody", /no stack nobody/],
      ["./fleet demo --hold", /--hold <seconds> or down/],
      ["npm run rendr -- --stack all", /no script 'rendr'/],
      ["npm run verify -- --stack produktor --expect-ipp 1.2.3.4", /unknown argument '--expect-ipp'/],
      ["npm run adopt -- --stack produktor --compose", /--compose needs a value/],
      ["pulumi config set --path network.publicIP 81.2.69.160", /no stack-config key network.publicIP/],
      ["pulumi config set network.publicIp 81.2.69.160", /needs --path/],
      ["pulumi stack outputs", /no subcommand 'outputs'/],
      ["pulumi upp", /no command 'upp'/],
      ["LAB_TEST_PATERN=x bash lab/deploy/run.sh", /variable LAB_TEST_PATERN/],
      ["bash lab/deploy/rn.sh", /no script lab\/deploy\/rn.sh/],
      ["frobnicate --all", /unknown program 'frobnicate'/],
    ];
    for (const [command, expected] of cases) {
      const problems = shellCommands(command).flatMap((words) => checker.problems(words));
      assert.ok(
        problems.some((p) => expected.test(p)),
        `${command}: ${problems.join("; ") || "no problem found"}`,
      );
    }
    const fine =
      "npm run --silent adopt -- --stack produktor --compose ./c --print-secret turn_shared_secret | pulumi config set --stack produktor --secret --path adoptedSecrets.turn_shared_secret";
    assert.deepEqual(
      shellCommands(fine).flatMap((words) => checker.problems(words)),
      [],
    );
  });

  it("splits shell text the way a shell does", () => {
    assert.deepEqual(shellCommands("a 'b c' \"d\" # comment\ne > f 2>&1 && g | h\\\n  i"), [
      ["a", "b c", "d"],
      ["e"],
      ["g"],
      ["h", "i"],
    ]);
  });
});

describe("the handbook: tables that describe the code", () => {
  it("lists in the architecture page's folder table exactly the folders and main files of the layering rules", () => {
    const rows = proseLines(page("docs/development/architecture.md").text)
      .filter((line) => /^\| `[\w./-]+\/` +\|/.test(line))
      .map((line) => line.split("|").map((cell) => cell.trim()));
    const table = Object.fromEntries(
      rows.map((cells) => [cells[1]!.slice(1, -2), cells[4]!.replace(/`/g, "")]),
    );
    assert.deepEqual(table, { ...MAIN_FILES });
  });

  it("names in 'Where one service lives' only files that exist in their layer", () => {
    const text = page("docs/development/architecture.md").text;
    const section = text.slice(
      text.indexOf("## Where one service lives"),
      text.indexOf("## The stack config"),
    );
    const folders = ["facts", "config-templates", "checks", "components"];
    const missing = section
      .split("\n")
      .filter((line) => /^\| [A-Z]/.test(line) && !line.startsWith("| service"))
      .flatMap((line) =>
        line
          .split("|")
          .slice(2, 6)
          .flatMap((cell, column) =>
            [...cell.matchAll(/`([\w-]+\.ts)`/g)].map((m) => `${folders[column]}/${m[1]}`),
          ),
      )
      .filter((file) => !fs.existsSync(path.join(PROJECT_DIR, file)));
    assert.deepEqual(missing, []);
  });

  it("names component type tokens the components declare", () => {
    const components = fs
      .readdirSync(path.join(PROJECT_DIR, "components"))
      .map((f) => fs.readFileSync(path.join(PROJECT_DIR, "components", f), "utf8"))
      .join("\n");
    const tokens = handbook.flatMap((p) =>
      inlineCode(p.text).filter((c) => /^matrix-fleet:[a-z]+:[A-Z]\w+$/.test(c)),
    );
    assert.ok(tokens.length >= 10, tokens.join(", "));
    assert.deepEqual(
      tokens.filter((t) => !components.includes(`"${t}"`)),
      [],
    );
  });

  it("states the configuration catalogue's size as it is", () => {
    const claims = handbook.flatMap((p) =>
      [...p.text.matchAll(/(\d+) bad and (\d+) unusual-but-valid/g)].map((m) => `${p.file}: ${m[1]}/${m[2]}`),
    );
    assert.ok(claims.length > 0);
    const actual = `${BAD_CONFIGURATIONS.length}/${UNUSUAL_CONFIGURATIONS.length}`;
    assert.deepEqual(
      claims.filter((c) => !c.endsWith(`: ${actual}`)),
      [],
      `test/bad-configuration-cases.ts holds ${actual}: write those numbers`,
    );
  });
});
