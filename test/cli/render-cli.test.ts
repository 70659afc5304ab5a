import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { PROJECT_DIR } from "../../config/stack-files";
import { progress } from "../../cli/progress";
import { runTool } from "../helpers";
import { parseTurnserverConf, parseYaml } from "../parse-formats";

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "render-cli-"));
after(() => fs.rmSync(workDir, { recursive: true, force: true }));

function render(...args: string[]) {
  return runTool("render", args);
}

describe("render --stack all", () => {
  const out = path.join(workDir, "all");
  const result = render("--stack", "all", "--out", out);

  it("exits 0 and writes the documented layout for every stack", () => {
    assert.equal(result.status, 0, result.stderr);
    const always = [
      "synapse/homeserver.yaml",
      "synapse/log.config",
      "well-known/server",
      "well-known/client",
      "coturn/turnserver.conf",
      "element-web/config.json",
      "proxy-hosts.json",
      "router-checklist.md",
      "summary.md",
      // components.monitoring, on by default.
      "monitoring/prometheus.yml",
      "monitoring/alert-rules.yml",
      "monitoring/alertmanager.yml",
      "monitoring/call-probe.json",
      "monitoring/call-probe.env",
      "monitoring/postgres-exporter.env",
      "monitoring/alert-bot.env",
      // The backup container's environment and scripts, and the dump container's environment (on by default).
      "backup/env",
      "backup/dump.env",
      "backup/common.sh",
      "backup/scheduler.sh",
      "backup/backup.sh",
      "backup/dump-agent.sh",
      "backup/restore.sh",
    ];
    const rtc = ["livekit/livekit.yaml", "lk-jwt/env", "ketesa/config.json"];
    const jitsi = ["jitsi/web.env", "jitsi/prosody.env", "jitsi/jicofo.env", "jitsi/jvb.env"];
    const expected: Record<string, string[]> = {
      produktor: [...always, ...rtc, ...jitsi],
      "pro-dukt": [...always, ...rtc],
      medex: [...always, ...rtc],
      moda1: always,
    };
    for (const [stack, files] of Object.entries(expected)) {
      const actual = fs
        .readdirSync(path.join(out, stack), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.relative(path.join(out, stack), path.join(e.parentPath, e.name)))
        .sort();
      assert.deepEqual(actual, [...files].sort(), stack);
    }
  });

  it("prints a line per stack, not per file, and the total with its time", () => {
    const lines = result.stdout.split("\n");
    assert.deepEqual(
      lines.filter((l) => l.startsWith("rendered ")).map((l) => l.replace(/ in (\/\S+|\d+\.\d s)$/, "")),
      [
        "rendered medex: 26 files",
        "rendered moda1: 23 files",
        "rendered pro-dukt: 26 files",
        "rendered produktor: 30 files",
        "rendered 4 of 4 stacks, 105 files,",
      ],
    );
    assert.match(result.stdout, /^rendered 4 of 4 stacks, 105 files, in \d+\.\d s$/m);
    assert.ok(!lines.some((l) => l.startsWith("  ")), "no line per file");
  });

  it("writes no secret in clear: only placeholders", () => {
    const hs = parseYaml(fs.readFileSync(path.join(out, "produktor/synapse/homeserver.yaml"), "utf8"));
    assert.equal(hs.turn_shared_secret, "{{secret:turn_shared_secret}}");
    assert.equal(hs.macaroon_secret_key, "{{secret:macaroon_secret_key}}");
    assert.match(result.stdout, /placeholders/);
  });
});

describe("progress of a long run", () => {
  it("says how far it got at most every interval, as a count, and nothing on a short run", () => {
    let clock = 1000;
    const lines: string[] = [];
    const run = progress("render: stacks", 1000, {
      everyMs: 2000,
      now: () => clock,
      write: (l) => lines.push(l),
    });
    for (let done = 1; done <= 1000; done++) {
      clock += 7; // 7 s in all: a line at 2, 4 and 6 s
      run.tick(done);
    }
    assert.deepEqual(lines, [
      "render: stacks: 286 of 1000, 2.0 s",
      "render: stacks: 572 of 1000, 4.0 s",
      "render: stacks: 858 of 1000, 6.0 s",
    ]);
    assert.equal(run.elapsedMs(), 7000);
    const short: string[] = [];
    const quick = progress("render: stacks", 4, {
      everyMs: 2000,
      now: () => clock,
      write: (l) => short.push(l),
    });
    for (let done = 1; done <= 4; done++) quick.tick(done);
    assert.deepEqual(short, []);
  });
});

describe("render --secrets", () => {
  it("fills real values from a YAML file, the same value in every consumer", () => {
    const secretsFile = path.join(workDir, "lab-secrets.yaml");
    fs.writeFileSync(secretsFile, "turn_shared_secret: lab-turn-secret-0123456789\n");
    const out = path.join(workDir, "secrets");
    const result = render("--stack", "produktor", "--out", out, "--secrets", secretsFile);
    assert.equal(result.status, 0, result.stderr);
    const hs = parseYaml(fs.readFileSync(path.join(out, "produktor/synapse/homeserver.yaml"), "utf8"));
    const conf = parseTurnserverConf(
      fs.readFileSync(path.join(out, "produktor/coturn/turnserver.conf"), "utf8"),
    );
    assert.equal(hs.turn_shared_secret, "lab-turn-secret-0123456789");
    assert.deepEqual(conf.get("static-auth-secret"), ["lab-turn-secret-0123456789"]);
    assert.equal(hs.form_secret, "{{secret:form_secret}}", "secrets not in the file stay placeholders");
    assert.ok(!result.stdout.includes("lab-turn-secret"), "secret values are never printed");
  });

  it("refuses unknown secret names", () => {
    const secretsFile = path.join(workDir, "typo.yaml");
    fs.writeFileSync(secretsFile, "turn_secret: x\n");
    const result = render(
      "--stack",
      "produktor",
      "--out",
      path.join(workDir, "typo"),
      "--secrets",
      secretsFile,
    );
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown secret names: turn_secret/);
  });
});

