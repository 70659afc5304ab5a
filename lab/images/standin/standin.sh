#!/bin/sh
# Records the environment and the role's uploaded files, then serves the role's port with busybox httpd.
set -e
mkdir -p /received /srv/www
env | sort >/received/env
case "$STANDIN_ROLE" in
  element-web) port=80 root=/app ;;            # config.json at /app/config.json
  ketesa) port=8080 root=/var/public ;;         # config.json at /var/public/config.json, /health
  lk-jwt) port=8080 root=/srv/www ;;            # /healthz
  jitsi-web) port=8000 root=/srv/www ;;
  *) port=8080 root=/srv/www ;;                 # prosody, jicofo, jvb: nothing is asked of them here
esac
mkdir -p "$root"
echo ok >"$root/health"
echo ok >"$root/healthz"
ls -la "$root" >/received/files 2>&1 || true
exec busybox httpd -f -p "$port" -h "$root"
