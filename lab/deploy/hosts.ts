/**
 * The lab's hosts file: every public name of the lab organisations at its site's WAN address (lab/deploy/sites.ts),
 * the TURN name of a stack with TURN on 443 at the site's second one, and the lab browser's web origin
 * (lab/browser/origin.ts), for the lab DNS and the namespaces' /etc/hosts. Printed to stdout by lab/deploy/run.sh.
 */
import { parseStackConfig } from "../../config/stack-config";
import { readStackFile } from "../../config/stack-files";
import { WEB_ORIGIN_ADDRESS, WEB_ORIGIN_NAME } from "../browser/origin";
import { SITE_NUMBERS, TURN_443_STACKS, site, stackDirOf } from "./sites";

const lines = ["127.0.0.1 localhost", `${WEB_ORIGIN_ADDRESS} ${WEB_ORIGIN_NAME}`];
for (const stack of Object.keys(SITE_NUMBERS)) {
  const org = parseStackConfig(stack, readStackFile(stack, stackDirOf(stack))).config!;
  // With TURN on 443 the TURN name resolves to the second WAN address (turn.port443Ip, set by lab/deploy/fleet.ts).
  const turnApart = TURN_443_STACKS.includes(stack);
  const names = [...new Set([org.serverName, ...Object.values(org.hosts)])];
  lines.push(`${site(stack).wan} ${names.filter((n) => !turnApart || n !== org.hosts.turn).join(" ")}`);
  if (turnApart) lines.push(`${site(stack).turnWan} ${org.hosts.turn}`);
}
console.log(lines.join("\n"));
