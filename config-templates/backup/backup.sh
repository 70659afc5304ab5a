#!/bin/sh
# matrix-fleet backups: one backup of the stack, now. Run by the scheduler, by `./fleet backup` (docker exec) and by
# `pulumi up` before it replaces Synapse or PostgreSQL with another image (components/pre-upgrade-backup.ts).
#   backup.sh [manual|scheduled|pre-upgrade]
# The database is dumped first (by the dump container, the server's own PostgreSQL image; pg_dump's directory
# format, one file per table, so restic stores unchanged tables once), then the dump, the
# signing key, the local media and thumbnails, Synapse's config and the Jitsi stores go into one restic snapshot
# with a manifest (sha256 of every file, no secret). Then the retention policy. One JSON line on stdout says what
# happened; the status file (status.json on the work volume) keeps the last success and the last failure.
# A pre-upgrade snapshot is tagged apart (matrix-fleet-pre-upgrade): the daily retention never forgets it, its own
# keeps the last BACKUP_PRE_UPGRADE_KEEP; its run names the Synapse image that made the data (BACKUP_SYNAPSE_IMAGE)
# and the upgrade (BACKUP_UPGRADE), and the status file keeps the last one (lastPreUpgrade: ./fleet rollback reads it).
# Exit 0: a snapshot was made, or there was nothing to back up yet; 1: the backup failed (the message says why).
set -u
. "$(dirname "$0")/common.sh"
trigger=${1:-manual}
case $trigger in
  manual | scheduled) TAG=matrix-fleet KEEP=$BACKUP_KEEP ;;
  pre-upgrade) TAG=matrix-fleet-pre-upgrade KEEP="--keep-last ${BACKUP_PRE_UPGRADE_KEEP:-3}" ;;
  *)
    echo "usage: backup.sh [manual|scheduled|pre-upgrade]" >&2
    exit 2
    ;;
esac
LABEL=${BACKUP_REPOSITORY_LABEL:-$RESTIC_REPOSITORY}
mkdir -p "$STATUS_DIR" "$SNAPSHOT_DIR" "$DUMP_DIR"
started=$(now)

# Records the run's outcome: the status file, one JSON line on stdout, the exit code.
finish() {
  outcome=$1
  detail=$2
  at=$(now)
  upgrade=""
  [ "$trigger" != pre-upgrade ] ||
    upgrade="\"synapseImage\":$(json "${BACKUP_SYNAPSE_IMAGE:-}"),\"upgrade\":$(json "${BACKUP_UPGRADE:-}"),"
  run="{\"at\":\"$(iso "$at")\",\"epoch\":$at,\"trigger\":\"$trigger\",\"outcome\":\"$outcome\",\"seconds\":$((at - started)),$upgrade$detail}"
  printf '%s\n' "$run" | write_atomically "$STATUS_DIR/last-run.json"
  # A run that made a snapshot is a success for the snapshot's age even when its retention failed afterwards.
  case $outcome:$detail in
    success:* | failure:*'"snapshot":'*) printf '%s\n' "$run" | write_atomically "$STATUS_DIR/last-success.json" ;;
  esac
  [ "$outcome" != failure ] || printf '%s\n' "$run" | write_atomically "$STATUS_DIR/last-failure.json"
  [ "$trigger:$outcome" != pre-upgrade:success ] || printf '%s\n' "$run" | write_atomically "$STATUS_DIR/last-pre-upgrade.json"
  part() { if [ -s "$STATUS_DIR/$1.json" ]; then cat "$STATUS_DIR/$1.json"; else printf 'null'; fi; }
  {
    printf '{"format":1,"stack":%s,"serverName":%s,"schedule":%s,"repository":%s,' \
      "$(json "$BACKUP_STACK")" "$(json "$BACKUP_SERVER_NAME")" "$(json "$BACKUP_SCHEDULE")" "$(json "$LABEL")"
    printf '"lastRun":%s,"lastSuccess":%s,"lastFailure":%s,"lastPreUpgrade":%s}\n' \
      "$(part last-run)" "$(part last-success)" "$(part last-failure)" "$(part last-pre-upgrade)"
  } | write_atomically "$WORK/status.json"
  printf '%s\n' "$run"
  rm -rf "$DUMP_DIR/synapse.dump" "$SNAPSHOT_DIR/synapse.dump"
  [ "$outcome" != failure ]
  exit $?
}
fail() {
  log "backup failed: $1"
  finish failure "\"error\":$(json "$1")"
}

