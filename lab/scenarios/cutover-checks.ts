/**
 * What the cut-over from Compose to `pulumi up` must keep, as checks that report instead of throwing: a walk of the
 * runbook runs every one of them, the scenario requires them all to pass, and each fault case requires the ones
 * its fault breaks to fail with a message that names the cause (lab/scenarios/cutover.ts).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { RoomServiceClient } from "livekit-server-sdk";
import { TurnSession, turnRestCredentials } from "../../verify/turn-client";
import { ComposeSecrets } from "../deploy/compose-site";
import { PlannedStep } from "../../tools/engine/workspace";
import { MatrixError, Session, call, get, login, registerWithSharedSecret } from "../matrix-client";
import { sleep } from "../processes";

/** Every check's outcome by name: passed, or the message of its failure. */
export class CheckResults {
  readonly outcomes = new Map<string, string | undefined>();

  async run(name: string, check: () => Promise<void> | void): Promise<void> {
    try {
      await check();
      this.outcomes.set(name, undefined);
    } catch (error) {
      this.outcomes.set(name, (error as Error).message.split("\n")[0]!);
    }
  }

  /** The failed checks, `name: message`, for assertion messages. */
  failures(): string[] {
    return [...this.outcomes].filter(([, m]) => m !== undefined).map(([name, m]) => `${name}: ${m}`);
  }
}

type VerifyKeys = Record<string, { key: string }>;

/** What the compose-era deployment showed before the cut-over: the things that must survive it. */
export interface ComposeEra {
  readonly serverName: string;
  /** `/_matrix/key/v2/server`'s verify_keys, recorded as the runbook's backup step records them. */
  readonly verifyKeys: VerifyKeys;
  /** A medex user's session from before the cut-over (logged in through the proxy). */
  readonly member: Session;
  /** A produktor user in the same room: the federation peer. */
  readonly peer: Session;
  readonly roomId: string;
  readonly messages: ReadonlyArray<{ readonly eventId: string; readonly body: string }>;
  readonly media: { readonly mxc: string; readonly bytes: Buffer };
  readonly registrationSecret: string;
  readonly secrets: ComposeSecrets;
}

/** Where the checks reach the organisation. */
export interface Reach {
  readonly homeserverUrl: string;
  /** Synapse's own listener on the Docker host (registration goes there, as the lab does for every stack). */
  readonly directUrl: string;
  /** The router's WAN address: coturn's public side. */
  readonly wan: string;
  /** LiveKit's API on the Docker host. */
  readonly livekitUrl: string;
}

/** What the runbook's adopt step printed: the volumes to read and the secrets to keep. */
export interface Adopted {
  readonly volumes: Readonly<Record<string, string>>;
  readonly secrets: readonly string[];
}

const STATE_OPS = new Set(["create", "read", "same"]);

/** The preview the runbook's step 3 describes: reads of the adopted volumes, nothing new for state or secrets. */
export async function checkPreview(results: CheckResults, steps: readonly PlannedStep[], adopted: Adopted) {
  const volumeSteps = steps.filter((s) => s.type === "docker:index/volume:Volume");
  const namedVolumes = Object.entries(adopted.volumes).filter(([, v]) => !v.startsWith("/"));
  await results.run("preview reads every adopted volume", () => {
    const read = volumeSteps.filter((s) => s.op === "read").map((s) => s.id);
    for (const [key, volume] of namedVolumes)
      assert.ok(
        read.includes(volume),
        `adopt.volumes.${key} (${volume}) is not read; reads: ${read.join(", ")}`,
      );
  });
  await results.run("preview creates no state store", () => {
    // Only the stores a Compose deployment has count: the backup's work and repository volumes are new on a
    // cut-over (Compose kept no restic repository), and so are the monitoring's (metrics, silences): intended.
    const created = volumeSteps
      .filter((s) => s.op !== "read" && !isNewComponentVolume(s))
      .map((s) => `${s.op} ${s.name}`);
    assert.deepEqual(created, [], `a state store is ${created.join(", ")} instead of adopted`);
  });
  await results.run("preview generates no adopted secret", () => {
    const generated = steps
      .filter((s) => s.type === "random:index/randomPassword:RandomPassword")
      .map((s) => s.name.replace(/-/g, "_"))
      .filter((name) => adopted.secrets.includes(name));
    assert.deepEqual(generated, [], `a RandomPassword replaces the running ${generated.join(", ")}`);
  });
  await results.run("preview replaces and deletes nothing", () => {
    const touched = steps.filter((s) => !STATE_OPS.has(s.op)).map((s) => `${s.op} ${s.type}::${s.name}`);
    assert.deepEqual(touched, [], `the first preview of a cut-over must only create and read`);
  });
}

/** A volume of the backup or the monitoring (its URN's parent type): new on a cut-over, not a store Compose had. */
function isNewComponentVolume(step: PlannedStep): boolean {
  return ["matrix-fleet:backup:Backup", "matrix-fleet:monitoring:Monitoring"].some((parent) =>
    step.urn.includes(`$${parent}$docker:index/volume:Volume::`),
  );
}

