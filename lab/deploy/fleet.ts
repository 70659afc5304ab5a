/**
 * The lab fleet: organisations deployed with the real `pulumi up` onto their sites' Docker engines, from a
 * throwaway workspace whose stack files are copies of the tracked ones plus the lab's settings (addresses, Docker
 * host, lab images, an NPM contract double per site, the lab CA's TLS files). After each `up`, each site's
 * NPM-shaped nginx front is rebuilt from the proxy hosts the program stored in the double, as NPM would.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { analyseStack } from "../../checks/analyse";
import { parseStackConfig, projectConfig } from "../../config/stack-config";
import { PROJECT_DIR, readStackFile } from "../../config/stack-files";
import { renderPlanByPath } from "../../config-templates/files";
import { NpmProxyHost } from "../../config-templates/npm-proxy-hosts";
import { NpmDouble, startNpmDouble } from "../../test/npm-contract-double";
import { CommandResult, EngineWorkspace } from "../../tools/engine/workspace";
import { nginxConf, serverBlock } from "../npm-nginx";
import { ProcessGroup, run, waitFor } from "../processes";
import { LabTarget } from "../target";
import { deployedSecrets, engineConfig } from "./deployed-secrets";
import { labSettings } from "./lab-settings";
import {
  BACKUP_DRILL_STACK,
  CLIENT_NAMESPACE,
  VERIFY_FAILS_HERE,
  backupRepositoryDir,
  Site,
  docker,
  labCaDir,
  labCertificate,
  site,
  stackDirOf,
} from "./sites";

/** The password of every site's NPM contract double (its login is the stack's proxy.letsencryptEmail). */
export const NPM_SECRET = "lab-npm-password";

export interface DeployedSite extends Site {
  readonly serverName: string;
  readonly hostnames: readonly string[];
  readonly npm: NpmDouble;
  /** The NPM double's login: the stack file's proxy.letsencryptEmail, as NPM v2.15 orders certificates with it. */
  readonly npmIdentity: string;
  readonly tls: { cert: string; key: string };
}

export class LabFleet {
  readonly sites = new Map<string, DeployedSite>();
  /** rendered() per stack and file; emptied by every configuration change and up. */
  private readonly renderedCache = new Map<string, string>();
  private readonly fronts: ProcessGroup;

  private constructor(
    readonly dir: string,
    readonly workspace: EngineWorkspace,
  ) {
    this.fronts = new ProcessGroup(path.join(dir, "fronts"), path.join(dir, "pids"));
  }

  /** A workspace with the given stacks configured for their lab sites (nothing deployed yet). */
  static async create(
    dir: string,
    stacks: readonly string[],
    options: { programDir?: string } = {},
  ): Promise<LabFleet> {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const stackFiles = Object.fromEntries(
      stacks.map((s) => [s, path.join(stackDirOf(s), `Pulumi.${s}.yaml`)]),
    );
    const workspace = await EngineWorkspace.create({
      stacks,
      stackFiles,
      programDir: options.programDir,
      echo: process.env.LAB_ECHO === "1",
      // In the clone, as in an operator's checkout: the runbook's `npm run adopt` finds package.json from there.
      parent: dir,
    });
    const fleet = new LabFleet(dir, workspace);
    for (const stack of stacks) await fleet.configure(stack);
    return fleet;
  }

  site(stack: string): DeployedSite {
    const found = this.sites.get(stack);
    if (found === undefined) throw new Error(`${stack} is not in the lab fleet`);
    return found;
  }

