import { toYaml } from "./formats";

/**
 * Synapse's log config: a Python `logging.config.dictConfig` document, logging to stdout so that `docker logs`
 * has everything. Synapse adds the `request` field to every record itself.
 */
export function synapseLogConfigDocument(): Record<string, unknown> {
  return {
    version: 1,
    formatters: {
      precise: { format: "%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s" },
    },
    handlers: { console: { class: "logging.StreamHandler", formatter: "precise" } },
    loggers: {
      // SQL statements at DEBUG are huge and can contain user data.
      "synapse.storage.SQL": { level: "INFO" },
    },
    root: { level: "INFO", handlers: ["console"] },
    disable_existing_loggers: false,
  };
}

export function renderSynapseLogConfig(
  document: Readonly<Record<string, unknown>> = synapseLogConfigDocument(),
): string {
  return toYaml(document);
}
