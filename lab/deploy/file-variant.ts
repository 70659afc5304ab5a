/**
 * A fault in a running deployment, as an operator's hand edit would make one: one file of a deployed container
 * changed, the container restarted on it for a check, then the deployed file put back and the container restarted
 * again. The scenarios use it for faults the program itself cannot deploy, because preflight refuses them.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { waitFor } from "../processes";
import { Site, docker } from "./sites";

export interface FileVariant {
  readonly container: string;
  /** The file's path inside the container. */
  readonly file: string;
  /** The changed file, from the deployed one. */
  readonly edit: (deployed: string) => string;
  /** An HTTP URL that answers 200 once the container serves again. */
  readonly readyUrl: string;
  readonly readyWithinMs: number;
}

export async function withFileVariant<T>(
  site: Site,
  variant: FileVariant,
  check: () => Promise<T>,
): Promise<T> {
  const deployed = docker(site, ["exec", variant.container, "cat", variant.file]);
  // Readable by the container's own user after `docker cp` (which copies the mode); the directory is ours alone.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "file-variant-"));
  const install = async (text: string) => {
    const local = path.join(dir, path.basename(variant.file));
    fs.writeFileSync(local, text, { mode: 0o644 });
    docker(site, ["cp", local, `${variant.container}:${variant.file}`]);
    docker(site, ["restart", "--time", "10", variant.container]);
    await waitFor(
      `${variant.container} after its restart (${variant.readyUrl})`,
      async () =>
        (await fetch(variant.readyUrl, { signal: AbortSignal.timeout(2000) }).catch(() => undefined))?.ok ===
        true,
      variant.readyWithinMs,
    );
  };
  try {
    await install(variant.edit(deployed));
    return await check();
  } finally {
    try {
      await install(deployed);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}
