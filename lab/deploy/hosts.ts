/**
 * The lab's hosts file: every public name of the lab organisations at its site's WAN address (lab/deploy/sites.ts),
 * and the lab browser's web origin (lab/browser/origin.ts), for the lab DNS and the namespaces' /etc/hosts. Printed
 * to stdout by lab/deploy/run.sh.
 */
import { parseStackConfig } from "../../config/stack-config";
import { readStackFile } from "../../config/stack-files";
import { WEB_ORIGIN_ADDRESS, WEB_ORIGIN_NAME } from "../browser/origin";
import { SITE_NUMBERS, site, stackDirOf } from "./sites";

const lines = ["127.0.0.1 localhost", `${WEB_ORIGIN_ADDRESS} ${WEB_ORIGIN_NAME}`];
for (const stack of Object.keys(SITE_NUMBERS)) {
  const org = parseStackConfig(stack, readStackFile(stack, stackDirOf(stack))).config!;
  lines.push(`${site(stack).wan} ${[...new Set([org.serverName, ...Object.values(org.hosts)])].join(" ")}`);
}
console.log(lines.join("\n"));