  /** The lab's settings for one stack, through `pulumi config set` on the workspace's copy of its file. */
  private async configure(stack: string): Promise<void> {
    const target = site(stack);
    const org = parseStackConfig(stack, readStackFile(stack, stackDirOf(stack))).config!;
    const hostnames = [...new Set([org.serverName, ...Object.values(org.hosts)])];
    const tls = labCertificate(path.join(this.dir, "tls"), stack, hostnames);
    // NPM v2.15 orders certificates with its user's e-mail, and the NpmCertificate refuses another (issue #18): the
    // double's user is the stack's own letsencryptEmail (a real domain; an .invalid one is refused as a placeholder).
    const npmIdentity = org.proxy.letsencryptEmail;
    const npm = await startNpmDouble(npmIdentity, NPM_SECRET);
    this.sites.set(stack, { ...target, serverName: org.serverName, hostnames, npm, npmIdentity, tls });
    const settings = labSettings(org, target, npm.url, tls);
    if (stack === BACKUP_DRILL_STACK)
      settings.push(["backup.repository", backupRepositoryDir(this.dir, stack)]);
    for (const [key, value] of settings) await this.workspace.configSet(stack, key, value, { path: true });
    await this.workspace.configSet(stack, "npmIdentity", npmIdentity, { secret: true, path: false });
    await this.workspace.configSet(stack, "npmSecret", NPM_SECRET, { secret: true, path: false });
  }

  /** `pulumi config set --path` on a stack (for scenarios that change the configuration). */
  set(stack: string, key: string, value: string): Promise<void> {
    this.renderedCache.clear();
    return this.workspace.configSet(stack, key, value, { path: true });
  }

  /** The real `pulumi up` (`refresh`: with --refresh); on success the site's front is rebuilt from NPM's hosts. */
  async up(stack: string, options: { refresh?: boolean } = {}): Promise<CommandResult> {
    this.renderedCache.clear();
    const result = await this.workspace.pulumi([
      "up",
      "--stack",
      stack,
      "--yes",
      "--non-interactive",
      "--skip-preview",
      ...(options.refresh ? ["--refresh"] : []),
    ]);
    if (result.code === 0) await this.rebuildFront(stack);
    return result;
  }

  preview(stack: string, options: { json?: boolean; diff?: boolean } = {}): Promise<CommandResult> {
    return this.workspace.preview(stack, options);
  }

  /** A failed command as a message: its diagnostics, not the whole progress output. */
  static failure(result: CommandResult): string {
    const text = `${result.stdout}\n${result.stderr}`;
    const start = text.indexOf("Diagnostics:");
    return (start < 0 ? text.slice(-4000) : text.slice(start, start + 6000)).trimEnd();
  }

