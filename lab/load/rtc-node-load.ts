/**
 * The same call as the Go load generator's, made with @livekit/rtc-node (libwebrtc through LiveKit's Rust SDK), to
 * measure what one simulated participant costs each way on this 2-core machine (the benchmark prints both; the
 * choice of Go for the generator rests on it). `speakers` of the members publish a 440 Hz tone in 10 ms frames (the
 * SDK encodes Opus), every member subscribes and decodes what it hears (rtc-node exposes no RTP statistics: a
 * frame heard is the only measure it has). One process, all members; prints one JSON line,
 * {"rtcNode": {joined, heardFrames, cpuSeconds, windowSeconds, rssMiB}} or {"error": "..."}; exits by itself.
 *
 * Usage: rtc-node-load.ts < {"url", "tokens": [...], "speakers", "seconds"}
 */
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

interface Input {
  readonly url: string;
  readonly tokens: readonly string[];
  readonly speakers: number;
  readonly seconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function speak(room: Room, stop: { done: boolean }): Promise<void> {
  const source = new AudioSource(48000, 1);
  const options = new TrackPublishOptions();
  options.source = TrackSource.SOURCE_MICROPHONE;
  await room.localParticipant!.publishTrack(LocalAudioTrack.createAudioTrack("microphone", source), options);
  let phase = 0;
  void (async () => {
    while (!stop.done) {
      const samples = new Int16Array(480);
      for (let i = 0; i < samples.length; i++, phase++)
        samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * phase) / 48000));
      await source.captureFrame(new AudioFrame(samples, 48000, 1, samples.length)).catch(() => undefined);
    }
  })();
}

async function run(input: Input): Promise<Record<string, number>> {
  const stop = { done: false };
  const counted = { heard: 0, measuring: false };
  const rooms = input.tokens.map(() => new Room());
  for (const room of rooms)
    room.on(RoomEvent.TrackSubscribed, (track) => {
      if (track.kind !== TrackKind.KIND_AUDIO) return;
      void (async () => {
        for await (const frame of new AudioStream(track)) {
          if (counted.measuring && frame.data.length > 0) counted.heard++;
          if (stop.done) break;
        }
      })();
    });
  let joined = 0;
  for (const [i, room] of rooms.entries()) {
    try {
      await room.connect(input.url, input.tokens[i]!, { autoSubscribe: true, dynacast: false });
      if (i < input.speakers) await speak(room, stop);
      joined++;
    } catch {
      // counted as not joined
    }
  }
  await sleep(2000);
  const cpu = process.cpuUsage();
  const started = Date.now();
  counted.measuring = true;
  await sleep(input.seconds * 1000);
  counted.measuring = false;
  const used = process.cpuUsage(cpu);
  const windowSeconds = (Date.now() - started) / 1000;
  stop.done = true;
  await Promise.race([Promise.all(rooms.map((r) => r.disconnect())), sleep(5000)]);
  return {
    joined,
    heardFrames: counted.heard,
    cpuSeconds: (used.user + used.system) / 1e6,
    windowSeconds,
    rssMiB: process.memoryUsage().rss / 2 ** 20,
  };
}

async function main(): Promise<void> {
  // Bounded whatever happens inside the SDK.
  setTimeout(() => {
    console.log(JSON.stringify({ error: "rtc-node-load did not finish within its deadline" }));
    process.exit(0);
  }, 120_000).unref();
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const input = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Input;
    console.log(JSON.stringify({ rtcNode: await run(input) }));
  } catch (error) {
    console.log(JSON.stringify({ error: String((error as Error).message ?? error) }));
  } finally {
    await dispose();
    process.exit(0);
  }
}

void main();
