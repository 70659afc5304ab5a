#!/bin/bash
# The lab's own implementation of the postgres image's entrypoint contract (docs/upstream/images.md):
#   - as root: make PGDATA the postgres user's (mode 700), then re-run itself as postgres (gosu);
#   - an empty PGDATA is initialised: initdb with POSTGRES_USER as superuser, POSTGRES_PASSWORD, POSTGRES_INITDB_ARGS;
#     pg_hba admits every host with POSTGRES_HOST_AUTH_METHOD (default scram-sha-256); POSTGRES_DB is created;
#   - a PGDATA that holds a cluster (PG_VERSION) is used as it is: nothing is re-initialised;
#   - then postgres runs in the foreground, listening on every address.
set -Eeo pipefail
if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi
if [ "$1" = 'postgres' ] && [ "$(id -u)" = '0' ]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  exec gosu postgres "$BASH_SOURCE" "$@"
fi
if [ "$1" = 'postgres' ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=$POSTGRES_USER}" "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
    echo "Error: Database is uninitialized and superuser password is not specified." >&2
    echo "       You must specify POSTGRES_PASSWORD to a non-empty value for the superuser." >&2
    exit 1
  fi
  # shellcheck disable=SC2086
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  # The official image builds its server with the socket in /var/run/postgresql (docs/upstream/images.md); Debian's
  # 15 has it there too, PostgreSQL 17's server binaries of the lab (npm) in /tmp, where 15's clients never look.
  echo "unix_socket_directories = '/var/run/postgresql'" >>"$PGDATA/postgresql.conf"
  printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
  if [ "$POSTGRES_DB" != postgres ]; then
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
      -c "CREATE DATABASE \"$POSTGRES_DB\""
  fi
  pg_ctl -D "$PGDATA" -m fast -w stop
  echo "PostgreSQL init process complete; ready for start up."
fi
exec "$@"