/** A project directory of its own with copies of the stack files, for a test to append keys to. */
function copyStackFiles(project: string): void {
  fs.mkdirSync(project);
  for (const file of fs
    .readdirSync(PROJECT_DIR)
    .filter((f) => /^Pulumi\..+\.yaml$/.test(f) && f !== "Pulumi.yaml"))
    fs.copyFileSync(path.join(PROJECT_DIR, file), path.join(project, file));
}

describe("render with overrides marked unjudged (issue #28)", () => {
  it("lists each one under its stack, for one stack and for all, and renders them as given", () => {
    const project = path.join(workDir, "unjudged");
    copyStackFiles(project);
    const moda1 = path.join(project, "Pulumi.moda1.yaml");
    fs.writeFileSync(
      moda1,
      `${fs.readFileSync(moda1, "utf8")}  matrix-fleet:overrides:\n    unjudged:\n      synapse:\n        experimental_features:\n          msc4306_enabled: true\n      coturn:\n        no-rfc5780: true\n`,
    );
    for (const stack of ["moda1", "all"]) {
      const out = path.join(workDir, `unjudged-${stack}`);
      const result = render("--stack", stack, "--out", out, "--project-dir", project);
      assert.equal(result.status, 0, result.stderr);
      assert.match(
        result.stdout,
        /moda1: 2 unjudged overrides, written as given and not checked by matrix-fleet:\n {4}overrides\.unjudged\.synapse\.experimental_features\.msc4306_enabled = true\n {4}overrides\.unjudged\.coturn\.no-rfc5780 = true/,
      );
      assert.doesNotMatch(result.stdout, /produktor: \d+ unjudged/, "only stacks that have some");
      assert.match(
        fs.readFileSync(path.join(out, "moda1", "coturn/turnserver.conf"), "utf8"),
        /^no-rfc5780$/m,
      );
    }
  });
});

describe("render with a warning", () => {
  it("prints a stack's warning (calls larger than its host carries), writes its files and exits 0", () => {
    const project = path.join(workDir, "warning");
    copyStackFiles(project);
    const produktor = path.join(project, "Pulumi.produktor.yaml");
    fs.writeFileSync(
      produktor,
      `${fs.readFileSync(produktor, "utf8")}  matrix-fleet:capacity:\n    hostCores: 2\n    expectedParticipants: 400\n`,
    );
    const out = path.join(workDir, "warning-out");
    const result = render("--stack", "all", "--out", out, "--project-dir", project);
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      /warning: \[stack produktor\] matrix-fleet:capacity\.expectedParticipants: calls of 400 participants are expected[^\n]*\n +fix: /,
    );
    assert.doesNotMatch(
      result.stdout,
      /stack (pro-dukt|medex|moda1)\] .*capacity/,
      "only the stack that expects too much",
    );
    assert.match(
      fs.readFileSync(path.join(out, "produktor", "summary.md"), "utf8"),
      /\*\*Warning:\*\* calls of 400/,
    );
  });
});

describe("render with bad config", () => {
  it("exits 1 with every problem naming stack, key and fix, and no stack trace", () => {
    const project = path.join(workDir, "project");
    copyStackFiles(project);
    const produktor = path.join(project, "Pulumi.produktor.yaml");
    const text = fs.readFileSync(produktor, "utf8");
    fs.writeFileSync(
      produktor,
      `${text}  matrix-fleet:overrides:\n    livekit:\n      room:\n        auto_create: true\n  matrix-fleet:ports:\n    livekitUdp: 49190-49300\n`,
    );
    const result = render(
      "--stack",
      "produktor",
      "--out",
      path.join(workDir, "bad"),
      "--project-dir",
      project,
    );
    assert.equal(result.status, 1);
    assert.match(result.stderr, /\[stack produktor\] matrix-fleet:overrides\.livekit\.room\.auto_create: /);
    assert.match(result.stderr, /\[stack produktor\] matrix-fleet:ports\.livekitUdp: .*overlaps/);
    assert.match(result.stderr, /fix: /);
    assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/, "no stack trace for a user mistake");
    assert.equal(fs.existsSync(path.join(workDir, "bad", "produktor")), false, "nothing is written");
  });

  it("exits 2 with usage for an unknown stack flag", () => {
    const result = render("--stak", "produktor");
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown argument '--stak'/);
  });

  it("names the known stacks for an unknown stack", () => {
    const result = render("--stack", "nope", "--out", path.join(workDir, "nope"));
    assert.equal(result.status, 1);
    assert.match(result.stderr, /no stack file Pulumi\.nope\.yaml.*medex, moda1, pro-dukt, produktor/s);
  });
});
