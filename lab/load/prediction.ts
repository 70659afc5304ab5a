/**
 * The benchmark's measured capacities next to what summary.md predicts (config-templates/call-capacity.ts, from the
 * per-core figure committed in facts/capacity.ts): for each CPU limit the ramp ran at, the prediction for a host of
 * that size, the measurement, and whether they agree within 20 % (issue #31's acceptance); and the per-core figure
 * this run measured, to commit when LiveKit or the machine changes. Pure.
 */
import { participantsFor } from "../../config-templates/call-capacity";
import { MEASURED_CALL_CAPACITY, MEDIA_PORTS_PER_SPEAKER } from "../../facts/capacity";

export const AGREEMENT = 0.2;

export interface RampCapacity {
  readonly limit: number;
  readonly capacity: number;
}

/** Whether a prediction is within 20 % of the measurement (relative to the measurement). */
export function agrees(predicted: number, measured: number): boolean {
  return measured > 0 && Math.abs(predicted - measured) <= AGREEMENT * measured;
}

export function predictionLines(
  ramps: readonly RampCapacity[],
  speakers: number,
  mediaPorts: number,
): string[] {
  const committed = MEASURED_CALL_CAPACITY;
  const portBound = Math.floor(mediaPorts / MEDIA_PORTS_PER_SPEAKER);
  const lines = [
    `Prediction (summary.md: ${committed.participantsPerCore} participants per core with ${committed.speakers} speakers, measured ${committed.measured}) against this run:`,
  ];
  if (speakers !== committed.speakers)
    lines.push(
      `  (this run had ${speakers} speakers: the committed figure does not apply; compare per core only)`,
    );
  for (const { limit, capacity } of ramps) {
    const byCpu = participantsFor(committed.participantsPerCore, limit);
    const predicted = Math.min(byCpu, portBound);
    const verdict = agrees(predicted, capacity)
      ? "within 20 %"
      : `OFF by ${capacity > 0 ? ((100 * (predicted - capacity)) / capacity).toFixed(0) : "-"} %`;
    lines.push(
      `  ${limit} core${limit === 1 ? "" : "s"}: predicted ${predicted} (${byCpu} by CPU, ${portBound} by the ${mediaPorts}-port media range), measured ${capacity}: ${verdict}`,
    );
  }
  const perCore = ramps.map((r) => r.capacity / r.limit);
  if (perCore.length > 0) {
    const mean = perCore.reduce((a, b) => a + b, 0) / perCore.length;
    lines.push(
      `  measured per core: ${perCore.map((p) => p.toFixed(0)).join(", ")} (mean ${mean.toFixed(0)}); ` +
        `the smallest limit predicts the others: ${
          ramps
            .slice(1)
            .map((r) => `${participantsFor(perCore[0]!, r.limit)} for ${r.limit} (measured ${r.capacity})`)
            .join(", ") || "-"
        }`,
    );
  }
  return lines;
}
