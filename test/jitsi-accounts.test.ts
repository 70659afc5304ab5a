/**
 * Rotating the `jitsi` secrets (issue #16). docker-jitsi-meet creates prosody's `focus` and `jvb` accounts only when
 * they are missing, so the prosody container deletes the two account files before the image's /init, and the
 * image's register-setup creates them again with the passwords of that start (docs/upstream/jitsi-accounts.md).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { prosodyEntrypoint } from "../config-templates/jitsi-prosody";
import { orgFor } from "./helpers";
import { containersOf, runStack, unwrap } from "./pulumi-harness";

/** The account files as docs/upstream/jitsi-accounts.md §3 derives them from prosody's datamanager, for 11146-2. */
const DOCUMENTED_ACCOUNTS = [
  "/var/lib/prosody/data/auth%2emeet%2ejitsi/accounts/focus.dat",
  "/var/lib/prosody/data/auth%2emeet%2ejitsi/accounts/jvb.dat",
];

const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), "prosody-storage-"));
after(() => fs.rmSync(sandbox, { recursive: true, force: true }));

describe("prosody's service accounts follow a rotation", () => {
  it("the entrypoint names the documented account files and ends in the image's /init as PID 1", () => {
    const [shell, flag, script] = prosodyEntrypoint();
    assert.deepEqual([shell, flag], ["/bin/sh", "-c"]);
    for (const file of DOCUMENTED_ACCOUNTS) assert.ok(script!.includes(`'${file}'`), file);
    assert.match(script!, /&& exec \/init$/);
  });

  it("deletes exactly the two accounts, in either data path, and leaves users, rooms and rosters", () => {
    // The same script against a copy of prosody's storage: its paths moved into the sandbox, /init replaced.
    const storage = path.join(sandbox, "var/lib/prosody");
    const files = [
      "data/auth%2emeet%2ejitsi/accounts/focus.dat",
      "data/auth%2emeet%2ejitsi/accounts/jvb.dat",
      "data/auth%2emeet%2ejitsi/accounts/alice.dat",
      "data/auth%2emeet%2ejitsi/roster/focus.dat",
      "data/muc%2emeet%2ejitsi/config/room.dat",
      "auth%2emeet%2ejitsi/accounts/focus.dat",
    ];
    for (const file of files) {
      fs.mkdirSync(path.dirname(path.join(storage, file)), { recursive: true });
      fs.writeFileSync(path.join(storage, file), "x");
    }
    const script = prosodyEntrypoint()[2]!
      .replaceAll("/var/lib/prosody", storage)
      .replace("exec /init", "exec echo started");
    const run = spawnSync("/bin/sh", ["-c", script], { encoding: "utf8", timeout: 10_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, "started\n");
    const left = files.filter((file) => fs.existsSync(path.join(storage, file)));
    assert.deepEqual(left, [
      "data/auth%2emeet%2ejitsi/accounts/alice.dat",
      "data/auth%2emeet%2ejitsi/roster/focus.dat",
      "data/muc%2emeet%2ejitsi/config/room.dat",
    ]);
    // A start without the files (the first one, or the one after) is harmless.
    assert.equal(spawnSync("/bin/sh", ["-c", script], { timeout: 10_000 }).status, 0);
  });

  it("the prosody container runs it, and a rotation replaces prosody, jicofo and jvb together", async () => {
    const before = containersOf(await runStack(orgFor("produktor")));
    const prosody = unwrap(before.get("matrix-produktor-jitsi-prosody")) as { entrypoints?: string[] };
    assert.deepEqual(prosody.entrypoints, prosodyEntrypoint());
    const after = containersOf(await runStack(orgFor("produktor", { secretRotation: { jitsi: "2" } })));
    const changed = [...after.keys()].filter(
      (name) => JSON.stringify(unwrap(before.get(name))) !== JSON.stringify(unwrap(after.get(name))),
    );
    assert.deepEqual(changed.sort(), [
      "matrix-produktor-jitsi-jicofo",
      "matrix-produktor-jitsi-jvb",
      "matrix-produktor-jitsi-prosody",
    ]);
  });
});
