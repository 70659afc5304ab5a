import { DATABASE } from "../facts/postgres";
import { POSTGRES_MONITOR_ROLE } from "../facts/monitoring";
import { OrgConfig } from "../config/model";
import { SecretValues } from "../facts/secrets";
import { EnvFile } from "./formats";

/**
 * postgres-exporter's environment (cmd/postgres_exporter/datasource.go v0.11.1: `DATA_SOURCE_URI`, `_USER`, `_PASS`
 * build `postgresql://user:pass@uri`): its own role, member of `pg_monitor` only (components/monitoring-accounts.ts
 * creates it), on the stack's database over the stack network. The stack's PostgreSQL has no TLS on that network.
 */
export function postgresExporterEnvDocument(org: OrgConfig, secrets: SecretValues): EnvFile {
  return {
    DATA_SOURCE_URI: `${DATABASE.host}:${DATABASE.port}/${org.adoption.database.name}?sslmode=disable`,
    DATA_SOURCE_USER: POSTGRES_MONITOR_ROLE,
    DATA_SOURCE_PASS: secrets.postgres_monitor_password,
  };
}
