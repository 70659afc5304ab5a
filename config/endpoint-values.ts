import { SectionReader } from "./section-reader";

/**
 * The addresses the stack talks to, judged as their consumers read them: Nginx Proxy Manager's admin URL (the NPM
 * client appends /api/... to it), the ACME account e-mail (Let's Encrypt's boulder refuses some), and the Docker
 * host (Docker's ssh connection helper). docs/upstream/config-values.md cites each rule's source.
 */

/**
 * `proxy.npmUrl`: scheme, host and port only. Credentials would sit in clear in a reviewed file (NPM's come from
 * npmIdentity/npmSecret); a path is wrong because the client appends `/api/...` itself (`/api` gives /api/api/).
 */
export function npmUrl(section: SectionReader, key: string, value: string): string {
  const fix = "write it as scheme, host and port only, e.g. http://192.0.2.20:81";
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || !/^https?:$/.test(url.protocol) || url.hostname === "" || /\s/.test(value)) {
    if (value !== "") section.report(key, `'${value}' is not an http(s) URL`, fix);
    return value.replace(/\/+$/, "");
  }
  if (url.username !== "" || url.password !== "")
    section.report(
      key,
      "holds credentials: they would sit in clear in the stack file, a reviewed file, and NPM's API takes them as a login, not in the URL",
      `${fix}; set the login with pulumi config set --secret npmIdentity <e-mail> and --secret npmSecret`,
    );
  if (url.pathname !== "/")
    section.report(
      key,
      `has the path '${url.pathname}': matrix-fleet appends /api/... to the URL itself${/\/api\/?$/.test(url.pathname) ? ", so this one would call /api/api/..." : ""}, and NPM serves its API at the root of its admin port only`,
      fix,
    );
  if (url.search !== "" || url.hash !== "")
    section.report(
      key,
      `has a query or fragment ('${url.search}${url.hash}'), which no NPM request carries`,
      fix,
    );
  if (url.port === "0") section.report(key, "has port 0, which nothing listens on", fix);
  return `${url.protocol}//${url.host}`;
}

/** Top-level domains that are not delegated (RFC 2606, 6761, 6762, ICANN's .internal) and names used in examples. */
const NO_PUBLIC_TLD = /\.(test|example|invalid|localhost|local|internal|lan|home|corp|localdomain|intranet)$/;
const EXAMPLE_DOMAINS = ["example.com", "example.net", "example.org"];

/**
 * The ACME account e-mail, as Let's Encrypt's boulder judges it (policy/pa.go `ValidEmail`): the domain must be a
 * DNS name under a public top-level domain, not an IP address, and not example.com/.net/.org. A refused address
 * fails the certificate order during pulumi up, after the proxy hosts were planned.
 */
export function letsEncryptEmail(section: SectionReader, key: string, value: string): string {
  const match = /^[^\s@]+@([^\s@]+)$/.exec(value);
  const domain = match?.[1]?.toLowerCase();
  const fix =
    "use a real mailbox on a public domain, e.g. admin@<your domain>: Let's Encrypt sends expiry notices there";
  if (domain === undefined || !domain.includes(".") || /^[\d.]+$/.test(domain) || domain.startsWith("[")) {
    section.report(key, `'${value}' is not an e-mail address on a domain name`, fix);
  } else if (EXAMPLE_DOMAINS.includes(domain)) {
    section.report(
      key,
      `'${value}' is on ${domain}, which Let's Encrypt refuses for contact e-mails (a documentation domain)`,
      fix,
    );
  } else if (NO_PUBLIC_TLD.test(domain)) {
    section.report(
      key,
      `'${value}' is on ${domain}, which ends in no public top-level domain: Let's Encrypt refuses the account ('contact email has invalid domain')`,
      fix,
    );
  }
  return value;
}

/**
 * `docker.host`: `unix:///<socket>`, `ssh://[user@]host[:port]` or `tcp://...` (refused later). Docker's ssh
 * helper (docker/cli cli/connhelper/ssh) refuses a password, an empty host, a query and a fragment; a path is
 * silently ignored (the remote side always uses its default socket), so it is refused here rather than believed.
 */
export function dockerHost(section: SectionReader, value: string): string {
  const fix =
    "use unix:///var/run/docker.sock or ssh://user@host (ssh://user@host:2222 for another SSH port)";
  if (/^unix:\/\/\/\S+$/.test(value) || /^tcp:\/\/\S+$/.test(value)) return value;
  if (!/^ssh:\/\/\S*$/.test(value)) {
    section.report("host", `'${value}' is not a Docker host address`, fix);
    return value;
  }
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const wrong =
    url === undefined
      ? /@\/?$/.test(value)
        ? "has no host"
        : "is not a URL Docker can parse (an impossible port?)"
      : url.hostname === ""
        ? "has no host"
        : url.password !== ""
          ? "holds a password, which Docker refuses ('plain-text password is not supported') and which would sit in clear in a reviewed file"
          : url.port === "0"
            ? "has port 0, on which no SSH server listens"
            : url.search !== "" || url.hash !== ""
              ? "has a query or fragment, which Docker refuses"
              : url.pathname !== ""
                ? `has the path '${url.pathname}', which Docker ignores (it always talks to the remote host's default socket)`
                : undefined;
  if (wrong !== undefined) section.report("host", `'${value}' ${wrong}`, fix);
  return value;
}
