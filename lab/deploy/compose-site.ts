/**
 * A Docker Compose deployment on a lab site's engine, the way the organisations run today: the compose project of
 * lab/cutover/ copied into the lab directory with fresh secrets, its upstream image names tagged onto the lab images
 * (there is no registry here), Synapse's own `generate` for homeserver.yaml and the signing key with the operators'
 * hand edits merged over it, and the proxy hosts they clicked together in NPM. Driven with Debian's docker-compose
 * 1.29.2 against the site's engine (DOCKER_HOST), as an operator on the Docker host drives it.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { roleOfImage } from "../../adopt/running-deployment";
import { SYNAPSE_UID } from "../../facts/synapse";
import { run, waitFor } from "../processes";
import { Site, docker, labImages } from "./sites";

const TEMPLATE_DIR = path.join(__dirname, "..", "cutover");
/** Template files that are not copied as they are: filled into the NPM double and into homeserver.yaml. */
const NOT_COPIED = new Set(["npm-proxy-hosts.json", "synapse/homeserver-edits.yaml", "synapse/log.config"]);

type Doc = Record<string, unknown>;

/** The values the compose deployment was given (the test knows them; an operator would find them in the files). */
export interface ComposeSecrets {
  readonly postgresPassword: string;
  readonly turnSecret: string;
  readonly livekitKey: string;
  readonly livekitSecret: string;
}

export class ComposeSite {
  private constructor(
    readonly target: Site,
    /** The compose project directory on the Docker host (this machine): its basename is the project name. */
    readonly dir: string,
    readonly serverName: string,
    readonly secrets: ComposeSecrets,
  ) {}

  /** Writes the project into `dir` (emptied first) and generates Synapse's config and key; starts nothing. */
  static create(target: Site, dir: string, serverName: string): ComposeSite {
    fs.rmSync(dir, { recursive: true, force: true });
    const secrets: ComposeSecrets = {
      postgresPassword: randomBytes(16).toString("hex"),
      turnSecret: randomBytes(20).toString("hex"),
      livekitKey: `API${randomBytes(6).toString("hex")}`,
      livekitSecret: randomBytes(24).toString("hex"),
    };
    const site = new ComposeSite(target, dir, serverName, secrets);
    for (const file of templateFiles()) {
      if (NOT_COPIED.has(file)) continue;
      const destination = path.join(dir, file === "env" ? ".env" : file);
      fs.mkdirSync(path.dirname(destination), { recursive: true });
      fs.writeFileSync(destination, site.fill(fs.readFileSync(path.join(TEMPLATE_DIR, file), "utf8")));
    }
    site.tagImages();
    site.generateSynapseConfig();
    return site;
  }

