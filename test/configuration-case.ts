/** The shape of the configuration catalogue's cases (test/bad-configuration-cases.ts, test/backup-configuration-cases.ts). */
export interface BadCase {
  readonly name: string;
  readonly stack: "produktor" | "pro-dukt" | "medex" | "moda1";
  /** Changes deep-merged over the real stack file (a `null` removes a key)... */
  readonly changes?: Record<string, unknown>;
  /** ...or the whole stack file as text. */
  readonly text?: string;
  readonly key: string;
  readonly message: RegExp;
  readonly fix: RegExp;
  readonly fixed: Record<string, unknown>;
  /** false: the case has no form the Pulumi engine could hand the program (checked by render only). */
  readonly engine?: false;
}

export interface UnusualCase {
  readonly name: string;
  readonly stack: "produktor" | "pro-dukt" | "medex" | "moda1";
  readonly changes: Record<string, unknown>;
  readonly text?: undefined;
  /** What the rendered files must show, beyond rendering at all. */
  readonly check?: (outDir: string, stack: string) => void;
}
