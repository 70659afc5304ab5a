/**
 * What the lab's scenarios need from a running lab, whichever runs it: the process lab (lab/run.sh: real servers
 * started from the rendered files) or the Docker lab (lab/deploy/run.sh: the organisations deployed with the real
 * `pulumi up`). One copy of each scenario (lab/scenarios/) runs against either.
 */
export interface LabOrganisation {
  readonly stack: string;
  readonly serverName: string;
  /** Every public name of the organisation; [1] is the homeserver host. */
  readonly hostnames: readonly string[];
  /** Where clients and peers reach the organisation (network.publicIp in the Docker lab). */
  readonly publicAddress: string;
  /** Where the services listen on their host, for direct admin calls (registration, LiveKit's API). */
  readonly hostAddress: string;
  /** The lab CA the organisation's certificates are signed with (PEM file). */
  readonly caFile: string;
}

export interface LabTarget {
  /** Which lab this is, for messages and for what each lab can run. */
  readonly kind: "process" | "docker";
  /** The namespace the WebRTC clients run in: behind a firewall that admits only what they asked for. */
  readonly clientNamespace: string;
  organisation(stack: string): LabOrganisation;
  /** A file as the organisation runs it (render's relative path, e.g. synapse/homeserver.yaml). */
  rendered(stack: string, file: string): string;
  /** What `verify` must report as FAIL in this lab, because the lab does not run it. */
  readonly verifyFailsHere: Readonly<Record<string, readonly string[]>>;
}

/** A target whose lab is made later (in a `before` hook): every call goes to the lab `get` returns then. */
export function lazyTarget(get: () => LabTarget): LabTarget {
  return {
    get kind() {
      return get().kind;
    },
    get clientNamespace() {
      return get().clientNamespace;
    },
    get verifyFailsHere() {
      return get().verifyFailsHere;
    },
    organisation: (stack) => get().organisation(stack),
    rendered: (stack, file) => get().rendered(stack, file),
  };
}
