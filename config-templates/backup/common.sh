# shellcheck shell=sh
# matrix-fleet backups: what every backup script shares, in the backup container (restic's image) and in the dump
# container (the stack's PostgreSQL image). POSIX sh only: busybox ash upstream, dash in the lab's stand-ins.
WORK=${BACKUP_WORK:-/work}
# shellcheck disable=SC2034 # used by the scripts that source this file
STATUS_DIR="$WORK/status"
# shellcheck disable=SC2034
SNAPSHOT_DIR="$WORK/snapshot"
# shellcheck disable=SC2034
DUMP_DIR="$WORK/dump"
# A restore marks the work volume for its whole run; backups wait for it (a stale mark older than 2 h is ignored).
RESTORING="$WORK/restoring"

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
now() { date -u +%s; }
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ; }

# A JSON string (with its quotes) of arbitrary text: backslashes and quotes escaped, control characters as spaces.
json() {
  printf '"%s"' "$(printf '%s' "$1" | tr '\n\r\t' '   ' | tr -d '\000-\037' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
}

# The last lines of a tool's error output, on one line, without restic's retry chatter.
tail_of() { grep -v -e '^$' -e 'retrying after' "$1" 2>/dev/null | tail -n "${2:-3}" | tr '\n' ' ' | sed 's/ *$//'; }

# Seconds since a file was last written (a large number when it does not exist).
age_of() {
  if [ -e "$1" ]; then echo $(($(now) - $(stat -c %Y "$1"))); else echo 999999999; fi
}

# Writes a file atomically (readers never see half of it): content on stdin.
write_atomically() {
  cat >"$1.tmp" && mv -f "$1.tmp" "$1"
}

# The work volume's lock (file descriptor 9), waited for at most 10 minutes. busybox's flock has no -w, so the
# wait is a bounded loop of non-blocking tries (util-linux's flock takes the same -n).
take_lock() {
  exec 9>"$WORK/lock"
  waited=0
  while ! flock -n 9; do
    [ "$waited" -lt 600 ] || return 1
    sleep 2
    waited=$((waited + 2))
  done
}

restore_in_progress() {
  [ -e "$RESTORING" ] && [ "$(age_of "$RESTORING")" -lt 7200 ]
}

# An sftp repository: restic's ssh gets the key (from secret config backupCredentials.SSH_PRIVATE_KEY, written only
# readable by root) and the rendered known_hosts through sftp.command (doc/030_preparing_a_new_repo.rst).
if [ -n "${BACKUP_SFTP_COMMAND:-}" ]; then
  if [ -n "${SSH_PRIVATE_KEY:-}" ]; then (umask 077 && printf '%s\n' "$SSH_PRIVATE_KEY" >"$WORK/.sftp-key"); fi
  restic() { command restic -o "sftp.command=$BACKUP_SFTP_COMMAND" "$@"; }
fi
