import { Problem, problem } from "../config/problems";
import { StackPlan } from "../config-templates/plan";
import * as path from "node:path";
import { certbotTree } from "../config/values";
import { COTURN_IMAGE_USER } from "../facts/coturn";

/**
 * coturn's TLS files (field failures 20 and 21), as far as the stack file decides them. coturn reads them as
 * nobody:nogroup at start and on every SIGUSR2 reload; an unreadable key does not stop it, it only runs without its
 * TLS listener while the STUN healthcheck stays green (docs/upstream/coturn.md, "Files coturn must read").
 */
export function checkCoturnTlsFiles({ org, coturn }: StackPlan): Problem[] {
  if (coturn === undefined || !org.turn.tls) return [];
  const files: Array<[key: "certFile" | "keyFile", path: string]> = [
    ["certFile", org.turn.certFile],
    ["keyFile", org.turn.keyFile],
  ];
  return files
    .filter(([, file]) => certbotTree(path.posix.normalize(file)) !== undefined)
    .map(([key, file]) =>
      problem(
        org.stack,
        `turn.${key}`,
        `'${file}' is ${certbotTree(path.posix.normalize(file))!.replace(/^which is /, "")}: live/ holds symlinks into ../../archive/, which the mounted directory does not contain, and certbot writes privkey.pem as root 0600, while coturn runs as ${COTURN_IMAGE_USER.name} (${COTURN_IMAGE_USER.uid}): coturn keeps running without its TLS listener`,
        `let a certbot deploy hook copy both files, readable by ${COTURN_IMAGE_USER.uid}, to /etc/matrix-fleet/tls/${org.hosts.turn}/ (the default of turn.certFile and turn.keyFile) and reload coturn; summary.md has the hook`,
      ),
    );
}
