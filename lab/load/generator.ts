/**
 * Runs the audio load generator (lab/load/audio-load, built by lab/load/build.sh; lab/deploy/run.sh exports its
 * path as LAB_AUDIO_LOAD) in one of the lab's client namespaces, as one process per call (namespace-process.ts:
 * stopped by its PID when it outlives its own deadline or this process exits): its config on stdin, its events and
 * result as JSON lines on stdout. The generator also exits by itself at its deadline and when its parent is gone.
 */
import * as fs from "node:fs";
import { GeneratorResult } from "./call-stats";
import { lastJson, runInNamespace } from "./namespace-process";

export interface Member {
  readonly userId: string;
  readonly accessToken: string;
  readonly deviceId: string;
}

/** lab/load/audio-load/config.go, field for field. */
export interface GeneratorConfig {
  readonly homeserver: string;
  readonly lkJwt: string;
  readonly matrixRoom: string;
  readonly members: readonly Member[];
  readonly speakers: number;
  readonly joinsPerSecond: number;
  readonly settleSeconds: number;
  readonly measureSeconds: number;
  readonly joinTimeoutSeconds: number;
  readonly deadlineSeconds: number;
  readonly bitsPerSecond: number;
}

export interface GeneratorEvent {
  readonly event: string;
  readonly atMs?: number;
}

/** Seconds a run needs at most: paced joins, the last join's timeout, settling, measuring, leaving. */
export function deadlineFor(config: Omit<GeneratorConfig, "deadlineSeconds">): number {
  return Math.ceil(
    config.members.length / config.joinsPerSecond +
      config.joinTimeoutSeconds +
      config.settleSeconds +
      config.measureSeconds +
      20,
  );
}

/**
 * The event a generator's stdout line reports, if it is one. Go's encoder writes a map's keys in sorted order
 * (`{"atMs":...,"event":"measuring"}`), so the line is parsed, not matched by its beginning.
 */
export function generatorEvent(line: string): GeneratorEvent | undefined {
  if (!line.startsWith("{") || !line.includes('"event"')) return undefined;
  try {
    const parsed = JSON.parse(line) as Partial<GeneratorEvent>;
    return typeof parsed.event === "string" ? (parsed as GeneratorEvent) : undefined;
  } catch {
    return undefined;
  }
}

export function generatorBinary(): string {
  const binary = process.env.LAB_AUDIO_LOAD;
  if (binary === undefined || !fs.existsSync(binary))
    throw new Error("LAB_AUDIO_LOAD is not set: run through lab/deploy/run.sh (it builds lab/load/build.sh)");
  return binary;
}

export async function runGenerator(
  namespace: string,
  caFile: string,
  config: GeneratorConfig,
  onEvent: (event: GeneratorEvent) => void = () => undefined,
): Promise<GeneratorResult> {
  const { code, lines, stderr } = await runInNamespace({
    namespace,
    name: "audio-load",
    command: [generatorBinary()],
    // Go reads the trusted CAs from SSL_CERT_FILE: the lab CA signs the organisations' certificates.
    env: { SSL_CERT_FILE: caFile },
    input: JSON.stringify(config),
    limitMs: (config.deadlineSeconds + 15) * 1000,
    onLine: (line) => {
      const event = generatorEvent(line);
      if (event !== undefined) onEvent(event);
    },
  });
  const last = lastJson(lines, ["result", "error"]) as
    { result?: GeneratorResult; error?: string } | undefined;
  if (last?.result !== undefined) return last.result;
  throw new Error(
    `the load generator ended (exit ${code}) without a result: ${last?.error ?? "no output"}${stderr === "" ? "" : `\n${stderr}`}`,
  );
}