  /**
   * The slowest steps of an `up`, from the engine's progress lines ("<type> <name> created (23s)"): where a lab's
   * minutes go, printed beside the scenarios that take them.
   */
  static slowest(result: CommandResult, count = 6): string {
    const done = /(\S+)\s+(\S+)\s+(created|updated|replaced|deleted|read)\s+\((?:(\d+)m)?(\d+(?:\.\d+)?)s\)/g;
    return [...result.stdout.matchAll(done)]
      .map((m) => ({
        step: `${m[3]} ${m[1]!.split(":").pop()} ${m[2]}`,
        seconds: Number(m[4] ?? 0) * 60 + Number(m[5]),
      }))
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, count)
      .map((s) => `${s.step} ${Math.round(s.seconds)} s`)
      .join(", ");
  }

  /** The proxy hosts NPM holds for a site, as the program sent them. */
  proxyHosts(stack: string): NpmProxyHost[] {
    return [...this.site(stack).npm.hosts.values()] as unknown as NpmProxyHost[];
  }

  /** Runs `check` while the site's proxy front lacks one location (a route an operator forgot in NPM). */
  async withoutLocation<T>(stack: string, location: string, check: () => Promise<T>): Promise<T> {
    await this.rebuildFront(stack, (host) => ({
      ...host,
      locations: host.locations.filter((l) => l.path !== location),
    }));
    try {
      return await check();
    } finally {
      await this.rebuildFront(stack);
    }
  }

  /** nginx on the site's proxy host, configured from the site's proxy hosts as NPM configures it. */
  async rebuildFront(stack: string, edit: (host: NpmProxyHost) => NpmProxyHost = (h) => h): Promise<void> {
    const target = this.site(stack);
    const dir = path.join(this.dir, "fronts", stack);
    fs.mkdirSync(dir, { recursive: true });
    const servers = this.proxyHosts(stack)
      .map(edit)
      .map((host) =>
        serverBlock(host, { listen: target.proxyLan, certFile: target.tls.cert, keyFile: target.tls.key }),
      );
    fs.writeFileSync(path.join(dir, "nginx.conf"), nginxConf(dir, servers));
    const pidFile = path.join(dir, "nginx.pid");
    if (fs.existsSync(pidFile)) {
      run("ip", [
        "netns",
        "exec",
        target.namespace,
        "nginx",
        "-c",
        path.join(dir, "nginx.conf"),
        "-s",
        "reload",
      ]);
      return;
    }
    const child = this.fronts.start(`front-${stack}`, "ip", [
      "netns",
      "exec",
      target.namespace,
      "nginx",
      "-c",
      path.join(dir, "nginx.conf"),
      "-g",
      "daemon off;",
    ]);
    await waitFor(
      `${stack} front`,
      () => fs.existsSync(pidFile),
      10_000,
      () => this.fronts.logOf(`front-${stack}`),
      child,
    );
  }

  /** The homeserver.yaml Synapse runs with, read from its container (secrets included: for the lab only). */
  homeserver(stack: string): Record<string, unknown> {
    return yaml.load(
      docker(this.site(stack), ["exec", `matrix-${stack}-synapse`, "cat", "/config/homeserver.yaml"]),
    ) as Record<string, unknown>;
  }

  /** The scenarios' view of the deployed fleet (lab/target.ts). */
  target(): LabTarget {
    return {
      kind: "docker",
      clientNamespace: CLIENT_NAMESPACE,
      organisation: (stack) => {
        const deployed = this.site(stack);
        return {
          stack,
          serverName: deployed.serverName,
          hostnames: deployed.hostnames,
          publicAddress: deployed.wan,
          hostAddress: deployed.dockerLan,
          caFile: path.join(labCaDir(), "ca.pem"),
        };
      },
      rendered: (stack, file) => this.rendered(stack, file),
      verifyFailsHere: VERIFY_FAILS_HERE,
    };
  }

  /**
   * A file as the program rendered it for the deployment: the workspace's config of the stack (lab settings
   * included) analysed as the program analyses it, with the secret values the services run with.
   */
  rendered(stack: string, file: string): string {
    const cached = this.renderedCache.get(`${stack}/${file}`);
    if (cached !== undefined) return cached;
    const config = this.workspace.pulumiSync(["config", "--json", "--show-secrets", "--stack", stack]);
    if (config.code !== 0) throw new Error(`pulumi config --json failed: ${config.stderr}`);
    const values = projectConfig(engineConfig(config.stdout));
    // Config the program reads apart from the stack model (program-config.ts), not part of it.
    for (const key of ["npmIdentity", "npmSecret", "adoptedSecrets"]) delete values[key];
    const { plan } = analyseStack(stack, values, {
      projectDir: PROJECT_DIR,
      secrets: deployedSecrets(this.site(stack), this.homeserver(stack)),
      deploying: false,
    });
    for (const [relative, text] of renderPlanByPath(plan))
      this.renderedCache.set(`${stack}/${relative}`, text);
    const text = this.renderedCache.get(`${stack}/${file}`);
    if (text === undefined) throw new Error(`${stack} renders no ${file}`);
    return text;
  }

  /** Takes a stack off its engine completely: unprotect, `pulumi destroy`, then the retained volumes too. */
  async removeCompletely(stack: string): Promise<void> {
    await this.workspace.pulumi(["state", "unprotect", "--all", "--stack", stack, "--yes"]);
    const destroy = ["destroy", "--stack", stack, "--yes", "--non-interactive"];
    const destroyed = await this.workspace.pulumi(destroy);
    if (destroyed.code !== 0) throw new Error(`destroy of ${stack} failed:\n${LabFleet.failure(destroyed)}`);
    const volumes = docker(this.site(stack), ["volume", "ls", "-q", "--filter", `name=matrix-${stack}-`])
      .split("\n")
      .filter((v) => v !== "");
    if (volumes.length > 0) docker(this.site(stack), ["volume", "rm", ...volumes]);
  }

  /** Stops the fronts and the NPM doubles; the engines and their containers are lab/deploy/run.sh's to remove. */
  async stop(): Promise<void> {
    await this.fronts.stopAll();
    for (const target of this.sites.values()) await target.npm.close();
    this.workspace.dispose();
  }
}