# restic's error output, said in the operator's terms where the cause is known.
explain() {
  if grep -q "no space left on device" "$1"; then
    echo "the backup target is full (no space left on device at $LABEL): free space there or set backup.repository to a larger target"
  elif grep -q -i -e "read-only file system" -e "permission denied" "$1"; then
    echo "the backup target is not writable ($LABEL: $(grep -o -i -e 'read-only file system' -e 'permission denied' "$1" | head -n 1)): make it writable for root in the backup container, or set backup.repository elsewhere"
  elif grep -q "wrong password or no key found" "$1"; then
    echo "the repository at $LABEL does not open with this stack's backup password (restic: wrong password or no key found): it was made with another one. Restore the Pulumi state that made it, or set the old password: pulumi config set --secret --path adoptedSecrets.backup_password --stack $BACKUP_STACK (value on stdin)"
  else
    echo "restic: $(tail_of "$1" 3)"
  fi
}

# Opens the repository. A missing one is made only once there is something to put in it (init_repository).
ensure_repository() {
  case $RESTIC_REPOSITORY in
    /*) mkdir -p "$RESTIC_REPOSITORY" 2>"$WORK/restic.err" || fail "$(explain "$WORK/restic.err")" ;;
  esac
  NEEDS_INIT=0
  restic cat config >/dev/null 2>"$WORK/restic.err" && return 0
  if ! grep -q "Is there a repository at the following location" "$WORK/restic.err"; then
    why=$(explain "$WORK/restic.err")
    case $why in restic:*) why="the repository at $LABEL cannot be opened: $why" ;; esac
    fail "$why"
  fi
  NEEDS_INIT=1
}

init_repository() {
  [ "$NEEDS_INIT" = 1 ] || return 0
  log "no repository at $LABEL yet: restic init"
  restic init --repository-version 2 >/dev/null 2>"$WORK/restic.err" ||
    fail "restic init at $LABEL failed: $(explain "$WORK/restic.err")"
}

# Asks the dump container for a dump (the work volume's dump/request) and waits for its result, bounded.
request_dump() {
  [ "$(age_of "$DUMP_DIR/agent-heartbeat")" -lt 60 ] ||
    fail "the dump container (matrix-$BACKUP_STACK-backup-dump) is not running: its heartbeat is older than 60 s; docker start matrix-$BACKUP_STACK-backup-dump, or pulumi up --stack $BACKUP_STACK"
  id="$(now)-$$"
  rm -f "$DUMP_DIR"/result-*
  printf '%s\n' "$id" | write_atomically "$DUMP_DIR/request"
  waited=0
  while [ ! -e "$DUMP_DIR/result-$id" ]; do
    [ "$waited" -lt "${BACKUP_DUMP_TIMEOUT:-1800}" ] ||
      fail "the dump container did not answer within ${BACKUP_DUMP_TIMEOUT:-1800} s"
    sleep 1
    waited=$((waited + 1))
  done
  RESULT="$DUMP_DIR/result-$id"
}
result() { sed -n "s/^$1=//p" "$RESULT" | head -n 1; }

# The files of the snapshot, one path a line (directories are taken whole).
backup_set() {
  echo "$SNAPSHOT_DIR/synapse.dump"
  echo "$BACKUP_SIGNING_KEY"
  for dir in local_content local_thumbnails; do
    [ ! -d "$BACKUP_MEDIA_STORE/$dir" ] || echo "$BACKUP_MEDIA_STORE/$dir"
  done
  echo "$BACKUP_CONFIG_DIR"
  for store in ${BACKUP_EXTRA_STORES:-}; do echo "$store"; done
}

# manifest.json (sha256, size and path of every file; the signing key's public id) and SHA256SUMS beside it.
write_manifest() {
  backup_set | grep -v -e '^$' >"$SNAPSHOT_DIR/paths"
  while IFS= read -r path; do find "$path" -type f; done <"$SNAPSHOT_DIR/paths" >"$SNAPSHOT_DIR/files"
  tr '\n' '\0' <"$SNAPSHOT_DIR/files" | xargs -0 -r sha256sum >"$SNAPSHOT_DIR/SHA256SUMS"
  tr '\n' '\0' <"$SNAPSHOT_DIR/files" | xargs -0 -r stat -c '%s %n' >"$SNAPSHOT_DIR/sizes"
  key_id=$(awk 'NR == 1 { print $1 ":" $2 }' "$BACKUP_SIGNING_KEY")
  {
    printf '{"format":1,"stack":%s,"serverName":%s,"created":"%s","signingKeyId":%s,' \
      "$(json "$BACKUP_STACK")" "$(json "$BACKUP_SERVER_NAME")" "$(iso "$started")" "$(json "$key_id")"
    printf '"postgres":{"clientMajor":%s,"serverMajor":%s},' "$(result client_major)" "$(result server_major)"
    printf '"database":{"name":%s,"user":%s,"oneTimeKeysExcluded":true},"files":[' \
      "$(json "$BACKUP_DB_NAME")" "$(json "$BACKUP_DB_USER")"
    awk 'NR == FNR { size[substr($0, index($0, " ") + 1)] = $1; next }
      { path = substr($0, 67); gsub(/\\/, "\\\\", path); gsub(/"/, "\\\"", path)
        printf "%s{\"path\":\"%s\",\"size\":%d,\"sha256\":\"%s\"}", (n++ ? "," : ""), path, size[substr($0, 67)], $1 }' \
      "$SNAPSHOT_DIR/sizes" "$SNAPSHOT_DIR/SHA256SUMS"
    printf ']}\n'
  } >"$SNAPSHOT_DIR/manifest.json"
  echo "$SNAPSHOT_DIR/manifest.json" >>"$SNAPSHOT_DIR/paths"
  echo "$SNAPSHOT_DIR/SHA256SUMS" >>"$SNAPSHOT_DIR/paths"
}

take_lock || fail "another backup held the lock for 10 minutes"
! restore_in_progress || fail "a restore is in progress on this stack (./fleet restore); backups wait until it is done"
ensure_repository
request_dump
case $(result status) in
  ok) ;;
  empty) finish skipped "\"reason\":$(json "$(result message)")" ;;
  *) fail "$(result message)" ;;
esac
rm -rf "$SNAPSHOT_DIR/synapse.dump"
mv -f "$DUMP_DIR/synapse.dump" "$SNAPSHOT_DIR/synapse.dump"
init_repository
[ -s "$BACKUP_SIGNING_KEY" ] ||
  fail "there is no signing key at $BACKUP_SIGNING_KEY (Synapse's signing_key_path, mounted from its data store): a snapshot without it cannot bring the server back with its own identity"
write_manifest
log "restic backup of $(wc -l <"$SNAPSHOT_DIR/files") files to $LABEL"
restic backup --json --host "$BACKUP_STACK" --tag "$TAG" --files-from-verbatim "$SNAPSHOT_DIR/paths" \
  >"$WORK/restic.out" 2>"$WORK/restic.err" || fail "restic backup failed: $(explain "$WORK/restic.err")"
summary=$(grep '"message_type":"summary"' "$WORK/restic.out" | tail -n 1)
field() { printf '%s' "$summary" | sed -n "s/.*\"$1\":\"\{0,1\}\([0-9a-f.]*\).*/\1/p"; }
snapshot=$(field snapshot_id)
[ -n "$snapshot" ] || fail "restic backup printed no snapshot id: $(tail_of "$WORK/restic.err" 2)"
made="\"snapshot\":\"$snapshot\",\"dataAdded\":$(field data_added),\"totalBytes\":$(field total_bytes_processed),\"files\":$(field total_files_processed),\"dumpBytes\":$(result bytes),\"signingKeyId\":$(json "$key_id")"
# shellcheck disable=SC2086
if ! restic forget --host "$BACKUP_STACK" --tag "$TAG" $KEEP --prune >"$WORK/forget.out" 2>"$WORK/restic.err"; then
  log "retention failed: $(tail_of "$WORK/restic.err" 3)"
  finish failure "$made,\"error\":$(json "snapshot $snapshot was made, but the retention policy failed (the repository keeps growing): $(explain "$WORK/restic.err")")"
fi
finish success "$made"
