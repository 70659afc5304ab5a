#!/bin/sh
# matrix-fleet backups: the dump container, made from the stack's own PostgreSQL image, so its pg_dump is of the
# server's major version by construction; it checks that anyway and refuses a mismatch (a client of another major
# would write a dump the server's own tools may not restore, and an older one aborts on a newer server).
#   dump-agent.sh serve           wait for dump requests from the backup container (the work volume's dump/request)
#   dump-agent.sh dump-once       one dump now, its result on stdout (key=value lines)
#   dump-agent.sh probe           versions and what the database holds (key=value lines)
#   dump-agent.sh check-dump D    refuse a dump (a file or pg_dump's directory format) with the one-time keys' data
#   dump-agent.sh restore-db D    recreate the database (UTF8, C locale, from template0) and restore dump D into it
# Connection: PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD from the container's environment.
set -u
. "$(dirname "$0")/common.sh"
OTK=${BACKUP_ONE_TIME_KEYS_TABLE:-e2e_one_time_keys_json}

sql() { psql -X -A -t -q -v ON_ERROR_STOP=1 "$@"; }
client_major() { pg_dump --version | sed -n 's/^pg_dump (PostgreSQL) \([0-9][0-9]*\).*/\1/p'; }

# "tables users rooms events media" of the database (0 for a table Synapse has not created).
contents() {
  tables=$(sql -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") || return 1
  counts=""
  for table in users rooms events local_media_repository; do
    if [ "$(sql -c "SELECT to_regclass('public.$table') IS NOT NULL")" = t ]; then
      counts="$counts $(sql -c "SELECT count(*) FROM $table")" || return 1
    else
      counts="$counts 0"
    fi
  done
  echo "$tables$counts"
}

# The server's version, asked again for a while (BACKUP_DB_WAIT seconds, 90 by default) while PostgreSQL cannot be
# reached yet: on a new Docker host `pulumi up` starts the backup's containers before PostgreSQL (the backup before
# an upgrade runs in them), and the scheduler's first run must find a server that is still starting, not fail.
server_version() {
  waited=0
  while ! sql -c 'SHOW server_version_num' 2>"$WORK/probe.err"; do
    grep -q -i -e "could not connect" -e "could not translate host name" -e "connection refused" \
      -e "starting up" -e "shutting down" -e "server closed the connection" "$WORK/probe.err" || return 1
    [ "$waited" -lt "${BACKUP_DB_WAIT:-90}" ] || return 1
    sleep 2
    waited=$((waited + 2))
  done
}

probe() {
  client=$(client_major)
  if ! server=$(server_version); then
    echo "status=failed"
    echo "message=cannot reach PostgreSQL at ${PGHOST:-?}:${PGPORT:-5432} as ${PGUSER:-?}: $(tail_of "$WORK/probe.err" 2)"
    return 1
  fi
  # shellcheck disable=SC2046 # the counts are split into the positional parameters on purpose
  set -- $(contents)
  echo "status=ok"
  echo "client_major=$client"
  echo "server_major=$((server / 10000))"
  echo "tables=$1"
  echo "users=$2"
  echo "rooms=$3"
  echo "events=$4"
  echo "local_media=$5"
}

# Refuses a dump whose table of contents holds the one-time keys' data.
check_dump() {
  if ! pg_restore -l "$1" >"$WORK/dump.toc" 2>"$WORK/dump.err"; then
    echo "status=failed"
    echo "message=pg_restore cannot read the dump $1: $(tail_of "$WORK/dump.err" 2)"
    return 1
  fi
  if grep -q " TABLE DATA [^ ]* $OTK " "$WORK/dump.toc"; then
    echo "status=refused"
    echo "message=the dump holds the data of $OTK: restored, used one-time keys would be handed out again and clients would fail to decrypt (Synapse docs, backups.md); dump with --exclude-table-data $OTK"
    return 1
  fi
  return 0
}

# One dump into the work volume. Result lines on stdout: status=ok|empty|refused|failed and what was measured.
dump_once() {
  mkdir -p "$DUMP_DIR"
  probe >"$WORK/probe.out" || {
    cat "$WORK/probe.out"
    return 1
  }
  client=$(sed -n 's/^client_major=//p' "$WORK/probe.out")
  server=$(sed -n 's/^server_major=//p' "$WORK/probe.out")
  users=$(sed -n 's/^users=//p' "$WORK/probe.out")
  events=$(sed -n 's/^events=//p' "$WORK/probe.out")
  echo "client_major=$client"
  echo "server_major=$server"
  echo "users=$users"
  echo "events=$events"
  if [ -z "$client" ] || [ "$client" != "$server" ]; then
    echo "status=refused"
    echo "message=the dump client is pg_dump ${client:-of unknown version} but the server is PostgreSQL $server: a dump must be made by a client of the server's own major version; run the dump container from the server's image (images.postgres) and check that both containers run it"
    return 1
  fi
  if [ "$users" = 0 ] && [ "$events" = 0 ]; then
    echo "status=empty"
    echo "message=the database holds no users and no events yet (a new server, or one waiting for ./fleet restore): nothing to back up"
    return 0
  fi
  rm -rf "$DUMP_DIR/synapse.dump" "$DUMP_DIR/synapse.dump.tmp"
  # Synapse's command (backups.md) in pg_dump's directory format, uncompressed: a file per table, so restic stores
  # a table that did not change once and compresses the rest itself (a -Fc file, compressed as a whole, changes
  # entirely with any row and was stored again in full by every backup).
  if ! pg_dump -Fd -Z0 --exclude-table-data "$OTK" -f "$DUMP_DIR/synapse.dump.tmp" 2>"$WORK/dump.err"; then
    echo "status=failed"
    echo "message=pg_dump failed: $(tail_of "$WORK/dump.err" 3)"
    rm -rf "$DUMP_DIR/synapse.dump.tmp"
    return 1
  fi
  if ! check_dump "$DUMP_DIR/synapse.dump.tmp"; then
    rm -rf "$DUMP_DIR/synapse.dump.tmp"
    return 1
  fi
  mv -f "$DUMP_DIR/synapse.dump.tmp" "$DUMP_DIR/synapse.dump"
  echo "bytes=$(find "$DUMP_DIR/synapse.dump" -type f -exec stat -c %s {} + | awk '{ s += $1 } END { print s + 0 }')"
  echo "status=ok"
}

# Waits for the backup container's requests; each gets one result file named after it. Bounded per request by
# the backup container's own wait; the loop itself ends only with the container (TERM is answered at once).
serve() {
  trap 'exit 0' TERM INT
  mkdir -p "$DUMP_DIR"
  log "dump agent: PostgreSQL client $(client_major), waiting for requests in $DUMP_DIR"
  while :; do
    touch "$DUMP_DIR/agent-heartbeat"
    if [ -s "$DUMP_DIR/request" ]; then
      id=$(cat "$DUMP_DIR/request")
      rm -f "$DUMP_DIR/request"
      log "dump agent: request $id"
      # In the background, so the heartbeat stays fresh during a long dump.
      (dump_once | write_atomically "$DUMP_DIR/result-$id") &
      dumping=$!
      while kill -0 "$dumping" 2>/dev/null; do
        touch "$DUMP_DIR/agent-heartbeat"
        sleep 1 &
        wait $!
      done
      wait "$dumping" || true
      log "dump agent: request $id: $(sed -n 's/^status=//p' "$DUMP_DIR/result-$id")"
    fi
    sleep 1 &
    wait $!
  done
}

# Drops and recreates the database exactly as Synapse's docs say (postgres.md "Set up database"), then restores
# the dump into it in one transaction; the one-time keys' data is left out even when a dump holds it (flagged).
restore_db() {
  dump=$1
  db=${PGDATABASE:?}
  owner=${PGUSER:?}
  [ -s "$dump/toc.dat" ] || {
    echo "status=failed"
    echo "message=no dump at $dump (pg_dump's directory format: no toc.dat)"
    return 1
  }
  pg_restore -l "$dump" >"$WORK/restore.toc" 2>"$WORK/restore.err" || {
    echo "status=failed"
    echo "message=pg_restore cannot read the dump: $(tail_of "$WORK/restore.err" 2)"
    return 1
  }
  list=""
  if grep -q " TABLE DATA [^ ]* $OTK " "$WORK/restore.toc"; then
    grep -v " TABLE DATA [^ ]* $OTK " "$WORK/restore.toc" >"$WORK/restore.list"
    list="-L $WORK/restore.list"
    echo "flagged=the dump held the data of $OTK; it was left out"
  fi
  sql -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db' AND pid <> pg_backend_pid()" >/dev/null
  if ! { dropdb --if-exists --maintenance-db=postgres "$db" &&
    createdb --maintenance-db=postgres --encoding=UTF8 --locale=C --template=template0 --owner="$owner" "$db"; } 2>"$WORK/restore.err"; then
    echo "status=failed"
    echo "message=recreating database $db failed: $(tail_of "$WORK/restore.err" 2)"
    return 1
  fi
  # shellcheck disable=SC2086
  if ! pg_restore --exit-on-error --single-transaction --no-owner --role="$owner" -d "$db" $list "$dump" 2>"$WORK/restore.err"; then
    echo "status=failed"
    echo "message=pg_restore failed (nothing was restored: one transaction): $(tail_of "$WORK/restore.err" 3)"
    return 1
  fi
  sql -c "TRUNCATE $OTK" >/dev/null 2>&1 || true
  sql -c "ANALYZE" >/dev/null
  echo "encoding=$(sql -c "SELECT pg_encoding_to_char(encoding) || ' ' || datcollate || ' ' || datctype FROM pg_database WHERE datname = '$db'")"
  # shellcheck disable=SC2046 # the counts are split into the positional parameters on purpose
  set -- $(contents)
  echo "users=$2"
  echo "rooms=$3"
  echo "events=$4"
  echo "status=ok"
}

case "${1:-serve}" in
  serve) serve ;;
  dump-once) dump_once ;;
  probe) probe ;;
  check-dump) check_dump "${2:?dump file}" && echo "status=ok" ;;
  restore-db) restore_db "${2:?dump file}" ;;
  *)
    echo "usage: dump-agent.sh serve|dump-once|probe|check-dump <file>|restore-db <file>" >&2
    exit 2
    ;;
esac
