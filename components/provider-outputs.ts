/**
 * What a dynamic provider built from a provider text (provider-text.ts) returns as outputs: its inputs, without the
 * `__provider` text the engine passes along with them (the engine stores that itself).
 */
export function withoutProviderText<T extends object>(inputs: T): T {
  const outs: T & { __provider?: unknown } = { ...inputs };
  delete outs.__provider;
  return outs;
}
