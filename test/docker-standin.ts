/**
 * A stand-in `docker` for the tests of the dynamic providers, which run the docker CLI as the engine runs them: the
 * script goes first on PATH for the tests of the enclosing `describe`, with a directory of its own that the script
 * (as $MATRIX_FLEET_STANDIN_STATE) and the test share for what it answers and what it was asked; removed afterwards.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before } from "node:test";

export interface DockerStandin {
  /** The shared directory (set once the enclosing describe's `before` ran). */
  readonly dir: string;
  /** A file in it. */
  file(name: string): string;
}

export function useDockerStandin(script: string): DockerStandin {
  let dir = "";
  let savedPath: string | undefined;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "matrix-fleet-standin-"));
    fs.writeFileSync(path.join(dir, "docker"), script, { mode: 0o755 });
    savedPath = process.env.PATH;
    process.env.PATH = `${dir}:${savedPath}`;
    process.env.MATRIX_FLEET_STANDIN_STATE = dir;
  });
  after(() => {
    process.env.PATH = savedPath;
    delete process.env.MATRIX_FLEET_STANDIN_STATE;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    file: (name) => path.join(dir, name),
  };
}