/** What users and peers see: the checks run after the cut-over and again after the rollback. */
export async function checkService(results: CheckResults, era: ComposeEra, reach: Reach): Promise<void> {
  const session = { ...era.member, baseUrl: reach.homeserverUrl };
  await results.run("same server key", async () => {
    const keys = (await call(reach.homeserverUrl, "GET", "/_matrix/key/v2/server")) as {
      verify_keys: VerifyKeys;
    };
    assert.deepEqual(
      keys.verify_keys,
      era.verifyKeys,
      `the server signing key changed (${Object.keys(era.verifyKeys).join()} -> ${Object.keys(keys.verify_keys).join()}): every peer's trust in ${era.serverName} breaks`,
    );
  });
  await results.run("old access token works", async () => {
    const whoami = await get(session, "/_matrix/client/v3/account/whoami").catch((error: unknown) => {
      throw new Error(`the session from before the cut-over was refused: ${(error as Error).message}`);
    });
    assert.equal(whoami.user_id, era.member.userId);
  });
  await results.run("messages are served", async () => {
    for (const message of era.messages) {
      const event = await get(
        session,
        `/_matrix/client/v3/rooms/${encodeURIComponent(era.roomId)}/event/${encodeURIComponent(message.eventId)}`,
      ).catch((error: unknown) => {
        throw new Error(`message ${message.eventId} is not served: ${(error as Error).message}`);
      });
      assert.equal((event.content as { body?: string }).body, message.body);
    }
  });
  await results.run("media are served", async () => {
    const [serverName, mediaId] = era.media.mxc.replace("mxc://", "").split("/");
    const response = await fetch(
      `${reach.homeserverUrl}/_matrix/client/v1/media/download/${serverName}/${mediaId}`,
      { headers: { Authorization: `Bearer ${era.member.accessToken}` }, signal: AbortSignal.timeout(20_000) },
    );
    assert.equal(response.status, 200, `${era.media.mxc} is not served: HTTP ${response.status}`);
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(era.media.bytes), `${era.media.mxc} changed`);
  });
  await results.run("registration secret kept", async () => {
    const name = `cutover-${randomBytes(4).toString("hex")}`;
    await registerWithSharedSecret(
      reach.directUrl,
      era.registrationSecret,
      name,
      randomBytes(12).toString("hex"),
      false,
    ).catch((error: unknown) => {
      const status = error instanceof MatrixError ? error.status : String(error);
      throw new Error(`registration with the compose-era registration_shared_secret failed (${status})`);
    });
  });
  await results.run("federation peer accepts our events", () => federationAccepts(session, era));
  await results.run("coturn works with the adopted secret", () => turnWorks(era, reach));
  await results.run("LiveKit works with the adopted key pair", () => livekitWorks(era, reach));
}

/** A new event from the medex user reaches produktor's user over federation (bounded wait). */
async function federationAccepts(session: Session, era: ComposeEra): Promise<void> {
  const body = `after ${randomBytes(4).toString("hex")}`;
  const sent = await call(
    session.baseUrl,
    "PUT",
    `/_matrix/client/v3/rooms/${encodeURIComponent(era.roomId)}/send/m.room.message/${randomBytes(8).toString("hex")}`,
    { token: session.accessToken, body: { msgtype: "m.text", body } },
  );
  const path = `/_matrix/client/v3/rooms/${encodeURIComponent(era.roomId)}/event/${encodeURIComponent(String(sent.event_id))}`;
  let last = "";
  for (let attempt = 0; attempt < 60; attempt++) {
    try {
      const event = await get(era.peer, path);
      assert.equal((event.content as { body?: string }).body, body);
      return;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(500);
  }
  throw new Error(`${era.peer.userId} never received ${String(sent.event_id)} over federation: ${last}`);
}

/**
 * TURN credentials from Synapse (for a user registered now: this check is about TURN, not the old session), and
 * ones made with the compose-era secret, both allocate relays on coturn.
 */
async function turnWorks(era: ComposeEra, reach: Reach): Promise<void> {
  const name = `turn-${randomBytes(4).toString("hex")}`;
  const password = randomBytes(12).toString("hex");
  await registerWithSharedSecret(reach.directUrl, era.registrationSecret, name, password, false);
  const session = await login(reach.homeserverUrl, name, password);
  const fromSynapse = (await get(session, "/_matrix/client/v3/voip/turnServer")) as {
    username: string;
    password: string;
  };
  const fromSecret = turnRestCredentials(era.secrets.turnSecret, era.member.userId, 3600);
  for (const [what, credentials] of [
    ["Synapse's /voip/turnServer credential", fromSynapse],
    ["a credential made with the compose-era static-auth-secret", fromSecret],
  ] as const) {
    const turn = await TurnSession.open({ host: reach.wan, port: 3478, transport: "udp" });
    try {
      const result = await turn.allocate(credentials.username, credentials.password);
      assert.ok(
        result.relay,
        `coturn refused ${what} (${result.errorCode} ${result.errorReason}): the adopted turn_shared_secret must reach Synapse and coturn`,
      );
    } finally {
      await turn.close();
    }
  }
}

/** LiveKit's API answers a client signed with the compose-era key pair (and refuses another). */
async function livekitWorks(era: ComposeEra, reach: Reach): Promise<void> {
  const { livekitKey, livekitSecret } = era.secrets;
  await new RoomServiceClient(reach.livekitUrl, livekitKey, livekitSecret)
    .createRoom({ name: `cutover-${randomBytes(4).toString("hex")}`, emptyTimeout: 30 })
    .catch((error: unknown) => {
      throw new Error(
        `LiveKit refused the compose-era key pair ${livekitKey} (${(error as Error).message}): the adopted livekit_api_key/secret must reach LiveKit`,
      );
    });
  await assert.rejects(
    new RoomServiceClient(reach.livekitUrl, livekitKey, "x".repeat(48)).listRooms(),
    "LiveKit accepted a wrong secret",
  );
}
