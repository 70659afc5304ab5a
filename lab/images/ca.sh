#!/usr/bin/env bash
# The Docker lab's private CA, made once per machine and kept in the cache (the lab images trust it, so it must
# outlive a run): prints the directory holding ca.pem and ca.key. Only lab certificates are ever signed with it.
set -euo pipefail
DIR="${MATRIX_FLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/matrix-fleet}/lab-ca"
if [ ! -f "$DIR/ca.pem" ] || ! openssl x509 -in "$DIR/ca.pem" -noout -checkend 2592000 >/dev/null 2>&1; then
  mkdir -p "$DIR"
  chmod 700 "$DIR"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$DIR/ca.key" -out "$DIR/ca.pem" -days 3650 \
    -subj "/CN=matrix-fleet Docker lab CA" >/dev/null 2>&1
  echo "lab-images: made the lab CA in $DIR" >&2
fi
echo "$DIR"
