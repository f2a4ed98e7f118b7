#!/bin/sh
# Container health probe: GET /_rampart/health on the loopback address, on the port that
# RAMPART_LISTEN names. With RAMPART_TLS_CERT set that listener speaks HTTPS only, so the
# probe does too, without verifying the certificate (it is our own server, on loopback, and
# the certificate need not name 127.0.0.1). Exit 0 when the server answers 2xx, else 1.
# RAMPART_LISTEN must be a wildcard (0.0.0.0 or [::]) or loopback address for the probe to reach
# it, as the image's default is.
set -eu

listen="${RAMPART_LISTEN:-0.0.0.0:9000}"
port="${listen##*:}"
if [ -n "${RAMPART_TLS_CERT:-}" ]; then
    url="https://127.0.0.1:${port}/_rampart/health"
else
    url="http://127.0.0.1:${port}/_rampart/health"
fi

curl --fail --silent --show-error --insecure --max-time 4 --output /dev/null "$url" || exit 1
