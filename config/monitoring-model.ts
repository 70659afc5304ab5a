import type { AlertName } from "../facts/monitoring";

export type { AlertName };

/** The monitoring's part of the typed model (model.ts): where alerts go and what Prometheus and the probe do. */
/** Where alerts go: a room on the organisation's own homeserver, e-mail, or both. */
export interface AlertEmail {
  readonly to: string;
  readonly from: string;
  /** `host:port` of the SMTP server. */
  readonly smarthost: string;
  /** SMTP login; its password is the secret config `monitoringSmtpPassword`. */
  readonly username: string | undefined;
  readonly requireTls: boolean;
}

export interface AlertDelivery {
  /** Post alerts into a room of the organisation's own homeserver (the alert bot). */
  readonly matrix: boolean;
  /** The room's alias localpart: `#<matrixRoom>:<serverName>`. */
  readonly matrixRoom: string;
  /** Users the alert bot invites into its room. */
  readonly invite: readonly string[];
  readonly email: AlertEmail | undefined;
  /** Alertmanager's route timing (group_wait, group_interval, repeat_interval). */
  readonly groupWait: string;
  readonly groupInterval: string;
  readonly repeatInterval: string;
}

/** The stack's own monitoring (`components.monitoring`); durations in Prometheus' notation. */
export interface MonitoringOptions {
  readonly scrapeInterval: string;
  readonly evaluationInterval: string;
  /** How long Prometheus keeps samples (`--storage.tsdb.retention.time`). */
  readonly retention: string;
  /** Scrape coturn's exporter: the pinned coturn image has one; Debian's coturn 4.6.1 (the lab's) has none. */
  readonly coturnExporter: boolean;
  readonly probe: {
    /** How often the call probe runs verify's checks. */
    readonly interval: string;
    /** Reach the organisation's public names at its LAN addresses (no hairpin NAT needed), as lk-jwt-service does. */
    readonly viaLan: boolean;
  };
  /** How long each alert's condition must hold before it fires. */
  readonly alertFor: Readonly<Record<AlertName, string>>;
  readonly alerts: AlertDelivery;
  /** The runbook page each alert links to (`<runbookUrl>#<alert name in lower case>`). */
  readonly runbookUrl: string;
}
