/**
 * The lab browser's fake microphone: a WAV file Chromium plays as the microphone
 * (`--use-file-for-fake-audio-capture`, looped). Not a steady tone: getUserMedia's noise suppression (on by default,
 * and in Element Call) learns a stationary sound as noise and takes it away, so the file holds short tone bursts of
 * changing pitch with gaps between them, as syllables come. Loud enough that a listener tells it from silence and
 * comfort noise (lab/call-client.ts counts frames with samples above 1000).
 */

/** Pitches of the bursts, Hz: a spoken-voice range, none a multiple of another's frame rate. */
const PITCHES = [330, 440, 550, 660, 495, 385, 605, 415];

/** A mono 16-bit PCM RIFF/WAVE file: PITCHES.length bursts of `burstMs`, each followed by `gapMs` of silence. */
export function voiceLikeWav(sampleRate = 48_000, amplitude = 12_000, burstMs = 180, gapMs = 70): Buffer {
  const burst = Math.round((burstMs / 1000) * sampleRate);
  const gap = Math.round((gapMs / 1000) * sampleRate);
  const ramp = Math.round(0.01 * sampleRate);
  const samples = PITCHES.length * (burst + gap);
  const data = Buffer.alloc(samples * 2);
  PITCHES.forEach((pitch, b) => {
    for (let i = 0; i < burst; i++) {
      const envelope = Math.min(1, i / ramp, (burst - 1 - i) / ramp);
      const value = amplitude * envelope * Math.sin((2 * Math.PI * pitch * i) / sampleRate);
      data.writeInt16LE(Math.round(value), (b * (burst + gap) + i) * 2);
    }
  });
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVE", 8, "ascii");
  header.write("fmt ", 12, "ascii");
  header.writeUInt32LE(16, 16); // PCM format chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write("data", 36, "ascii");
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}
