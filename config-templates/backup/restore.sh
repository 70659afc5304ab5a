#!/bin/sh
# matrix-fleet backups: the backup container's half of `./fleet restore` (the tool runs each step with docker exec,
# judges what it prints and stops Synapse around the restore).
#   restore.sh snapshots          the stack's snapshots (restic snapshots --json)
#   restore.sh manifest <id>      the snapshot's manifest.json
#   restore.sh probe              what the state stores hold now (key=value lines)
#   restore.sh begin | end        mark the work volume as restoring (backups wait) / clear the mark
#   restore.sh fetch <id> [replace]   restore the snapshot's stores in place and its dump into the work volume,
#                                 then check every file against the snapshot's SHA256SUMS
set -u
. "$(dirname "$0")/common.sh"
STORES=${BACKUP_STORES_DIR:-/stores}
mkdir -p "$SNAPSHOT_DIR"

explain() {
  if grep -q "wrong password or no key found" "$1"; then
    echo "the repository at ${BACKUP_REPOSITORY_LABEL:-$RESTIC_REPOSITORY} does not open with this stack's backup password (restic: wrong password or no key found). Restore the Pulumi state that made the backups, or set their password: pulumi config set --secret --path adoptedSecrets.backup_password --stack $BACKUP_STACK (value on stdin), then pulumi up"
  else
    echo "restic: $(tail_of "$1" 3)"
  fi
}

run_restic() {
  restic "$@" 2>"$WORK/restic.err" || {
    echo "error=$(explain "$WORK/restic.err")"
    exit 1
  }
}

count_files() { if [ -d "$1" ]; then find "$1" -type f | wc -l; else echo 0; fi; }

case "${1:-}" in
  # The regular snapshots and those taken before an upgrade (restic: several --tag, any of them).
  snapshots) run_restic snapshots --json --host "$BACKUP_STACK" --tag matrix-fleet --tag matrix-fleet-pre-upgrade ;;
  manifest) run_restic dump "${2:?snapshot}" "$SNAPSHOT_DIR/manifest.json" ;;
  probe)
    echo "signing_key=$(awk 'NR == 1 { print $1 ":" $2 }' "$BACKUP_SIGNING_KEY" 2>/dev/null)"
    echo "local_content=$(count_files "$BACKUP_MEDIA_STORE/local_content")"
    echo "local_thumbnails=$(count_files "$BACKUP_MEDIA_STORE/local_thumbnails")"
    for store in ${BACKUP_EXTRA_STORES:-}; do echo "store $store=$(count_files "$store")"; done
    ;;
  begin) date -u +%s >"$RESTORING" ;;
  end) rm -rf "$RESTORING" "$SNAPSHOT_DIR/synapse.dump" ;;
  fetch)
    id=${2:?snapshot}
    if [ "${3:-}" = replace ]; then
      # What the snapshot brings back replaces what is there: media, and the Jitsi stores' contents.
      rm -rf "$BACKUP_MEDIA_STORE/local_content" "$BACKUP_MEDIA_STORE/local_thumbnails"
      for store in ${BACKUP_EXTRA_STORES:-}; do find "$store" -mindepth 1 -delete; done
    fi
    rm -rf "$SNAPSHOT_DIR/synapse.dump" "$SNAPSHOT_DIR/SHA256SUMS"
    started=$(now)
    run_restic restore "$id" --target / --include "$STORES" --include "$SNAPSHOT_DIR" >"$WORK/restore.out"
    [ -s "$SNAPSHOT_DIR/SHA256SUMS" ] || {
      echo "error=snapshot $id has no SHA256SUMS: it was not made by matrix-fleet's backup"
      exit 1
    }
    # What was restored (the stores and the dump); the snapshot's config files are for reading, not put back.
    grep -e "  $STORES/" -e "  $SNAPSHOT_DIR/" "$SNAPSHOT_DIR/SHA256SUMS" >"$WORK/restore.sums"
    if ! sha256sum -c "$WORK/restore.sums" >"$WORK/restore.check" 2>&1; then
      echo "error=restored files differ from the snapshot's SHA256SUMS: $(grep -v ': OK$' "$WORK/restore.check" | head -n 3 | tr '\n' ' ')"
      exit 1
    fi
    echo "files=$(wc -l <"$WORK/restore.sums")"
    echo "seconds=$(($(now) - started))"
    echo "status=ok"
    ;;
  *)
    echo "usage: restore.sh snapshots|manifest <id>|probe|begin|end|fetch <id> [replace]" >&2
    exit 2
    ;;
esac
