/**
 * A check's failure: what was measured and the likely cause with its fix. On its own so that the network helpers
 * (network.ts, matrix-rtc-join.ts) can fail a check without importing the context that imports them.
 */
export class CheckFailure extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

export function fail(message: string, fix: string): never {
  throw new CheckFailure(message, fix);
}
