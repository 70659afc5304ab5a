import * as path from "node:path";
import { ConfigError } from "../config/problems";
import { parseStackConfig } from "../config/stack-config";
import { PROJECT_DIR, readStackFile } from "../config/stack-files";
import { formatResults, verifyStack } from "../verify/verify";
import { targetOfStack } from "./verify-target-of";
import { UsageError, parseArgs, runCli } from "./args";

const USAGE = `usage: npm run verify -- --stack <name> [--json] [--expect-ip <address>] [--project-dir <dir>]

Checks the deployed stack from the outside and prints one line per check; exits 1 if any check failed.
A test user of the homeserver enables the checks that need a login; it comes from the environment only:
  MATRIX_FLEET_VERIFY_USER, MATRIX_FLEET_VERIFY_PASSWORD
and, to prove federation both ways, tokens of test users on peer servers as JSON:
  MATRIX_FLEET_VERIFY_PEER_TOKENS='{"pro-dukt.de": "<access token>"}' 
--expect-ip: the address TURN and media must be reached on (default: the stack's network.publicIp).`;

/** The options this tool takes (the handbook's test parses every command it shows with them). */
export const OPTIONS = {
  stack: "value",
  json: "flag",
  "expect-ip": "value",
  "project-dir": "value",
  help: "flag",
} as const;

async function main(argv: readonly string[]): Promise<number> {
  const { values, flags } = parseArgs(argv, OPTIONS);
  if (flags.has("help")) {
    console.log(USAGE);
    return 0;
  }
  if (values.stack === undefined) throw new UsageError("--stack is required");
  const projectDir = path.resolve(values["project-dir"] ?? PROJECT_DIR);
  const parsed = parseStackConfig(values.stack, readStackFile(values.stack, projectDir));
  if (parsed.config === undefined) throw new ConfigError(parsed.problems);
  const name = process.env.MATRIX_FLEET_VERIFY_USER;
  const password = process.env.MATRIX_FLEET_VERIFY_PASSWORD;
  const org = parsed.config;
  const results = await verifyStack(targetOfStack(org), {
    user: name && password ? { name, password } : undefined,
    expectIp: values["expect-ip"],
    peerTokens: peerTokens(),
  });
  process.stdout.write(
    flags.has("json")
      ? `${JSON.stringify({ stack: values.stack, results }, null, 2)}\n`
      : formatResults(values.stack, results),
  );
  return results.some((r) => r.outcome === "fail") ? 1 : 0;
}

function peerTokens(): Record<string, string> | undefined {
  const raw = process.env.MATRIX_FLEET_VERIFY_PEER_TOKENS;
  if (raw === undefined || raw === "") return undefined;
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, string>;
  } catch {
    // reported below
  }
  throw new UsageError(
    "MATRIX_FLEET_VERIFY_PEER_TOKENS must be a JSON object of server name -> access token",
  );
}

if (require.main === module) runCli("verify", USAGE, () => main(process.argv.slice(2)));
