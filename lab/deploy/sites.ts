/**
 * The Docker lab's sites (lab/deploy/network.sh): each organisation behind its own router, with its own Docker
 * engine (lab/deploy/engines.sh). The addresses here are the ones network.sh creates; the stack settings are what
 * the lab sets through `pulumi config set` in a throwaway workspace, never in the tracked stack files.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../../config/stack-files";
import { run } from "../processes";

/** Site numbers: the N of 198.18.N.1 (WAN) and 198.19.N.0/24 (LAN), as in lab/overlay.ts and network.sh. */
export const SITE_NUMBERS: Readonly<Record<string, number>> = {
  produktor: 1,
  "pro-dukt": 2,
  medex: 3,
  moda1: 4,
  // `./fleet demo`'s organisation (lab/demo/Pulumi.demo.yaml).
  demo: 9,
};

/** Where a lab stack's file lives: the fleet's beside Pulumi.yaml, the demo's in lab/demo. */
export function stackDirOf(stack: string): string {
  return stack === "demo" ? path.join(__dirname, "..", "demo") : PROJECT_DIR;
}

/**
 * What `verify` must report as FAIL against the Docker lab (LabTarget.verifyFailsHere): medex is not deployed by
 * `pulumi up` until its cut-over, Jitsi web is a stand-in (lab/images/standin: it answers on its port, so the proxy
 * route reaches it, but serves no Jitsi page; lk-jwt-service is its contract double, lab/doubles/), and the lab's routers forward every
 * port but 80/443 to the Docker host, so LiveKit's metrics port answers from outside (asking for its password):
 * exactly what verify's exposure check is for. pro-dukt runs LiveKit and the monitoring too (and its second WAN
 * address for TURN on 443 forwards every port as well); its federation peer medex is not deployed either.
 */
export const VERIFY_FAILS_HERE: Readonly<Record<string, readonly string[]>> = {
  produktor: [
    "FAIL federation peer medex-pflegedienst.de",
    "FAIL Jitsi web",
    "FAIL metrics ports closed from outside",
  ],
  "pro-dukt": ["FAIL federation peer medex-pflegedienst.de", "FAIL metrics ports closed from outside"],
};

export const HUB_NAMESPACE = "mfd-hub";

/** The organisation of the restore drill: it loses its Docker host (lab/scenarios/backups.ts). */
export const BACKUP_DRILL_STACK = "pro-dukt";

/**
 * Where the drill's organisation keeps its backup repository: a directory of the lab fleet's own, outside its
 * engine's data root (which the drill deletes), as an off-host target would be; the others keep the default volume.
 */
export function backupRepositoryDir(fleetDir: string, stack: string): string {
  return path.join(fleetDir, "backup-repositories", stack);
}
export const CLIENT_NAMESPACE = "mfd-client";
/** A PC on produktor's LAN (198.19.1.50, network.sh): its hosts file is its LAN's DNS, which scenarios write. */
export const LAN_PC_NAMESPACE = "mfd-lan";
export const LAN_PC_SITE = "produktor";
/** A network that lets out nothing but TCP 443 and DNS (hospital guest Wi-Fi). */
export const ONLY_443_NAMESPACE = "mfd-443";

/**
 * The lab stacks given TURN on 443 (turn.port443Ip, with TLS): their TURN name resolves to the site's second WAN
 * address, whose TCP 443 network.sh forwards to coturn's TLS port. pro-dukt, so that produktor's TURN checks and
 * calls keep their TURN name on the main address.
 */
export const TURN_443_STACKS: readonly string[] = ["pro-dukt"];
/** Where network.sh and engines.sh keep pid files, sockets and logs. */
export const RUN_DIR = "/run/matrix-fleet-lab";

export interface Site {
  readonly stack: string;
  readonly namespace: string;
  /** The router's WAN address: `network.publicIp`; clients and peers reach the site here. */
  readonly wan: string;
  /** The router's second WAN address (`turn.port443Ip` where a stack uses it): TCP 443 to coturn. */
  readonly turnWan: string;
  /** The Docker host on the site's LAN: `network.lanIp` (and `proxy.forwardHost`). */
  readonly dockerLan: string;
  /** The proxy host (the NPM-shaped nginx front): `proxy.lanIp`; the router forwards 80/443 to it. */
  readonly proxyLan: string;
  /** The site's Docker engine: `docker.host`. */
  readonly dockerHost: string;
}

