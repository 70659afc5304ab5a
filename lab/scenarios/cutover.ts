/**
 * The cut-over, for real (issue #14): medex running on Docker Compose on its site's engine (lab/cutover/, with real
 * users, a room, messages, media, a session, its own signing key and produktor as a federation peer that has seen
 * that key) is taken over with the runbook of docs/adopting-compose.md, step for step: backup, `npm run adopt`, its printed commands,
 * `pulumi preview`, `docker-compose stop`, `pulumi up`, the checks; then the rollback. The same walk with one step
 * done wrong (a secret left out, a store left out, a volume or directory that does not exist) must fail the checks
 * that guard what it breaks. Registered by lab/deploy/lab.test.ts after the call scenarios, on site 3.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as yaml from "js-yaml";
import { CommandResult, PlannedStep, plannedSteps } from "../../tools/engine/workspace";
import { ComposeSite } from "../deploy/compose-site";
import { LabFleet, NPM_SECRET } from "../deploy/fleet";
import { docker } from "../deploy/sites";
import { Session, call, get, login, post, registerWithSharedSecret } from "../matrix-client";
import { waitFor } from "../processes";
import { Adopted, CheckResults, ComposeEra, Reach, checkPreview, checkService } from "./cutover-checks";

const STACK = "medex";
/** The database role and name in the compose file (lab/cutover/docker-compose.yml): the runbook's pg_dump uses them. */
const DB = { role: "synapse_medex", name: "synapse" };
const LAB_DIR = path.resolve(process.env.LAB_DIR ?? ".lab/deploy");
const DIR = path.join(LAB_DIR, "cutover");
const BACKUP = path.join(DIR, "backup");

/** What the runbook's step 2 printed and did. */
interface Adoption extends Adopted {
  readonly output: string;
  /** The (b) commands as printed; `skipped`: the ones the operator left out (a fault). */
  readonly commands: readonly string[];
  readonly skipped: readonly string[];
}

/** One walk of the runbook up to and including its checks. */
interface Walk {
  readonly adoption: Adoption;
  readonly steps: readonly PlannedStep[];
  readonly up: CommandResult;
  /** Every check: the preview's (step 3) and what users and peers see afterwards (step 5). */
  readonly results: CheckResults;
}

