import * as yaml from "js-yaml";

/**
 * Independent parsers for the rendered formats, so that tests read the files the way the servers do rather than
 * trusting the renderers' own documents.
 */
export function parseYaml(text: string): Record<string, unknown> {
  return yaml.load(text) as Record<string, unknown>;
}

/** `turnserver.conf`: `option=value` or a bare flag per line; `#` comments. Repeated options keep every value. */
export function parseTurnserverConf(text: string): Map<string, string[]> {
  const options = new Map<string, string[]>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    const key = eq < 0 ? line : line.slice(0, eq);
    const value = eq < 0 ? "" : line.slice(eq + 1);
    options.set(key, [...(options.get(key) ?? []), value]);
  }
  return options;
}

/** Docker `--env-file` syntax: `KEY=value`, no quoting. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}
