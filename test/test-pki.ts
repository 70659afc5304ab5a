import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** A throwaway CA and one server certificate for `names` (DNS names and 127.0.0.1), made with the openssl CLI. */
export interface TestPki {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

function openssl(dir: string, args: readonly string[]): void {
  const result = spawnSync("openssl", args, { cwd: dir, encoding: "utf8", timeout: 20_000 });
  if (result.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${result.stderr}`);
}

export function makeTestPki(names: readonly string[]): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "matrix-fleet-pki-"));
  try {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    openssl(dir, [
      "req",
      "-x509",
      ...ec,
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=matrix-fleet test CA",
    ]);
    openssl(dir, ["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", `/CN=${names[0]}`]);
    const altNames = [...names.map((n) => `DNS:${n}`), "IP:127.0.0.1"].join(",");
    fs.writeFileSync(path.join(dir, "ext.cnf"), `subjectAltName=${altNames}\n`);
    openssl(dir, [
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.pem",
      "-days",
      "2",
      "-extfile",
      "ext.cnf",
    ]);
    const read = (file: string) => fs.readFileSync(path.join(dir, file), "utf8");
    return { ca: read("ca.pem"), cert: read("server.pem"), key: read("server.key") };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
