#!/bin/sh
# The lab's own implementation of the coturn image's entrypoint contract: options become turnserver's arguments.
set -e
case "$1" in -*) set -- turnserver "$@" ;; esac
exec "$@"
