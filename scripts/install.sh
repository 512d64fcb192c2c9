#!/bin/sh
# Installs medallion-edge as a systemd service from this checkout:
#   sudo scripts/install.sh
# Copies the built program to /opt/medallion-edge, creates the medallion-edge user, writes
# /etc/medallion-edge/config.json from the default (once; an existing one is kept) with the data
# under /var/lib/medallion-edge and anonymous MQTT off, then enables and starts the unit.
set -eu
PREFIX=/opt/medallion-edge
ETC=/etc/medallion-edge
here=$(cd "$(dirname "$0")/.." && pwd)

[ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root (sudo)" >&2; exit 1; }
command -v node >/dev/null || { echo "install.sh: node (>= 20) is not installed" >&2; exit 1; }

cd "$here"
npm ci && npm run build

id medallion-edge >/dev/null 2>&1 || useradd --system --home-dir /var/lib/medallion-edge --shell /usr/sbin/nologin medallion-edge
mkdir -p "$PREFIX" "$ETC"
rm -rf "$PREFIX/dist"
cp -r package.json package-lock.json dist config README.md "$PREFIX"/
# Runtime dependencies only; better-sqlite3 builds its native module (no prebuilt download).
(cd "$PREFIX" && npm ci --omit=dev --ignore-scripts && npm rebuild better-sqlite3)
if [ ! -f "$ETC/config.json" ]; then
  node -e '
    const c = require(process.argv[1]);
    delete c.$comment;
    c.dataDir = "/var/lib/medallion-edge";
    c.mqtt.allowAnonymous = false;
    process.stdout.write(JSON.stringify(c, null, 2) + "\n");
  ' "$PREFIX/config/default.json" > "$ETC/config.json"
  chmod 0640 "$ETC/config.json"
  chgrp medallion-edge "$ETC/config.json"
fi
install -m 0644 systemd/medallion-edge.service /etc/systemd/system/medallion-edge.service
systemctl daemon-reload
systemctl enable --now medallion-edge.service
echo "medallion-edge installed; add devices with:"
echo "  sudo -u medallion-edge node $PREFIX/dist/cli/main.js devices add DEVICE_ID --config $ETC/config.json"
