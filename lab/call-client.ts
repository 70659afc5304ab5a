/**
 * MatrixRTC participants as Element Call runs them, in a process of their own inside one of the lab's client
 * namespaces: behind a stateful firewall, like a phone behind its home router, so that media only flows if LiveKit
 * announces an address the client can reach (rtc.node_ip) or TURN relays it. Each participant gets its LiveKit URL
 * and token the user's whole way (lab/matrixrtc-token.ts: well-known, login, OpenID, lk-jwt-service through the
 * proxy) or, where no lk-jwt-service runs (the process lab), from tokens minted with its key pair. A publishing
 * participant sends a tone; the listener counts audible frames from whoever publishes (another participant here,
 * or a browser: lab/browser/). Prints one JSON line, {"audible": <frames>, ...timings} or {"error": "..."}; exits 0
 * either way and always within its deadline.
 *
 * Usage: call-client.ts '<CallSpec as JSON>'
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
import { MatrixRtcCredentials, matrixRtcToken } from "./matrixrtc-token";

export interface CallParticipant {
  /** A LiveKit URL and token minted elsewhere, or the credentials to get them as Element Call does. */
  readonly token?: { readonly url: string; readonly jwt: string };
  readonly matrixRtc?: MatrixRtcCredentials;
  /** Publishes a 440 Hz tone; otherwise it listens. */
  readonly publishes: boolean;
}

export interface CallSpec {
  readonly participants: readonly CallParticipant[];
  readonly deadlineMs: number;
}

/** What a listener needs to hear: frames with samples above 1000 (the tone is 8000; silence and noise are not). */
const AUDIBLE_FRAMES = 20;

function tone(source: AudioSource): NodeJS.Timeout {
  let phase = 0;
  return setInterval(() => {
    const samples = new Int16Array(480);
    for (let i = 0; i < samples.length; i++, phase++) {
      samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * phase) / 48000));
    }
    void source.captureFrame(new AudioFrame(samples, 48000, 1, samples.length)).catch(() => undefined);
  }, 10);
}

/** Resolves with the audible frames once the room's listener heard enough; the timer bounds it. */
function heardBy(room: Room, deadlineMs: number, timers: NodeJS.Timeout[]): Promise<number> {
  const heard = new Promise<number>((resolve, reject) => {
    timers.push(setTimeout(() => reject(new Error(`no audible frames within ${deadlineMs} ms`)), deadlineMs));
    room.on(RoomEvent.TrackSubscribed, (track) => {
      if (track.kind !== TrackKind.KIND_AUDIO) return;
      void (async () => {
        let audible = 0;
        for await (const frame of new AudioStream(track)) {
          if (frame.data.some((sample) => Math.abs(sample) > 1000)) audible++;
          if (audible >= AUDIBLE_FRAMES) {
            resolve(audible);
            break;
          }
        }
      })();
    });
  });
  // Rejections are awaited by the caller; keep an early one from crashing the process as "unhandled".
  heard.catch(() => undefined);
  return heard;
}

async function call(spec: CallSpec): Promise<Record<string, number>> {
  const started = Date.now();
  const tokens = await Promise.all(
    spec.participants.map(
      (p) => p.token ?? matrixRtcToken(p.matrixRtc!).then(({ url, jwt }) => ({ url, jwt })),
    ),
  );
  const tokensMs = Date.now() - started;
  const rooms = spec.participants.map(() => new Room());
  const timers: NodeJS.Timeout[] = [];
  try {
    const listener = spec.participants.findIndex((p) => !p.publishes);
    if (listener < 0) throw new Error("a call needs a participant who listens");
    const heard = heardBy(rooms[listener]!, spec.deadlineMs, timers);
    // Listeners first, so that they subscribe to the publication as it appears.
    const order = [...spec.participants.keys()].sort(
      (a, b) => Number(spec.participants[a]!.publishes) - Number(spec.participants[b]!.publishes),
    );
    for (const i of order) {
      await rooms[i]!.connect(tokens[i]!.url, tokens[i]!.jwt, { autoSubscribe: true, dynacast: false });
      if (!spec.participants[i]!.publishes) continue;
      const source = new AudioSource(48000, 1);
      const options = new TrackPublishOptions();
      options.source = TrackSource.SOURCE_MICROPHONE;
      await rooms[i]!.localParticipant!.publishTrack(
        LocalAudioTrack.createAudioTrack("mic", source),
        options,
      );
      timers.push(tone(source));
    }
    const joinedMs = Date.now() - started;
    const audible = await heard;
    return { audible, tokensMs, joinedMs, heardMs: Date.now() - started };
  } finally {
    for (const timer of timers) clearInterval(timer);
    await Promise.race([
      Promise.all(rooms.map((room) => room.disconnect())),
      new Promise((r) => setTimeout(r, 3000)),
    ]);
  }
}

async function main(): Promise<void> {
  try {
    const spec = JSON.parse(process.argv[2] ?? "") as CallSpec;
    console.log(JSON.stringify(await call(spec)));
  } catch (error) {
    console.log(JSON.stringify({ error: String((error as Error).message ?? error).replace(/\s+/g, " ") }));
  } finally {
    await dispose();
    process.exit(0);
  }
}

if (require.main === module) void main();
