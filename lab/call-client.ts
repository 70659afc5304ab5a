/**
 * Two MatrixRTC participants as Element Call runs them after lk-jwt-service, in a process of their own inside the
 * lab's client namespace: behind a stateful firewall, like a phone behind its home router, so that media only
 * flows if LiveKit announces an address the client can reach (rtc.node_ip). Prints one JSON line:
 * {"audible": <frames>} or {"error": "..."}; exits 0 either way and always within its deadline.
 *
 * Usage: call-client.ts <ws url> <alice token> <bob token> <deadline ms>
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

async function call(url: string, aliceToken: string, bobToken: string, deadlineMs: number): Promise<number> {
  const alice = new Room();
  const bob = new Room();
  let pump: NodeJS.Timeout | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const heard = new Promise<number>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no audible frames within ${deadlineMs} ms`)), deadlineMs);
      bob.on(RoomEvent.TrackSubscribed, (track) => {
        if (track.kind !== TrackKind.KIND_AUDIO) return;
        void (async () => {
          let audible = 0;
          for await (const frame of new AudioStream(track)) {
            if (frame.data.some((sample) => Math.abs(sample) > 1000)) audible++;
            if (audible >= 20) {
              resolve(audible);
              break;
            }
          }
        })();
      });
    });
    // Rejections are awaited below; keep an early one from crashing the process as "unhandled".
    heard.catch(() => undefined);
    await bob.connect(url, bobToken, { autoSubscribe: true, dynacast: false });
    await alice.connect(url, aliceToken, { autoSubscribe: true, dynacast: false });
    const source = new AudioSource(48000, 1);
    const options = new TrackPublishOptions();
    options.source = TrackSource.SOURCE_MICROPHONE;
    await alice.localParticipant!.publishTrack(LocalAudioTrack.createAudioTrack("mic", source), options);
    let phase = 0;
    pump = setInterval(() => {
      const samples = new Int16Array(480);
      for (let i = 0; i < samples.length; i++, phase++) {
        samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * phase) / 48000));
      }
      void source.captureFrame(new AudioFrame(samples, 48000, 1, samples.length)).catch(() => undefined);
    }, 10);
    return await heard;
  } finally {
    clearInterval(pump);
    clearTimeout(timer);
    await Promise.race([
      Promise.all([alice.disconnect(), bob.disconnect()]),
      new Promise((r) => setTimeout(r, 3000)),
    ]);
  }
}

async function main(): Promise<void> {
  const [url, aliceToken, bobToken, deadline] = process.argv.slice(2);
  if (url === undefined || aliceToken === undefined || bobToken === undefined) {
    console.log(
      JSON.stringify({ error: "usage: call-client.ts <url> <alice token> <bob token> [deadline ms]" }),
    );
    return;
  }
  try {
    console.log(
      JSON.stringify({ audible: await call(url, aliceToken, bobToken, Number(deadline ?? 20000)) }),
    );
  } catch (error) {
    console.log(JSON.stringify({ error: String((error as Error).message ?? error).replace(/\s+/g, " ") }));
  } finally {
    await dispose();
    process.exit(0);
  }
}

void main();
