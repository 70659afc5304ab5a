/**
 * Prepares a lab run (outside the namespace, before the servers start): fresh random secrets, the production
 * files `render` writes for each lab organisation, the lab overlay of those files, a private CA with one
 * certificate per organisation, the nginx front built from the rendered proxy hosts, and the namespace's hosts
 * file that makes chat.produktor.io & co. resolve to lab addresses.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { renderStack } from "../cli/render";
import { parseStackConfig } from "../config/stack-config";
import { SECRET_NAMES, SecretValues } from "../facts/secrets";
import { readStackFile } from "../config/stack-files";
import { applyFault } from "./faults";
import { nginxConf, serverBlock } from "./npm-nginx";
import {
  LAB_ADDRESSES,
  LabStackPaths,
  labPaths,
  overlayCoturn,
  overlayLivekit,
  overlayProxyHosts,
  overlaySynapse,
} from "./overlay";
import { run } from "./processes";

export const LAB_DIR = path.resolve(__dirname, "..", ".lab");
export const LAB_STACKS = ["produktor", "pro-dukt", "moda1"] as const;
export const NAMESPACE = "mflab";
/** Where the WebRTC clients run: behind a stateful firewall, reaching the lab only through lab/run.sh's veth. */
export const CLIENT_NAMESPACE = "mflab-client";

export interface LabStack extends LabStackPaths {
  readonly serverName: string;
  readonly hostnames: string[];
  readonly rendered: string;
  readonly components: { coturn: boolean; matrixRtc: boolean };
}

export interface LabManifest {
  readonly dir: string;
  readonly stacks: LabStack[];
}

function secrets(): SecretValues {
  return Object.fromEntries(
    SECRET_NAMES.map((name) => [name, randomBytes(24).toString("hex")]),
  ) as SecretValues;
}

function certificate(caDir: string, name: string, hostnames: readonly string[]): void {
  const key = path.join(caDir, `${name}.key`);
  const csr = path.join(caDir, `${name}.csr`);
  const ext = path.join(caDir, `${name}.ext`);
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
    path.join(caDir, "ca.pem"),
    "-CAkey",
    path.join(caDir, "ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-out",
    path.join(caDir, `${name}.pem`),
    "-extfile",
    ext,
  ]);
}

export function prepareLab(): LabManifest {
  fs.rmSync(LAB_DIR, { recursive: true, force: true });
  const caDir = path.join(LAB_DIR, "ca");
  fs.mkdirSync(caDir, { recursive: true });
  run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    path.join(caDir, "ca.key"),
    "-out",
    path.join(caDir, "ca.pem"),
    "-days",
    "2",
    "-subj",
    "/CN=matrix-fleet lab CA",
  ]);

  const values = secrets();
  const renderedDir = path.join(LAB_DIR, "rendered");
  const stacks: LabStack[] = [];
  const servers: string[] = [];
  const hostsLines = ["127.0.0.1 localhost"];
  for (const stack of LAB_STACKS) {
    const org = parseStackConfig(stack, readStackFile(stack)).config!;
    renderStack(stack, renderedDir, values);
    applyFault(process.env.LAB_FAULT, stack, path.join(renderedDir, stack));
    const productionAddresses = [org.network.publicIp, ...(org.network.lanIp ? [org.network.lanIp] : [])];
    const paths = labPaths(LAB_DIR, stack, productionAddresses);
    run("ip", ["-n", NAMESPACE, "addr", "add", `${paths.address}/32`, "dev", "lab0"]);
    const hostnames = [...new Set([org.serverName, ...Object.values(org.hosts)])];
    certificate(caDir, stack, hostnames);
    const rendered = path.join(renderedDir, stack);
    const read = (file: string) => fs.readFileSync(path.join(rendered, file), "utf8");
    const homeserver = overlaySynapse(read("synapse/homeserver.yaml"), paths);
    // The container's bootstrap creates the signing key's directory; Synapse then generates the key there.
    fs.mkdirSync(path.dirname(String((yaml.load(homeserver) as Record<string, unknown>).signing_key_path)), {
      recursive: true,
    });
    fs.writeFileSync(path.join(paths.dir, "homeserver.yaml"), homeserver);
    fs.copyFileSync(path.join(rendered, "synapse/log.config"), path.join(paths.dir, "log.config"));
    if (org.components.coturn)
      fs.writeFileSync(
        path.join(paths.dir, "turnserver.conf"),
        overlayCoturn(read("coturn/turnserver.conf"), paths),
      );
    if (org.components.matrixRtc)
      fs.writeFileSync(
        path.join(paths.dir, "livekit.yaml"),
        overlayLivekit(read("livekit/livekit.yaml"), paths),
      );
    for (const host of overlayProxyHosts(read("proxy-hosts.json"), paths)) {
      servers.push(
        serverBlock(host, { listen: paths.address, certFile: paths.certFile, keyFile: paths.keyFile }),
      );
    }
    hostsLines.push(`${paths.address} ${hostnames.join(" ")}`);
    stacks.push({
      ...paths,
      serverName: org.serverName,
      hostnames,
      rendered,
      components: { coturn: org.components.coturn, matrixRtc: org.components.matrixRtc },
    });
  }
  // medex is not one of the running organisations: lab/adopt.test.ts brings it up from a compose-era layout.
  run("ip", ["-n", NAMESPACE, "addr", "add", `${LAB_ADDRESSES.medex}/32`, "dev", "lab0"]);
  const nginxDir = path.join(LAB_DIR, "nginx");
  fs.mkdirSync(nginxDir, { recursive: true });
  fs.writeFileSync(path.join(nginxDir, "nginx.conf"), nginxConf(nginxDir, servers));
  const netnsDir = path.join("/etc/netns", NAMESPACE);
  fs.mkdirSync(netnsDir, { recursive: true });
  fs.writeFileSync(path.join(netnsDir, "hosts"), `${hostsLines.join("\n")}\n`);
  const manifest: LabManifest = { dir: LAB_DIR, stacks };
  fs.writeFileSync(path.join(LAB_DIR, "lab.json"), JSON.stringify(manifest, null, 2));
  return manifest;
}

export function readManifest(): LabManifest {
  return JSON.parse(fs.readFileSync(path.join(LAB_DIR, "lab.json"), "utf8")) as LabManifest;
}

if (require.main === module) {
  const started = Date.now();
  const manifest = prepareLab();
  console.log(
    `lab: prepared ${manifest.stacks.map((s) => `${s.stack} (${s.address})`).join(", ")} in ${Date.now() - started} ms`,
  );
}
