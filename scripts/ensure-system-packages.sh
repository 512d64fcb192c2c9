#!/bin/sh
# Installs the Debian packages the tests (or, with "bench", the benchmarks) drive as real peers,
# when they are missing: mosquitto_pub/mosquitto_sub (a client nobody here wrote), openssl (TLS
# test certificates), curl (HTTPS checked as an operator would), with "soak" fuse3 and python3-fusepy (the power cut), chromium (the staff page, driven by playwright-core), promtool (from
# prometheus: checks /metrics as Prometheus would), and the mosquitto broker for benchmarks. Runs from `npm test` so that a
# fresh machine needs only the README's two commands.
set -eu
need="mosquitto_pub:mosquitto-clients openssl:openssl curl:curl chromium:chromium promtool:prometheus"
[ "${1:-}" = "bench" ] && need="$need mosquitto:mosquitto"
# The soaks' power cut: a FUSE passthrough in Python (test/soak/power-cut/cutfs.py).
[ "${1:-}" = "soak" ] && need="$need fusermount3:fuse3"
missing=""
for pair in $need; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${pair%%:*}" ] || missing="$missing ${pair#*:}"
done
[ "${1:-}" = "soak" ] && { /usr/bin/python3 -c 'import fusepy' >/dev/null 2>&1 || missing="$missing python3-fusepy"; }
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages:$missing; install them with: sudo apt-get install -y$missing" >&2
  exit 1
fi
echo "installing Debian packages:$missing" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
