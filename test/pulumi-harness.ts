import * as pulumi from "@pulumi/pulumi";
import { HomeserverStack } from "../components/homeserver-stack";
import { OrgConfig } from "../config/model";

/** One resource the program registered, as the mock engine saw it. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  /** Inputs as the engine receives them: secret values stay wrapped (see `unwrap`). */
  readonly inputs: Record<string, unknown>;
  readonly options: pulumi.CustomResourceOptions;
  /** Set for a read (`Resource.get`): the ID of the existing object read. Reads never create anything. */
  readonly readId: string | undefined;
}

const SECRET_KEY = pulumi.runtime.specialSigKey;
const SECRET_SIG = pulumi.runtime.specialSecretSig;

export function isSecretValue(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[SECRET_KEY] === SECRET_SIG
  );
}

/** Removes secret wrappers at any depth. */
export function unwrap(value: unknown): unknown {
  if (isSecretValue(value)) return unwrap((value as { value: unknown }).value);
  if (Array.isArray(value)) return value.map(unwrap);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v)]));
  }
  return value;
}

/** The deterministic value the mock gives a RandomPassword of this resource name and rotation keeper. */
export function mockSecretValue(resourceName: string, rotation: unknown): string {
  return `mock${resourceName.replace(/[^a-z0-9]/gi, "")}r${String(rotation ?? "")}`.padEnd(48, "0");
}

export interface ProgramRun {
  readonly stack: HomeserverStack;
  readonly resources: RecordedResource[];
}

/**
 * Runs `HomeserverStack` for one organisation under the SDK's mock engine. RandomPassword results come back
 * secret-wrapped, as the real provider marks them, so that secrecy can be followed to the containers. In preview
 * mode the mock returns no outputs, which leaves them unknown as in a real first preview.
 */
export interface RunOptions {
  readonly preview?: boolean;
  readonly adoptedSecretValues?: Record<string, string>;
  readonly backupCredentialValues?: Record<string, string>;
}

export function runStack(org: OrgConfig, options: RunOptions = {}): Promise<ProgramRun> {
  // A run is a deterministic function of the config and options (the mock's values are), and its record is only
  // read: tests of one file that run the same stack share one run instead of evaluating it again.
  const key = JSON.stringify([org, options]);
  let run = runs.get(key);
  if (run === undefined) {
    run = runStackOnce(org, options);
    runs.set(key, run);
  }
  return run;
}

const runs = new Map<string, Promise<ProgramRun>>();

async function runStackOnce(org: OrgConfig, options: RunOptions): Promise<ProgramRun> {
  // The Pulumi SDK records a stack trace for every resource it constructs (`Resource.callsites()`) and for every
  // promise it tracks (`debuggablePromise`, for leak reports), and formats each at once; with tsx's source maps
  // on, Node maps every frame too. That was most of a program run's time (CPU profile of components.test.ts). No
  // test reads those traces, so during a run they are not mapped and hold no frames; both come back right after.
  // An error thrown by the program under test keeps its message; MATRIX_FLEET_TEST_TRACES=1 keeps its frames.
  if (process.env.MATRIX_FLEET_TEST_TRACES === "1") return runStackUnmapped(org, options);
  const sourceMaps = process.sourceMapsEnabled;
  const limit = Error.stackTraceLimit;
  process.setSourceMapsEnabled(false);
  Error.stackTraceLimit = 0;
  try {
    return await runStackUnmapped(org, options);
  } finally {
    process.setSourceMapsEnabled(sourceMaps);
    Error.stackTraceLimit = limit;
  }
}

async function runStackUnmapped(org: OrgConfig, options: RunOptions): Promise<ProgramRun> {
  const preview = options.preview ?? false;
  const resources: RecordedResource[] = [];
  const registered = new Map<string, Record<string, unknown>>();
  const reads = new Map<string, string>();
  let certificates = 0;
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        registered.set(`${args.type}::${args.name}`, args.inputs);
        // The mock monitor passes the ID of a read here (and an import ID, which this program never uses).
        if (args.id !== undefined && args.id !== "") {
          reads.set(`${args.type}::${args.name}`, args.id);
          return { id: args.id, state: { name: args.id } };
        }
        if (preview) return { id: undefined, state: {} };
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "random:index/randomPassword:RandomPassword") {
          const keepers = unwrap(args.inputs.keepers) as Record<string, unknown> | undefined;
          state.result = { [SECRET_KEY]: SECRET_SIG, value: mockSecretValue(args.name, keepers?.rotation) };
        }
        // NPM's certificate ids start at 1 (an autoincrement); the hosts carry them.
        if (args.type === "pulumi-nodejs:dynamic/matrix-fleet:NpmCertificate") state.npmId = ++certificates;
        if (args.type === "docker:index/remoteImage:RemoteImage") {
          state.imageId = `${String(args.inputs.name)}@sha256:mock`;
        }
        return { id: `${args.name}-id`, state };
      },
      call: () => ({}),
    },
    "matrix-fleet",
    org.stack,
    preview,
  );
  const stack = new HomeserverStack(
    org.stack,
    {
      org,
      adoptedSecretValues: pulumi.secret(options.adoptedSecretValues ?? {}),
      backupCredentialValues: pulumi.secret(options.backupCredentialValues ?? {}),
    },
    {
      transformations: [
        (args) => {
          resources.push({
            type: args.type,
            name: args.name,
            inputs: {},
            options: args.opts,
            readId: undefined,
          });
          return undefined;
        },
      ],
    },
  );
  // Every registration has reached the mock once every resource's URN is known.
  await Promise.all(
    [
      ...stack.containers,
      ...stack.stores.flatMap((s) => (s.volume ? [s.volume] : [])),
      ...stack.proxyHosts.hosts,
    ].map((r) => new Promise<void>((resolve) => r.urn.apply(() => resolve()))),
  );
  // Drain every outstanding RPC (component outputs included) before the next run replaces the mock engine.
  await pulumi.runtime.disconnect();
  return {
    stack,
    resources: resources.map((r) => ({
      ...r,
      inputs: registered.get(`${r.type}::${r.name}`) ?? {},
      readId: reads.get(`${r.type}::${r.name}`),
    })),
  };
}

export function containersOf(run: ProgramRun): Map<string, Record<string, unknown>> {
  return new Map(
    run.resources
      .filter((r) => r.type === "docker:index/container:Container")
      .map((r) => [String(unwrap(r.inputs.name)), r.inputs]),
  );
}

/** An upload's content, by the path it lands at inside the container. */
export function uploadAt(container: Record<string, unknown>, path: string): string {
  const uploads = unwrap(container.uploads) as Array<{ file: string; content: string }>;
  const found = uploads.find((u) => u.file === path);
  if (found === undefined) throw new Error(`no upload at ${path}`);
  return found.content;
}

export function envOf(container: Record<string, unknown>): Record<string, string> {
  const list = unwrap(container.envs) as string[];
  return Object.fromEntries(
    list.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
  );
}

/**
 * Every resource the program declares for an organisation under the mock engine, as sorted `type::name`
 * strings: the inventory that the real engine's `pulumi preview` must plan too (test/engine/preview.test.ts).
 */
export async function mockInventory(org: OrgConfig): Promise<string[]> {
  const run = await runStack(org, { preview: true });
  return run.resources.map((r) => `${r.type}::${r.name}`).sort();
}