export function site(stack: string): Site {
  const n = SITE_NUMBERS[stack];
  if (n === undefined) throw new Error(`${stack} has no lab site`);
  return {
    stack,
    namespace: `mfd-${stack}`,
    wan: `198.18.${n}.1`,
    turnWan: `198.18.${n}.2`,
    dockerLan: `198.19.${n}.2`,
    proxyLan: `198.19.${n}.3`,
    dockerHost: `unix://${RUN_DIR}/docker-${stack}.sock`,
  };
}

/** Runs the docker CLI against a site's engine; `optional` gives undefined instead of throwing on a failure. */
export function docker(target: Site, args: readonly string[], input?: string): string;
export function docker(
  target: Site,
  args: readonly string[],
  input: string | undefined,
  optional: true,
): string | undefined;
export function docker(
  target: Site,
  args: readonly string[],
  input?: string,
  optional = false,
): string | undefined {
  try {
    return run("docker", ["-H", target.dockerHost, ...args], { input });
  } catch (error) {
    if (optional) return undefined;
    throw error;
  }
}

/**
 * The mount namespace the lab's engines run in (lab/deploy/common.sh exports it): the scenarios run under
 * `ip netns exec`, in a copy of it, so a mount or a new engine they make goes there through nsenter.
 */
export function labMountNamespace(): string {
  const ns = process.env.LAB_MOUNT_NS;
  if (ns === undefined || ns === "")
    throw new Error("LAB_MOUNT_NS is not set: run the lab through lab/deploy/run.sh");
  return ns;
}

/** Every image lab/images/build.sh printed (LAB_IMAGES, JSON): the release set's by key, the extra ones as kind:key. */
function builtImages(): Record<string, string> {
  const raw = process.env.LAB_IMAGES;
  if (raw === undefined || raw === "")
    throw new Error("LAB_IMAGES is not set: run the lab through lab/deploy/run.sh");
  return JSON.parse(raw) as Record<string, string>;
}

/** The lab images for each `images.*` key, as lab/images/build.sh printed them (LAB_IMAGES, JSON). */
export function labImages(): Record<string, string> {
  return Object.fromEntries(Object.entries(builtImages()).filter(([key]) => !key.includes(":")));
}

/**
 * Lab images beside the release set's, by `images.*` key: `previous` (facts/images.ts PREVIOUS_RELEASE) and
 * `major` (the next PostgreSQL major), `broken` (a Synapse that never becomes healthy).
 */
export function labExtraImages(kind: "previous" | "major" | "broken"): Record<string, string> {
  return Object.fromEntries(
    Object.entries(builtImages())
      .filter(([key]) => key.startsWith(`${kind}:`))
      .map(([key, image]) => [key.slice(kind.length + 1), image]),
  );
}

/** The lab CA (lab/images/ca.sh): the lab images trust it; the fronts' certificates are signed with it. */
export function labCaDir(): string {
  const dir = process.env.LAB_CA_DIR;
  if (dir === undefined || !fs.existsSync(path.join(dir, "ca.pem")))
    throw new Error("LAB_CA_DIR is not set: run the lab through lab/deploy/run.sh");
  return dir;
}

/** A certificate for the given names, signed by the lab CA, into `dir`/<name>.{pem,key}. */
export function labCertificate(
  dir: string,
  name: string,
  hostnames: readonly string[],
): { cert: string; key: string } {
  const ca = labCaDir();
  fs.mkdirSync(dir, { recursive: true });
  const key = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const ext = path.join(dir, `${name}.ext`);
  const cert = path.join(dir, `${name}.pem`);
  fs.writeFileSync(
    ext,
    `subjectAltName=${hostnames.map((h) => `DNS:${h}`).join(",")}\nextendedKeyUsage=serverAuth\n`,
  );
  run("openssl", [
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    key,
    "-out",
    csr,
    "-subj",
    `/CN=${hostnames[0]}`,
  ]);
  run("openssl", [
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    path.join(ca, "ca.pem"),
    "-CAkey",
    path.join(ca, "ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-out",
    cert,
    "-extfile",
    ext,
  ]);
  // coturn runs as nobody in its image: the key it is given must be readable by that user.
  fs.chmodSync(key, 0o644);
  return { cert, key };
}
