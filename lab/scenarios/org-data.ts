/**
 * An organisation's data as the upgrade, rollback and PostgreSQL-major walks check it: users with passwords, a room
 * they share, messages, an uploaded file and a call's state (a member's org.matrix.msc3401.call.member event).
 * `seedOrganisation` writes it through the homeserver's public URL; `checkOrganisation` reads every piece back and
 * fails naming what is missing or changed.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { LabFleet } from "../deploy/fleet";
import { Session, call, get, login, post, registerWithSharedSecret } from "../matrix-client";

export interface SeededOrganisation {
  readonly stack: string;
  readonly baseUrl: string;
  readonly users: ReadonlyArray<{ readonly name: string; readonly password: string }>;
  readonly roomId: string;
  readonly messages: readonly string[];
  readonly media: { readonly mxc: string; readonly sha256: string; readonly bytes: number };
  readonly call: { readonly stateKey: string; readonly content: Record<string, unknown> };
}

const MEMBER = "org.matrix.msc3401.call.member";

function baseUrlOf(fleet: LabFleet, stack: string): string {
  return (JSON.parse(fleet.rendered(stack, "well-known/client")) as { "m.homeserver": { base_url: string } })[
    "m.homeserver"
  ].base_url;
}

export async function seedOrganisation(
  fleet: LabFleet,
  stack: string,
  label: string,
): Promise<SeededOrganisation> {
  const baseUrl = baseUrlOf(fleet, stack);
  const secret = String(fleet.homeserver(stack).registration_shared_secret);
  const direct = `http://${fleet.site(stack).dockerLan}:8008`;
  const users = ["alice", "bob"].map((who) => ({
    name: `${label}-${who}-${randomBytes(2).toString("hex")}`,
    password: randomBytes(12).toString("hex"),
  }));
  const sessions: Session[] = [];
  for (const user of users) {
    const registered = await registerWithSharedSecret(direct, secret, user.name, user.password, false);
    sessions.push({ ...registered, baseUrl });
  }
  const [alice, bob] = sessions as [Session, Session];
  const { room_id: roomId } = (await post(alice, "/_matrix/client/v3/createRoom", {
    name: `${label}: kept across the upgrade`,
    invite: [bob.userId],
  })) as { room_id: string };
  await post(bob, `/_matrix/client/v3/join/${encodeURIComponent(roomId)}`);
  const messages = [1, 2, 3].map((n) => `${label} message ${n} ${randomBytes(3).toString("hex")}`);
  for (const [i, body] of messages.entries())
    await call(
      baseUrl,
      "PUT",
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${label}-${i}`,
      {
        token: (i % 2 === 0 ? alice : bob).accessToken,
        body: { msgtype: "m.text", body },
      },
    );
  const file = randomBytes(64 * 1024);
  const uploaded = await fetch(`${baseUrl}/_matrix/media/v3/upload?filename=${label}.bin`, {
    method: "POST",
    headers: { Authorization: `Bearer ${alice.accessToken}`, "Content-Type": "application/octet-stream" },
    body: file,
    signal: AbortSignal.timeout(20_000),
  });
  const { content_uri: mxc } = (await uploaded.json()) as { content_uri: string };
  assert.equal(uploaded.status, 200, `media upload: HTTP ${uploaded.status}`);
  const stateKey = `_${alice.userId}_${label.toUpperCase()}_m.call`;
  const content = {
    application: "m.call",
    call_id: "",
    device_id: label.toUpperCase(),
    scope: "m.room",
    focus_active: { type: "livekit" },
  };
  await call(
    baseUrl,
    "PUT",
    `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/${MEMBER}/${encodeURIComponent(stateKey)}`,
    {
      token: alice.accessToken,
      body: content,
    },
  );
  return {
    stack,
    baseUrl,
    users,
    roomId,
    messages,
    media: { mxc, sha256: createHash("sha256").update(file).digest("hex"), bytes: file.length },
    call: { stateKey, content },
  };
}

/** Every seeded piece, read back: logins with the same passwords, the room, its messages in order, the file, the call. */
export async function checkOrganisation(seed: SeededOrganisation): Promise<void> {
  const sessions: Session[] = [];
  for (const user of seed.users) sessions.push(await login(seed.baseUrl, user.name, user.password));
  for (const session of sessions) {
    const joined = (await get(session, "/_matrix/client/v3/joined_rooms")) as { joined_rooms: string[] };
    assert.ok(joined.joined_rooms.includes(seed.roomId), `${session.userId} is no longer in the room`);
  }
  const alice = sessions[0]!;
  const page = (await get(
    alice,
    `/_matrix/client/v3/rooms/${encodeURIComponent(seed.roomId)}/messages?dir=b&limit=50`,
  )) as {
    chunk: Array<{ type: string; content: { body?: string } }>;
  };
  const said = page.chunk
    .filter((e) => e.type === "m.room.message")
    .map((e) => e.content.body)
    .reverse();
  assert.deepEqual(said, seed.messages, "the room's messages");
  const [server, id] = seed.media.mxc.replace("mxc://", "").split("/") as [string, string];
  const download = await fetch(`${seed.baseUrl}/_matrix/client/v1/media/download/${server}/${id}`, {
    headers: { Authorization: `Bearer ${alice.accessToken}` },
    signal: AbortSignal.timeout(20_000),
  });
  const bytes = Buffer.from(await download.arrayBuffer());
  assert.equal(download.status, 200, `the uploaded file: HTTP ${download.status}`);
  assert.equal(
    createHash("sha256").update(bytes).digest("hex"),
    seed.media.sha256,
    "the uploaded file's bytes",
  );
  const member = await get(
    alice,
    `/_matrix/client/v3/rooms/${encodeURIComponent(seed.roomId)}/state/${MEMBER}/${encodeURIComponent(seed.call.stateKey)}`,
  );
  assert.deepEqual(member, seed.call.content, "the call's membership state");
}
