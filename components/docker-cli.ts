import { execFile } from "node:child_process";

/**
 * The docker CLI, as the dynamic providers (health gates, the adopted-stores check) run it during `pulumi up` and
 * `pulumi preview`: it reaches ssh:// hosts the way the Docker provider does. Bundled into their provider texts.
 */
/** Runs the docker CLI against a host; resolves with its output, rejects with a message naming the command. */
export function dockerCli(host: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("docker", ["-H", host, ...args], { timeout: 30_000, maxBuffer: 4 << 20 }, (error, out, err) => {
      if (error === null) resolve(`${out}${err}`);
      else if ((error as NodeJS.ErrnoException).code === "ENOENT")
        reject(
          new Error(
            "the docker CLI is not installed where pulumi runs; matrix-fleet's health gates and adopted-stores check need it",
          ),
        );
      else reject(new Error(`docker -H ${host} ${args.join(" ")}: ${`${err}`.trim() || error.message}`));
    });
  });
}