export function cutoverScenarios(current: () => LabFleet): void {
  let fleet: LabFleet;
  let compose: ComposeSite;
  let era: ComposeEra;
  let reach: Reach;
  /** The medex stack before any runbook step: its file and its (empty) state, to walk again from the start. */
  let pristine: { stackFile: string; stateFile: string };
  let handMadeHosts: number[];

  const shell = async (command: string): Promise<CommandResult> => fleet.workspace.shell(command);
  /** The steps that passed: node:test runs every test in order, but a step makes no sense after a failed one. */
  const passed = new Set<string>();
  const needs = (step: string) => assert.ok(passed.has(step), `not walked: the step "${step}" failed`);
  const stackContainers = () =>
    docker(fleet.site(STACK), ["ps", "-aq", "--filter", `label=org.matrix-fleet.stack=${STACK}`])
      .split("\n")
      .filter((id) => id !== "");

  /** The runbook's step 2: `npm run adopt`, then its (b) commands in the stack's workspace, as printed. */
  async function adopt(skip?: RegExp): Promise<Adoption> {
    // The lab's stack files live in the fleet's workspace, not in this checkout: --project-dir points there.
    const printed = await shell(
      `npm run adopt -- --stack ${STACK} --compose ${compose.dir} --project-dir "$PWD"`,
    );
    assert.equal(printed.code, 0, `npm run adopt found blockers:\n${printed.stdout}${printed.stderr}`);
    const output = printed.stdout;
    const section = (from: string, to: string) =>
      output
        .slice(output.indexOf(from), output.indexOf(to, output.indexOf(from)))
        .split("\n")
        .slice(1);
    const stackConfig = yaml.load(
      section("(a) Stack config", "(b) Commands")
        .map((line) => line.slice(2))
        .join("\n"),
    ) as Record<string, Record<string, unknown>>;
    const commands = section("(b) Commands", "(c) Differences")
      .map((line) => line.trim())
      .filter((line) => line.startsWith("pulumi config set") || line.startsWith("npm run --silent adopt"));
    const skipped = commands.filter((command) => skip?.test(command));
    for (const command of commands.filter((c) => !skipped.includes(c))) {
      const result = await shell(command);
      assert.equal(result.code, 0, `${command}\n${result.stderr}`);
    }
    const rendered = await shell(
      `npm run --silent render -- --stack ${STACK} --project-dir "$PWD" --out ${path.join(DIR, "rendered")}`,
    );
    assert.equal(
      rendered.code,
      0,
      `render of the adopted stack failed:\n${rendered.stdout}${rendered.stderr}`,
    );
    const adoptSection = stackConfig["matrix-fleet:adopt"] as { volumes: Record<string, string> };
    return {
      output,
      commands,
      skipped,
      volumes: adoptSection.volumes,
      secrets: commands.flatMap((c) => /--print-secret (\S+)/.exec(c)?.[1] ?? []),
    };
  }

  /**
   * Steps 1 to 5 of the runbook (docs/adopting-compose.md, "Runbook: from a compose stack to a Pulumi stack").
   * `skip`: the adoption commands left out (a fault walk). A fault walk also leaves the monitoring out: its
   * mistakes are in the adoption, and the first walk proves the cut-over with the monitoring's seven containers.
   */
  async function walkRunbook(skip?: RegExp): Promise<Walk> {
    if (skip !== undefined) await fleet.set(STACK, "components.monitoring", "false");
    // 1. Back up, with compose still running; record the server key.
    fs.rmSync(BACKUP, { recursive: true, force: true });
    fs.mkdirSync(BACKUP, { recursive: true });
    compose.shell(`docker-compose exec -T db pg_dump -U ${DB.role} -Fc ${DB.name} > ${BACKUP}/synapse.dump`);
    compose.shell(`cp -a ${compose.dir} ${BACKUP}/`);
    assert.equal(fs.readFileSync(path.join(BACKUP, "synapse.dump")).subarray(0, 5).toString(), "PGDMP");
    const recorded = (await call(reach.homeserverUrl, "GET", "/_matrix/key/v2/server")) as {
      verify_keys: ComposeEra["verifyKeys"];
    };
    assert.deepEqual(recorded.verify_keys, era.verifyKeys);

    // 2. Adopt.
    const adoption = await adopt(skip);

    // 3. Preview.
    const results = new CheckResults();
    const preview = await fleet.preview(STACK, { json: true });
    assert.equal(preview.code, 0, LabFleet.failure(preview));
    const steps = plannedSteps(preview.stdout);
    await checkPreview(results, steps, adoption);

    // 4. Cut over: compose stops (Synapse first, for the final dump), then pulumi up.
    compose.shell(
      `docker-compose stop synapse && docker-compose exec -T db pg_dump -U ${DB.role} -Fc ${DB.name} > ${BACKUP}/final.dump && docker-compose stop`,
    );
    const up = await fleet.up(STACK);
    assert.equal(up.code, 0, LabFleet.failure(up));

    // 5. Check.
    await checkStack(results, adoption);
    await checkService(results, era, reach);
    return { adoption, steps, up, results };
  }

  /** The stack's own view after `pulumi up`: where its state lives, its proxy hosts, lk-jwt-service's settings. */
  async function checkStack(results: CheckResults, adoption: Adoption): Promise<void> {
    await results.run("stateStores lists every adopted store", async () => {
      const output = await fleet.workspace.pulumi([
        "stack",
        "output",
        "stateStores",
        "--json",
        "--stack",
        STACK,
      ]);
      const stores = JSON.parse(output.stdout) as Array<{ id: string; kind: string; source: string }>;
      for (const [id, source] of Object.entries(adoption.volumes)) {
        const kind = source.startsWith("/") ? "adoptedDirectory" : "adoptedVolume";
        assert.deepEqual(
          stores.find((s) => s.id === id),
          { id, kind, source },
          `${id}: ${JSON.stringify(stores)}`,
        );
      }
    });
    await results.run("the proxy hosts made by hand are adopted in place", () => {
      const ids = fleet
        .proxyHosts(STACK)
        .map((host) => (host as unknown as { id: number }).id)
        .sort((a, b) => a - b);
      assert.deepEqual(ids, handMadeHosts, "NPM holds other proxy hosts than the ones made by hand");
    });
    await results.run("lk-jwt-service gets the adopted key pair and the public LiveKit URL", () => {
      // The environment the container was started with (the lab's lk-jwt image is the contract double).
      const env = docker(fleet.site(STACK), [
        "inspect",
        "--format",
        "{{range .Config.Env}}{{println .}}{{end}}",
        `matrix-${STACK}-lk-jwt`,
      ]);
      assert.match(env, new RegExp(`^LIVEKIT_KEY=${era.secrets.livekitKey}$`, "m"), "LIVEKIT_KEY");
      assert.match(env, new RegExp(`^LIVEKIT_SECRET=${era.secrets.livekitSecret}$`, "m"), "LIVEKIT_SECRET");
      assert.match(env, /^LIVEKIT_URL=wss:\/\/matrix-rtc\.medex-pflegedienst\.de\/livekit\/sfu$/m);
    });
  }

  /** Step 6: the stack's containers stopped, compose started again. */
  async function rollBack(): Promise<CheckResults> {
    compose.shell(`docker ps -q --filter label=org.matrix-fleet.stack=${STACK} | xargs -r docker stop`);
    compose.compose(["start"]);
    await compose.waitForSynapse();
    await waitFor("LiveKit of the compose deployment", livekitAnswers, 30_000);
    const results = new CheckResults();
    await checkService(results, era, reach);
    return results;
  }

  const livekitAnswers = async () =>
    (await fetch(reach.livekitUrl, { signal: AbortSignal.timeout(2000) }).catch(() => undefined))?.ok ===
    true;

  /**
   * Before walking again: no trace of the last walk in Docker or in the stack (its file and state as before the
   * first walk), and medex on Compose again.
   */
  async function startOver(): Promise<void> {
    const ids = stackContainers();
    if (ids.length > 0) docker(fleet.site(STACK), ["rm", "-f", ...ids]);
    docker(fleet.site(STACK), ["network", "rm", `matrix-${STACK}-net`], undefined, true);
    fs.writeFileSync(path.join(fleet.workspace.dir, `Pulumi.${STACK}.yaml`), pristine.stackFile);
    const imported = await fleet.workspace.pulumi([
      "stack",
      "import",
      "--stack",
      STACK,
      "--file",
      pristine.stateFile,
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    compose.compose(["start"]);
    await compose.waitForSynapse();
    await waitFor("LiveKit of the compose deployment", livekitAnswers, 30_000);
  }

  describe("cut-over: medex from Docker Compose to pulumi up, and back", () => {
    it("medex runs on Compose with users, a room, messages, media, a session, and produktor has seen its key", async () => {
      fleet = current();
      // The federation peer; a no-op when the deploy scenarios brought it up already.
      const peer = await fleet.up("produktor");
      assert.equal(peer.code, 0, LabFleet.failure(peer));
      const target = fleet.site(STACK);
      reach = {
        homeserverUrl: "https://chat.medex-pflegedienst.de",
        directUrl: `http://${target.dockerLan}:8008`,
        wan: target.wan,
        livekitUrl: `http://${target.dockerLan}:7880`,
      };
      const exported = await fleet.workspace.pulumi(["stack", "export", "--stack", STACK]);
      assert.equal(exported.code, 0, exported.stderr);
      fs.mkdirSync(DIR, { recursive: true });
      pristine = {
        stackFile: fleet.workspace.stackFile(STACK),
        stateFile: path.join(DIR, "pristine-state.json"),
      };
      fs.writeFileSync(pristine.stateFile, exported.stdout);

      compose = ComposeSite.create(target, path.join(DIR, "chat"), target.serverName);
      handMadeHosts = await compose.makeProxyHostsByHand(target.npm.url, {
        identity: target.npmIdentity,
        secret: NPM_SECRET,
      });
      await fleet.rebuildFront(STACK);
      compose.compose(["up", "-d"]);
      await compose.waitForSynapse();
      era = await seed(fleet, compose, reach);
      // produktor verified medex's signatures when its user joined; its key notary answers with the same key.
      const seen = (await call(
        "https://chat.produktor.io",
        "GET",
        `/_matrix/key/v2/query/${era.serverName}`,
      )) as {
        server_keys: Array<{ verify_keys: ComposeEra["verifyKeys"] }>;
      };
      assert.deepEqual(seen.server_keys[0]?.verify_keys, era.verifyKeys);
      passed.add("compose");
    });

    let walk: Walk;
    it("the runbook: backup, adopt, its commands, a preview that reads every adopted volume and generates, replaces and deletes nothing", async () => {
      needs("compose");
      walk = await walkRunbook();
      // Deployed: whatever the checks say now, the rollback has something to roll back.
      passed.add("deployed");
      assert.match(
        walk.adoption.output,
        /LIVEKIT_URL: ws:\/\/livekit:7880 -> wss:\/\/matrix-rtc\.medex-pflegedienst\.de\/livekit\/sfu\n\s+intended: fixes a known failure/,
        "adopt names the internal LIVEKIT_URL as a known failure it fixes",
      );
      assert.deepEqual(Object.keys(walk.adoption.volumes).sort(), ["postgresData", "synapseData"]);
      assert.deepEqual([...walk.adoption.secrets].sort(), [
        "form_secret",
        "livekit_api_key",
        "livekit_api_secret",
        "macaroon_secret_key",
        "postgres_password",
        "registration_shared_secret",
        "turn_shared_secret",
      ]);
      const preview = [...walk.results.outcomes].filter(([name]) => name.startsWith("preview"));
      assert.deepEqual(
        preview.filter(([, failure]) => failure !== undefined),
        [],
        "the preview the runbook describes",
      );
      passed.add("walk");
    });

    it("pulumi up: the same server key, the old session, messages, media, federation, TURN and LiveKit with the adopted secrets", async () => {
      needs("walk");
      assert.deepEqual(walk.results.failures(), []);
      assert.ok(walk.results.outcomes.size >= 15, [...walk.results.outcomes.keys()].join(", "));
      const verified = await runVerify();
      for (const check of [
        "well-known server",
        "well-known client",
        "client API versions",
        "test user login",
        "federation peer produktor.io",
        "TURN allocation over UDP",
        "TURN allocation over TCP",
        "LiveKit ICE/TCP port",
      ])
        assert.match(verified, new RegExp(`^PASS ${check}:`, "m"), `${check}\n${verified}`);
      passed.add("up");
    });

    it("the rollback: the stack's containers stopped, compose started, and everything works again", async () => {
      needs("deployed");
      const results = await rollBack();
      assert.deepEqual(results.failures(), []);
      passed.add("rollback");
    });

    it("forward again after the rollback: compose stopped, pulumi up --refresh starts the stack's containers", async () => {
      needs("rollback");
      compose.shell("docker-compose stop");
      // A plain `pulumi up` has nothing to do: its state does not know that the containers were stopped.
      const plain = await fleet.up(STACK);
      assert.equal(plain.code, 0, LabFleet.failure(plain));
      assert.match(plain.stdout, /\d+ unchanged/);
      assert.doesNotMatch(plain.stdout, / (created|updated|replaced)\b/);
      const refreshed = await fleet.up(STACK, { refresh: true });
      assert.equal(refreshed.code, 0, LabFleet.failure(refreshed));
      // A container only started again (not replaced) is not waited for by its health gate: wait as an operator
      // would before checking.
      await compose.waitForSynapse();
      const results = new CheckResults();
      await checkService(results, era, reach);
      assert.deepEqual(results.failures(), []);
    });
  });

  describe("cut-over faults: the same walk with one step done wrong", () => {
    it("a secret left out (turn_shared_secret regenerated) fails the preview's and coturn's checks", async () => {
      needs("compose");
      await startOver();
      const faulty = await walkRunbook(/adoptedSecrets\.turn_shared_secret/);
      assert.equal(faulty.adoption.skipped.length, 1);
      assertFailed(faulty.results, {
        "preview generates no adopted secret": /RandomPassword replaces the running turn_shared_secret/,
        "coturn works with the adopted secret": /compose-era static-auth-secret \(401/,
      });
      assert.deepEqual((await rollBack()).failures(), []);
    });

    it("a store left out (PostgreSQL created instead of adopted) fails the preview's, the session's and the room's checks", async () => {
      needs("compose");
      await startOver();
      const faulty = await walkRunbook(/adopt\.volumes\.postgresData/);
      assert.equal(faulty.adoption.skipped.length, 1);
      assertFailed(faulty.results, {
        "preview reads every adopted volume": /adopt\.volumes\.postgresData \(chat_pgdata\) is not read/,
        "preview creates no state store": /a state store is create .*postgres-data instead of adopted/,
        "stateStores lists every adopted store": /postgresData/,
        "old access token works": /refused/,
        "messages are served": /is not served/,
        "media are served": /is not served/,
        "federation peer accepts our events": /./,
      });
      assert.deepEqual((await rollBack()).failures(), []);
    });

    it("an adopted volume or directory that does not exist fails the preview naming its key, and the up; nothing is created", async () => {
      needs("compose");
      await startOver();
      const adoption = await adopt();
      const set = (key: string, value: string) =>
        shell(`pulumi config set --stack ${STACK} --path adopt.volumes.${key} ${value}`);
      const missing = `${compose.dir}/synapse-restored`;
      await set("postgresData", "chat_pgdata-restored");
      await set("synapseData", missing);
      const preview = await fleet.preview(STACK);
      assert.notEqual(preview.code, 0, "the preview passed with stores that do not exist");
      const both = `${preview.stdout}${preview.stderr}`;
      // Every missing store at once, each with its key, the store and a fix.
      assert.match(
        both,
        /adopt\.volumes\.postgresData: Docker volume 'chat_pgdata-restored' does not exist on .*\n\s+fix: set adopt\.volumes\.postgresData to the name/,
      );
      assert.match(
        both,
        new RegExp(
          `adopt\\.volumes\\.synapseData: directory ${missing} does not exist on .*\\n\\s+fix: set adopt\\.volumes\\.synapseData`,
        ),
      );
      await set("postgresData", adoption.volumes.postgresData!);

      // Going ahead anyway (step 4): pulumi up refuses the same way, before anything of the stack exists.
      compose.shell("docker-compose stop");
      const refused = await fleet.up(STACK);
      assert.notEqual(refused.code, 0, "pulumi up went through with a missing adopted directory");
      const up = `${refused.stdout}${refused.stderr}`;
      assert.match(up, new RegExp(`adopt\\.volumes\\.synapseData: directory ${missing} does not exist`));
      assert.doesNotMatch(up, /adopt\.volumes\.postgresData/, "the volume is there again");
      assert.equal(fs.existsSync(missing), false, `${missing} was created (empty)`);
      assert.deepEqual(stackContainers(), [], "a container was created before the stores were found");
      assert.deepEqual((await rollBack()).failures(), []);
    });
  });

  /** `npm run verify` as the runbook's step 5 runs it, with a test user registered with the adopted secret. */
  async function runVerify(): Promise<string> {
    const name = `verify-${randomBytes(3).toString("hex")}`;
    const password = randomBytes(12).toString("hex");
    await registerWithSharedSecret(reach.directUrl, era.registrationSecret, name, password, false);
    const result = await shell(
      `MATRIX_FLEET_VERIFY_USER=${name} MATRIX_FLEET_VERIFY_PASSWORD=${password} npm run --silent verify -- --stack ${STACK} --project-dir "$PWD"`,
    );
    return result.stdout + result.stderr;
  }
}

/** Exactly these checks failed, each with a message matching its pattern. */
function assertFailed(results: CheckResults, expected: Record<string, RegExp>): void {
  const failed = [...results.outcomes].filter(([, m]) => m !== undefined);
  assert.deepEqual(
    failed.map(([name]) => name).sort(),
    Object.keys(expected).sort(),
    `failed checks:\n${results.failures().join("\n")}`,
  );
  for (const [name, message] of failed) assert.match(message!, expected[name]!, name);
}

/** The data of two years: a member with a session, a room shared with produktor, messages, a file. */
async function seed(fleet: LabFleet, compose: ComposeSite, reach: Reach): Promise<ComposeEra> {
  const homeserver = compose.homeserver();
  const registrationSecret = String(homeserver.registration_shared_secret);
  const password = randomBytes(12).toString("hex");
  await registerWithSharedSecret(reach.directUrl, registrationSecret, "nurse-anna", password, false);
  const member = await login(reach.homeserverUrl, "nurse-anna", password);

  const produktor = fleet.site("produktor");
  const peerPassword = randomBytes(12).toString("hex");
  await registerWithSharedSecret(
    `http://${produktor.dockerLan}:8008`,
    String(fleet.homeserver("produktor").registration_shared_secret),
    "care-partner",
    peerPassword,
    false,
  );
  const peer = await login("https://chat.produktor.io", "care-partner", peerPassword);

  const { room_id: roomId } = (await post(member, "/_matrix/client/v3/createRoom", {
    preset: "private_chat",
    name: "Pflegeplanung",
    invite: [peer.userId],
  })) as { room_id: string };
  await post(peer, `/_matrix/client/v3/join/${encodeURIComponent(roomId)}?server_name=${compose.serverName}`);

  const messages: Array<{ eventId: string; body: string }> = [];
  const send = async (session: Session, content: Record<string, unknown>) => {
    const sent = await call(
      session.baseUrl,
      "PUT",
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${randomBytes(8).toString("hex")}`,
      { token: session.accessToken, body: content },
    );
    return String(sent.event_id);
  };
  for (const body of [
    "Frühdienst: Frau K. Blutdruck 130/85",
    "Spätdienst übernimmt Tour 3",
    "Verbandswechsel erledigt",
  ])
    messages.push({ eventId: await send(member, { msgtype: "m.text", body }), body });
  const answer = "Befund aus der Praxis folgt";
  const answerId = await send(peer, { msgtype: "m.text", body: answer });
  // The peer's message reaches medex over federation (bounded wait), so medex serves it too.
  await waitFor(
    "produktor's message on medex",
    async () =>
      (await get(member, `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/event/${answerId}`).catch(
        () => undefined,
      )) !== undefined,
    30_000,
  );
  messages.push({ eventId: answerId, body: answer });

  const bytes = randomBytes(64 * 1024);
  const uploaded = await fetch(`${reach.homeserverUrl}/_matrix/media/v3/upload?filename=wundbild.bin`, {
    method: "POST",
    headers: { Authorization: `Bearer ${member.accessToken}`, "Content-Type": "application/octet-stream" },
    body: bytes,
    signal: AbortSignal.timeout(20_000),
  });
  assert.equal(uploaded.status, 200, await uploaded.clone().text());
  const { content_uri: mxc } = (await uploaded.json()) as { content_uri: string };
  messages.push({
    eventId: await send(member, { msgtype: "m.file", body: "wundbild.bin", url: mxc }),
    body: "wundbild.bin",
  });

  const keys = (await call(reach.homeserverUrl, "GET", "/_matrix/key/v2/server")) as {
    verify_keys: ComposeEra["verifyKeys"];
  };
  return {
    serverName: compose.serverName,
    verifyKeys: keys.verify_keys,
    member,
    peer,
    roomId,
    messages,
    media: { mxc, bytes },
    registrationSecret,
    secrets: compose.secrets,
  };
}
