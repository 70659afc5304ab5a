import type * as pulumi from "@pulumi/pulumi";
import { dockerCli } from "./docker-cli";
import { withoutProviderText } from "./provider-outputs";

/**
 * Health gates: `pulumi up` returns only once every container with a healthcheck is healthy, and a container
 * that never becomes healthy fails the `up` with its last log lines, which usually name the cause.
 *
 * The Docker provider's own `wait` only says "container failed to be in healthy state"; the engine here has no
 * error hooks to add the logs to that. So a small dynamic resource per container does the waiting: created (and
 * re-run) whenever its container is created or replaced, it polls `docker inspect` until the container is
 * healthy, and on a timeout or an exited container it fails with the health state and `docker logs --tail`.
 * It uses the docker CLI, which reaches ssh:// hosts the way the Docker provider does; `pulumi up` therefore needs
 * the docker CLI where it runs (docs/deploying.md, "What you need").
 */
export interface HealthGateInputs {
  readonly dockerHost: string;
  readonly container: string;
  /** The container's ID: a new container (a replacement) is waited for again. */
  readonly containerId: string;
  readonly timeoutSeconds: number;
}

interface HealthState {
  readonly Status?: string;
  readonly Restarting?: boolean;
  readonly ExitCode?: number;
  readonly Health?: { Status?: string; Log?: Array<{ ExitCode?: number; Output?: string }> };
}

const LOG_LINES = 30;
const POLL_MS = 1000;

/** Polls the container until Docker reports it healthy; fails with its state and last log lines otherwise. */
async function waitHealthy(inputs: HealthGateInputs): Promise<number> {
  const started = Date.now();
  let state: HealthState = {};
  while (Date.now() - started < inputs.timeoutSeconds * 1000) {
    state = JSON.parse(
      await dockerCli(inputs.dockerHost, ["inspect", "--format", "{{json .State}}", inputs.container]),
    );
    if (state.Health?.Status === "healthy") return Math.round((Date.now() - started) / 1000);
    // An exited or crash-looping container will not become healthy by waiting.
    if (state.Status === "exited" || state.Status === "dead" || state.Restarting === true) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const lastCheck = state.Health?.Log?.at(-1)?.Output?.trim();
  const logs = await dockerCli(inputs.dockerHost, [
    "logs",
    "--tail",
    String(LOG_LINES),
    inputs.container,
  ]).catch((error: Error) => `(could not read them: ${error.message})`);
  throw new Error(
    `container ${inputs.container} is not healthy after ${Math.round((Date.now() - started) / 1000)} s ` +
      `(state ${state.Status ?? "unknown"}, health ${state.Health?.Status ?? "none"}` +
      `${lastCheck ? `, last check: ${lastCheck}` : ""}). Its last ${LOG_LINES} log lines:\n${logs.trimEnd()}`,
  );
}

/** The dynamic provider the engine runs for each gate, from a bundled text of this module (provider-text.ts). */
export class HealthGateProvider implements pulumi.dynamic.ResourceProvider {
  async create(inputs: HealthGateInputs) {
    const seconds = await waitHealthy(inputs);
    return { id: inputs.container, outs: { ...withoutProviderText(inputs), healthyAfterSeconds: seconds } };
  }

  async diff(_id: string, olds: HealthGateInputs, news: HealthGateInputs) {
    // Only a new container (or another host) is waited for again; a changed timeout is just recorded.
    const replaces = (["containerId", "dockerHost", "container"] as const).filter((k) => olds[k] !== news[k]);
    return { changes: replaces.length > 0 || olds.timeoutSeconds !== news.timeoutSeconds, replaces };
  }

  async update(_id: string, _olds: HealthGateInputs, news: HealthGateInputs) {
    return { outs: withoutProviderText(news) };
  }
}
