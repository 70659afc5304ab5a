import { OrgConfig } from "../config/model";
import { Problem, problem } from "../config/problems";

/**
 * Values the repository cannot know (WAN addresses, the NPM endpoint) ship as documentation-range placeholders
 * (RFC 5737 addresses, RFC 2606 names). They keep `render` and `pulumi preview` working on a fresh clone;
 * `pulumi up` refuses while any remains.
 */
const DOCUMENTATION_NETS = ["192.0.2.", "198.51.100.", "203.0.113."];
const DOCUMENTATION_NAMES = /(^|\.)(example(\.(com|net|org))?|invalid|test)$/;

export function isPlaceholderAddress(value: string): boolean {
  return DOCUMENTATION_NETS.some((net) => value.startsWith(net));
}

function hostOf(value: string): string {
  const match = /^[a-z]+:\/\/(?:[^@/]*@)?([^:/]+)/i.exec(value);
  return (match?.[1] ?? value).toLowerCase();
}

export function isPlaceholder(value: string): boolean {
  const host = hostOf(value.includes("@") && !value.includes("://") ? (value.split("@")[1] ?? value) : value);
  return isPlaceholderAddress(host) || DOCUMENTATION_NAMES.test(host);
}

/** Every config key that still holds a placeholder, as problems telling the operator what to set. */
export function placeholderProblems(org: OrgConfig): Problem[] {
  const candidates: Array<[path: string, value: string | undefined, what: string]> = [
    ["network.publicIp", org.network.publicIp, "the WAN address clients reach"],
    ["network.lanIp", org.network.lanIp, "the Docker host's LAN address"],
    ["turn.port443Ip", org.turn.port443Ip, "the second WAN address of TURN on 443"],
    ["docker.host", org.docker.host, "the Docker host to deploy to (ssh://user@host)"],
    ["proxy.npmUrl", org.proxy.npmUrl, "the Nginx Proxy Manager admin URL"],
    ["proxy.lanIp", org.proxy.lanIp, "the LAN address of the Nginx Proxy Manager host"],
    ["proxy.forwardHost", org.proxy.forwardHost, "the address NPM uses to reach the Docker host"],
    ["proxy.letsencryptEmail", org.proxy.letsencryptEmail, "the Let's Encrypt account e-mail"],
  ];
  return candidates
    .filter(([, value]) => value !== undefined && isPlaceholder(value))
    .map(([path, value, what]) =>
      problem(
        org.stack,
        path,
        `still holds the placeholder '${value}'; pulumi up needs the real value (${what})`,
        `pulumi config set --path '${path}' <value> --stack ${org.stack}`,
      ),
    );
}
