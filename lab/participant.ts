/**
 * One person in a MatrixRTC call, as Element Call runs them after lk-jwt-service, in a process of their own inside
 * one of the lab's namespaces: one LiveKit connection per SFU they use (MSC4195 multi-SFU: they publish on their own
 * homeserver's LiveKit and subscribe on each other's), a 440 Hz tone on every connection that publishes, and the
 * audio of every connection that listens counted. Prints one JSON line, {"audible": <frames>} once some remote track
 * carried 20 audible frames, or {"error": "..."}; exits 0 either way, within its deadline.
 *
 * Usage: participant.ts <deadline ms> <connections: JSON [{url, token, publish, listen}]> [<rendezvous dir> <people>]
 * With a rendezvous directory, a person who heard the call stays in it (still publishing) until every one of the
 * `people` has written that they heard it there, or the deadline: leaving at once would end the others' call.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  AudioFrame,
  AudioSource,
  AudioStream,
  LocalAudioTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
  dispose,
} from "@livekit/rtc-node";

interface Connection {
  readonly url: string;
  readonly token: string;
  readonly publish: boolean;
  readonly listen: boolean;
}

/** Resolves with the audible frames once any listening connection heard 20. */
function hearing(rooms: Array<{ room: Room; listen: boolean }>, deadlineMs: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no audible frames within ${deadlineMs} ms`)),
      deadlineMs,
    );
    for (const { room, listen } of rooms) {
      if (!listen) continue;
      room.on(RoomEvent.TrackSubscribed, (track) => {
        if (track.kind !== TrackKind.KIND_AUDIO) return;
        void (async () => {
          let audible = 0;
          for await (const frame of new AudioStream(track)) {
            if (frame.data.some((sample) => Math.abs(sample) > 1000)) audible++;
            if (audible >= 20) {
              clearTimeout(timer);
              resolve(audible);
              break;
            }
          }
        })();
      });
    }
  });
}

/** Writes that this person heard the call, then waits until all `people` did (bounded by `until`). */
async function stayForTheOthers(
  rendezvous: string | undefined,
  people: number,
  until: number,
): Promise<void> {
  if (rendezvous === undefined) return;
  fs.writeFileSync(path.join(rendezvous, `heard-${process.pid}`), "");
  while (
    Date.now() < until &&
    fs.readdirSync(rendezvous).filter((f) => f.startsWith("heard-")).length < people
  )
    await new Promise((r) => setTimeout(r, 100));
}

async function takePart(
  connections: readonly Connection[],
  deadlineMs: number,
  rendezvous?: { dir: string; people: number },
): Promise<number> {
  const until = Date.now() + deadlineMs;
  const rooms = connections.map((c) => ({ ...c, room: new Room() }));
  let pump: NodeJS.Timeout | undefined;
  try {
    const heard = hearing(rooms, deadlineMs);
    heard.catch(() => undefined);
    // One source per published track: each connection is a PeerConnection of its own.
    const sources: AudioSource[] = [];
    for (const { room, url, token, publish } of rooms) {
      await room.connect(url, token, { autoSubscribe: true, dynacast: false });
      if (!publish) continue;
      const source = new AudioSource(48000, 1);
      sources.push(source);
      const options = new TrackPublishOptions();
      options.source = TrackSource.SOURCE_MICROPHONE;
      await room.localParticipant!.publishTrack(LocalAudioTrack.createAudioTrack("mic", source), options);
    }
    let phase = 0;
    pump = setInterval(() => {
      const samples = new Int16Array(480);
      for (let i = 0; i < samples.length; i++, phase++)
        samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * phase) / 48000));
      for (const source of sources)
        void source.captureFrame(new AudioFrame(samples, 48000, 1, samples.length)).catch(() => undefined);
    }, 10);
    const audible = await heard;
    await stayForTheOthers(rendezvous?.dir, rendezvous?.people ?? 0, until);
    return audible;
  } finally {
    clearInterval(pump);
    await Promise.race([
      Promise.all(rooms.map(({ room }) => room.disconnect())),
      new Promise((r) => setTimeout(r, 3000)),
    ]);
  }
}

async function main(): Promise<void> {
  const [deadline, spec, rendezvousDir, people] = process.argv.slice(2);
  // A signalling connection that never answers (a dropped route) must not outlive the deadline either.
  setTimeout(
    () => {
      console.log(JSON.stringify({ error: `no audible frames within ${deadline} ms (still connecting)` }));
      process.exit(0);
    },
    Number(deadline ?? 20000) + 5000,
  ).unref();
  try {
    const connections = JSON.parse(spec ?? "[]") as Connection[];
    if (connections.length === 0) throw new Error("usage: participant.ts <deadline ms> <connections JSON>");
    const rendezvous =
      rendezvousDir === undefined ? undefined : { dir: rendezvousDir, people: Number(people) };
    console.log(
      JSON.stringify({ audible: await takePart(connections, Number(deadline ?? 20000), rendezvous) }),
    );
  } catch (error) {
    console.log(JSON.stringify({ error: String((error as Error).message ?? error).replace(/\s+/g, " ") }));
  } finally {
    await dispose();
    process.exit(0);
  }
}

void main();
