/** Synapse's PostgreSQL as the stack runs it: its address on the stack network and matrix-fleet's own role. */
export const DATABASE = {
  /** Network alias of the PostgreSQL container on the stack network. */
  host: "postgres",
  port: 5432,
  name: "synapse",
  user: "synapse",
} as const;

/** The data directory of the official postgres image (`PGDATA`'s default). */
export const POSTGRES_DATA_DIR = "/var/lib/postgresql/data";