  /** The template's @@NAME@@ values: the site's addresses and this deployment's secrets. */
  fill(text: string): string {
    const values: Record<string, string> = {
      WAN: this.target.wan,
      LAN: this.target.dockerLan,
      POSTGRES_PASSWORD: this.secrets.postgresPassword,
      TURN_SECRET: this.secrets.turnSecret,
      LIVEKIT_KEY: this.secrets.livekitKey,
      LIVEKIT_SECRET: this.secrets.livekitSecret,
    };
    return text.replace(/@@([A-Z_]+)@@/g, (whole, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`lab/cutover: unknown template value ${whole}`);
      return value;
    });
  }

  /**
   * The proxy hosts the operators made by hand, made in the site's NPM through its API (as NPM's UI makes them):
   * returns their NPM ids.
   */
  async makeProxyHostsByHand(
    npmUrl: string,
    credentials: { identity: string; secret: string },
  ): Promise<number[]> {
    const hosts = JSON.parse(
      this.fill(fs.readFileSync(path.join(TEMPLATE_DIR, "npm-proxy-hosts.json"), "utf8")),
    ) as Doc[];
    const { token } = (await npmCall(npmUrl, "/api/tokens", undefined, credentials)) as { token: string };
    const ids: number[] = [];
    for (const host of hosts)
      ids.push(((await npmCall(npmUrl, "/api/nginx/proxy-hosts", token, host)) as { id: number }).id);
    return ids;
  }

  /** `docker-compose <args>` in the project directory against the site's engine. */
  compose(args: readonly string[]): string {
    return run("docker-compose", args, { cwd: this.dir, env: { DOCKER_HOST: this.target.dockerHost } });
  }

  /** A runbook command line as written (pipes, redirections), in the project directory, against the site. */
  shell(command: string): string {
    return run("bash", ["-o", "pipefail", "-c", command], {
      cwd: this.dir,
      env: { DOCKER_HOST: this.target.dockerHost },
    });
  }

  /** Synapse's homeserver.yaml as the compose deployment runs it (secrets included: for the lab only). */
  homeserver(): Doc {
    return yaml.load(fs.readFileSync(path.join(this.dir, "synapse", "homeserver.yaml"), "utf8")) as Doc;
  }

  /** Synapse's own listener on the Docker host, for the shared-secret registration (no proxy in between). */
  get directUrl(): string {
    return `http://${this.target.dockerLan}:8008`;
  }

  /** Waits (bounded) until Synapse answers on the Docker host; a failure shows the compose Synapse's log. */
  async waitForSynapse(timeoutMs = 120_000): Promise<void> {
    await waitFor(
      `Synapse on ${this.target.dockerLan}:8008`,
      async () => (await fetch(`${this.directUrl}/health`, { signal: AbortSignal.timeout(3000) })).ok,
      timeoutMs,
      () => this.logs("synapse"),
    );
  }

  /** The last log lines of a compose service (for failure messages). */
  logs(service: string): string {
    try {
      return this.compose(["logs", "--no-color", "--tail", "40", service]);
    } catch (error) {
      return `(no logs: ${(error as Error).message})`;
    }
  }

  /** The compose file's upstream image names, tagged onto the lab image of the same role on the site's engine. */
  private tagImages(): void {
    const compose = yaml.load(fs.readFileSync(path.join(this.dir, "docker-compose.yml"), "utf8")) as {
      services: Record<string, { image: string }>;
    };
    const images = labImages();
    for (const { image } of Object.values(compose.services)) {
      const role = roleOfImage(image);
      const lab = role === undefined ? undefined : images[role];
      if (lab === undefined) throw new Error(`lab/cutover: no lab image stands in for ${image}`);
      docker(this.target, ["tag", lab, image]);
    }
  }

  /**
   * What the Synapse image's `generate` mode does (docs/upstream/adoption.md §6a): a console log config first, then
   * Synapse's generator for the config and signing key under /data, as UID 991, with the listener open to other
   * containers; then the operators' hand edits.
   */
  private generateSynapseConfig(): void {
    const data = path.join(this.dir, "synapse");
    fs.mkdirSync(data, { recursive: true });
    const logConfig = path.join(data, `${this.serverName}.log.config`);
    fs.copyFileSync(path.join(TEMPLATE_DIR, "synapse", "log.config"), logConfig);
    for (const owned of [data, logConfig]) fs.chownSync(owned, SYNAPSE_UID, SYNAPSE_UID);
    docker(this.target, [
      "run",
      "--rm",
      "--user",
      `${SYNAPSE_UID}:${SYNAPSE_UID}`,
      "-v",
      `${data}:/data`,
      "--entrypoint",
      "/opt/synapse/bin/python",
      "matrixdotorg/synapse:v1.157.1",
      "-m",
      "synapse.app.homeserver",
      "--server-name",
      this.serverName,
      "--report-stats",
      "no",
      "--config-path",
      "/data/homeserver.yaml",
      "--config-directory",
      "/data",
      "--data-directory",
      "/data",
      "--generate-config",
      "--open-private-ports",
    ]);
    const file = path.join(data, "homeserver.yaml");
    const generated = yaml.load(fs.readFileSync(file, "utf8")) as Doc;
    const edits = yaml.load(
      this.fill(fs.readFileSync(path.join(TEMPLATE_DIR, "synapse", "homeserver-edits.yaml"), "utf8")),
    ) as Doc;
    fs.writeFileSync(file, yaml.dump({ ...generated, ...edits }, { lineWidth: -1 }));
  }
}

async function npmCall(
  url: string,
  apiPath: string,
  token: string | undefined,
  body: object,
): Promise<unknown> {
  const response = await fetch(`${url}${apiPath}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`NPM POST ${apiPath}: HTTP ${response.status} ${text}`);
  return JSON.parse(text) as unknown;
}

function templateFiles(dir = TEMPLATE_DIR, prefix = ""): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    return entry.isDirectory() ? templateFiles(path.join(dir, entry.name), relative) : [relative];
  });
}
