/**
 * The PostgreSQL major check (components/postgres-major-check-provider.ts) as the engine runs it: its bundled text
 * against a `docker` CLI stand-in. A preview that would put PostgreSQL 17 on a database of 15 fails naming the key
 * and the procedure; the same major passes; a stopped container is read through a throwaway one on its volumes; a
 * first deploy (no container) has nothing to compare.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { describe, it } from "node:test";
import type { PostgresMajorCheckProvider } from "../components/postgres-major-check-provider";
import { providerText } from "../components/provider-text";
import { useDockerStandin } from "./docker-standin";

const load = <T>(text: string): T => {
  const module = { exports: {} as { handler?: () => T } };
  new Function("module", "exports", "require", text)(module, module.exports, require);
  return module.exports.handler!();
};

// $STATE/running: "true" or "false" (absent: no such container); $STATE/major: the data's PG_VERSION.
const DOCKER_STANDIN = `#!/bin/sh
state="$MATRIX_FLEET_STANDIN_STATE"
echo "$*" >>"$state/calls"
case "$*" in
  *"inspect --format"*)
    if [ -f "$state/running" ]; then echo "$(cat "$state/running") lab/postgres:15"; else echo "Error: No such object: $6" >&2; exit 1; fi ;;
  *"exec matrix-moda1-postgres cat /var/lib/postgresql/data/PG_VERSION"*) cat "$state/major" ;;
  *"run --rm --network none --volumes-from matrix-moda1-postgres --entrypoint cat lab/postgres:15 /var/lib/postgresql/data/PG_VERSION"*) cat "$state/major" ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac
`;

describe("the PostgreSQL major check", () => {
  const standin = useDockerStandin(DOCKER_STANDIN);
  const inputs = (imageMajor: number) => ({
    dockerHost: "unix:///standin.sock",
    container: "matrix-moda1-postgres",
    dataDir: "/var/lib/postgresql/data",
    imageMajor,
    mismatch:
      "images.postgres is PostgreSQL 17, the data is PostgreSQL {data}; fix: keep {data} or ./fleet postgres-upgrade",
  });
  /** A preview moving the deployed stack (its state says major `deployed`) to `imageMajor`. */
  const check = async (imageMajor: number, deployed: number | null = 16) => {
    const provider = load<PostgresMajorCheckProvider>(
      providerText("components/postgres-major-check-provider", "PostgresMajorCheckProvider"),
    );
    const olds = deployed === null ? {} : inputs(deployed);
    return (await provider.check!(olds, inputs(imageMajor))).failures ?? [];
  };

  it("refuses another major than the data's, naming both and the procedure", async () => {
    fs.writeFileSync(standin.file("running"), "true");
    fs.writeFileSync(standin.file("major"), "15\n");
    assert.deepEqual(
      (await check(17)).map((f) => f.reason),
      [
        "images.postgres is PostgreSQL 17, the data is PostgreSQL 15; fix: keep 15 or ./fleet postgres-upgrade",
      ],
    );
    assert.deepEqual(await check(15), []);
  });

  it("reads a stopped container's data through a throwaway container on its volumes (the procedure's middle)", async () => {
    fs.writeFileSync(standin.file("running"), "false");
    fs.writeFileSync(standin.file("major"), "17\n");
    assert.deepEqual(await check(17), []);
    assert.equal((await check(15)).length, 1);
  });

  it("asks the Docker host nothing on a first deploy or an unchanged major, and passes a stack without a container", async () => {
    fs.writeFileSync(standin.file("calls"), "");
    fs.writeFileSync(standin.file("running"), "true");
    fs.writeFileSync(standin.file("major"), "15\n");
    assert.deepEqual(await check(17, null), [], "a first deploy");
    assert.deepEqual(await check(17, 17), [], "the major the stack was deployed with");
    assert.equal(fs.readFileSync(standin.file("calls"), "utf8"), "", "the Docker host was contacted");
    fs.rmSync(standin.file("running"), { force: true });
    assert.deepEqual(await check(17), [], "no container to read");
  });
});
