import type * as pulumi from "@pulumi/pulumi";
import { dockerCli } from "./docker-cli";
import { withoutProviderText } from "./provider-outputs";

/**
 * PostgreSQL does not start on a data directory of another major ("database files are incompatible with server"),
 * so changing `images.postgres` to a new major would replace the running database with one that never becomes
 * healthy, and the organisation would stop. This check, run by the engine in every preview and up (the provider's
 * `check`), reads the major of the data the stack's PostgreSQL holds (`PG_VERSION` in its data directory) and fails
 * when the image's major differs, naming the procedure that moves the data (`./fleet postgres-upgrade`). It reads
 * through the running container (`docker exec`), or, when the container is stopped (in the middle of that
 * procedure), through a throwaway container of the same image on the same mounts. It asks the Docker host only when
 * the stack already runs and `images.postgres` changes major: a first deploy (no state) or an unchanged major needs
 * no look, so an offline `./fleet preview` of a new stack contacts nothing.
 */
export interface PostgresMajorCheckInputs {
  readonly dockerHost: string;
  readonly container: string;
  readonly dataDir: string;
  /** The major of `images.postgres`, read from its tag (facts/versions.ts); undefined: nothing to compare. */
  readonly imageMajor: number | undefined;
  /** The problem to report, with `{data}` for the data's major. */
  readonly mismatch: string;
}

async function dataMajor(inputs: PostgresMajorCheckInputs): Promise<number | undefined> {
  const state = await dockerCli(inputs.dockerHost, [
    "inspect",
    "--format",
    "{{.State.Running}} {{.Config.Image}}",
    inputs.container,
  ]).catch((error: Error) => {
    if (/no such (object|container)/i.test(error.message)) return undefined;
    throw error;
  });
  if (state === undefined) return undefined;
  const [running, image] = state.trim().split(" ");
  const file = `${inputs.dataDir}/PG_VERSION`;
  const text =
    running === "true"
      ? await dockerCli(inputs.dockerHost, ["exec", inputs.container, "cat", file])
      : await dockerCli(inputs.dockerHost, [
          "run",
          "--rm",
          "--network",
          "none",
          "--volumes-from",
          inputs.container,
          "--entrypoint",
          "cat",
          image!,
          file,
        ]);
  const major = Number.parseInt(text.trim(), 10);
  return Number.isInteger(major) ? major : undefined;
}

/** The dynamic provider the engine runs for the check, from a bundled text of this module (provider-text.ts). */
export class PostgresMajorCheckProvider implements pulumi.dynamic.ResourceProvider {
  async check(olds: Partial<PostgresMajorCheckInputs> | undefined, news: PostgresMajorCheckInputs) {
    const deployed = olds?.imageMajor;
    if (news.imageMajor === undefined || deployed === undefined || deployed === news.imageMajor)
      return { inputs: news };
    const data = await dataMajor(news);
    const failures =
      data === undefined || data === news.imageMajor
        ? []
        : [{ property: "", reason: news.mismatch.replaceAll("{data}", String(data)) }];
    return { inputs: news, failures };
  }

  async create(inputs: PostgresMajorCheckInputs) {
    return { id: inputs.container, outs: withoutProviderText(inputs) };
  }

  async diff(_id: string, olds: PostgresMajorCheckInputs, news: PostgresMajorCheckInputs) {
    const changed = (Object.keys(news) as Array<keyof PostgresMajorCheckInputs>).some(
      (k) => k !== ("__provider" as never) && olds[k] !== news[k],
    );
    return { changes: changed, replaces: [] };
  }

  async update(_id: string, _olds: PostgresMajorCheckInputs, news: PostgresMajorCheckInputs) {
    return { outs: withoutProviderText(news) };
  }
}
