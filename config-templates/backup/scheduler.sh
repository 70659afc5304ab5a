#!/bin/sh
# matrix-fleet backups: the backup container's main process. Runs backup.sh on the schedule (daily at a UTC time,
# or every N seconds), and once at start when the last successful backup is older than one period or there is
# none (a host that was down at backup time catches up). Each run is bounded by BACKUP_RUN_TIMEOUT and runs in the
# background; the loop sleeps at most 10 s at a time, touches a heartbeat for the container's healthcheck (also
# during a long run) and ends on TERM at once.
set -u
. "$(dirname "$0")/common.sh"
trap 'exit 0' TERM INT
mkdir -p "$STATUS_DIR"
every=${BACKUP_EVERY_SECONDS:-0}
daily=${BACKUP_DAILY_SECONDS:-12600}
period=$every
[ "$every" -gt 0 ] || period=86400

next_due() {
  t=$(now)
  if [ "$every" -gt 0 ]; then
    echo $((t + every))
  else
    due=$((t - t % 86400 + daily))
    [ "$due" -gt "$t" ] || due=$((due + 86400))
    echo "$due"
  fi
}

last_success=$(sed -n 's/.*"epoch":\([0-9]*\).*/\1/p' "$STATUS_DIR/last-success.json" 2>/dev/null | head -n 1)
if [ -z "$last_success" ] || [ $(($(now) - last_success)) -ge "$period" ]; then
  due=$(($(now) + 5))
  log "scheduler: no backup within the last $period s: the first runs now"
else
  due=$(next_due)
fi
log "scheduler: $BACKUP_SCHEDULE; next backup at $(iso "$due")"
# A run goes on in the background while the loop keeps the heartbeat fresh (a long backup is not a dead container).
running=""
while :; do
  touch "$WORK/scheduler-heartbeat"
  if [ -n "$running" ] && ! kill -0 "$running" 2>/dev/null; then
    wait "$running" || log "scheduler: the backup failed (status.json says why)"
    running=""
    due=$(next_due)
    log "scheduler: next backup at $(iso "$due")"
  fi
  if [ -z "$running" ] && [ "$(now)" -ge "$due" ]; then
    timeout "${BACKUP_RUN_TIMEOUT:-14400}" sh "$(dirname "$0")/backup.sh" scheduled >/dev/null 2>>"$WORK/backup.log" &
    running=$!
  fi
  left=$((due - $(now)))
  [ "$left" -le 10 ] || left=10
  [ "$left" -ge 1 ] || left=1
  sleep "$left" &
  wait $!
done
