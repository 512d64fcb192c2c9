#!/bin/sh
# Installs, upgrades or uninstalls medallion-edge as a systemd service, from this checkout.
#
#   sudo scripts/install.sh                 install, or upgrade (restarts a running service)
#   sudo scripts/install.sh --dry-run       print what it would do, change nothing
#   sudo scripts/install.sh --uninstall     remove the program and the unit; keep config and data
#   sudo scripts/install.sh --uninstall --purge   ...and the config, the data and the user
#   scripts/install.sh --root /tmp/r --no-build   into a temporary root (tests): no user, no systemctl
#   sudo scripts/install.sh --node /opt/node-24/bin/node   run the service with that Node.js (default: node on PATH)
#   sudo scripts/install.sh --tls-self-signed   and HTTPS with a self-signed certificate for this host (openssl)
#
# Install: builds the checkout (npm ci, npm run build), copies the program to PREFIX
# (/opt/medallion-edge) with its runtime dependencies only (the checkout's, dev dependencies
# pruned: nothing is downloaded or compiled again), puts `medallion-edge` on PATH
# (/usr/local/bin), writes /etc/medallion-edge/config.json once (data in /var/lib/medallion-edge,
# anonymous MQTT off, central and admin tokens generated and printed once), installs the unit and
# starts it. Running it again upgrades: the program is replaced, config and data are kept, and a
# running service is restarted. The unit and the command run the Node.js found here (22 or 24,
# checked), by its full path: the native modules were built for it, and no other may load them.
set -eu

PREFIX=/opt/medallion-edge
ROOT=
DRY_RUN=0
UNINSTALL=0
PURGE=0
BUILD=1
NODE=
TLS_SELF_SIGNED=0
here=$(cd "$(dirname "$0")/.." && pwd)

usage() { echo "usage: install.sh [--root DIR] [--prefix DIR] [--node PATH] [--tls-self-signed] [--dry-run] [--no-build] [--uninstall [--purge]]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --root) [ $# -ge 2 ] || usage; ROOT=$(cd "$2" 2>/dev/null && pwd) || { echo "install.sh: --root $2: no such directory" >&2; exit 2; }; shift ;;
    --prefix) [ $# -ge 2 ] || usage; PREFIX=$2; shift ;;
    --node) [ $# -ge 2 ] || usage; NODE=$2; shift ;;
    --dry-run) DRY_RUN=1 ;;
    --no-build) BUILD=0 ;;
    --tls-self-signed) TLS_SELF_SIGNED=1 ;;
    --uninstall) UNINSTALL=1 ;;
    --purge) PURGE=1 ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage ;;
  esac
  shift
done
[ "$PURGE" -eq 0 ] || [ "$UNINSTALL" -eq 1 ] || { echo "install.sh: --purge goes with --uninstall" >&2; exit 2; }

# Paths on the target system, and where they are written (under --root for a temporary root).
ETC=/etc/medallion-edge
DATA=/var/lib/medallion-edge
UNIT=/etc/systemd/system/medallion-edge.service
BIN=/usr/local/bin/medallion-edge
REAL_SYSTEM=0
[ -z "$ROOT" ] && REAL_SYSTEM=1
SYSTEMD=0
[ "$REAL_SYSTEM" -eq 1 ] && [ -d /run/systemd/system ] && SYSTEMD=1

say() { echo "install.sh: $*"; }
run() {
  if [ "$DRY_RUN" -eq 1 ]; then echo "would: $*"; else "$@"; fi
}
write() { # write FILE MODE (content on stdin)
  if [ "$DRY_RUN" -eq 1 ]; then echo "would write $1"; cat >/dev/null; return; fi
  mkdir -p "$(dirname "$1")"
  cat > "$1.tmp.$$" && chmod "$2" "$1.tmp.$$" && mv "$1.tmp.$$" "$1"
}

if [ "$REAL_SYSTEM" -eq 1 ] && [ "$DRY_RUN" -eq 0 ] && [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run as root (sudo), or with --root DIR or --dry-run" >&2; exit 1
fi

service_active() { [ "$SYSTEMD" -eq 1 ] && systemctl is-active --quiet medallion-edge.service; }

if [ "$UNINSTALL" -eq 1 ]; then
  if [ "$SYSTEMD" -eq 1 ]; then
    run systemctl disable --now medallion-edge.service || true
  fi
  run rm -f "$ROOT$UNIT" "$ROOT$BIN"
  run rm -rf "$ROOT$PREFIX"
  [ "$SYSTEMD" -eq 1 ] && run systemctl daemon-reload
  if [ "$PURGE" -eq 1 ]; then
    run rm -rf "$ROOT$ETC" "$ROOT$DATA"
    if [ "$REAL_SYSTEM" -eq 1 ] && id medallion-edge >/dev/null 2>&1; then run userdel medallion-edge; fi
    if [ "$DRY_RUN" -eq 1 ]; then say "dry run: nothing was changed; this would uninstall and remove the config, the data and the user"
    else say "uninstalled; config, data and user removed"; fi
  else
    if [ "$DRY_RUN" -eq 1 ]; then say "dry run: nothing was changed; this would uninstall and keep $ETC (config) and $DATA (data)"
    else say "uninstalled; kept $ETC (config) and $DATA (data): --uninstall --purge removes them"; fi
  fi
  exit 0
fi

# The Node.js the service will run: a supported line, by its full path.
SUPPORTED="Node.js 22 or 24 (the LTS lines it is tested on)"
if [ -z "$NODE" ]; then
  NODE=$(command -v node) || { echo "install.sh: no node on PATH: medallion-edge needs $SUPPORTED; install one, or give --node PATH" >&2; exit 1; }
fi
case "$NODE" in /*) ;; *) NODE="$(cd "$(dirname "$NODE")" 2>/dev/null && pwd)/$(basename "$NODE")" ;; esac
NODE_VERSION=$("$NODE" -p 'process.versions.node' 2>/dev/null) || { echo "install.sh: $NODE does not run as Node.js: medallion-edge needs $SUPPORTED" >&2; exit 1; }
case "${NODE_VERSION%%.*}" in
  22|24) ;;
  *) echo "install.sh: found Node.js $NODE_VERSION ($NODE); medallion-edge needs $SUPPORTED: install one, or give --node PATH" >&2; exit 1 ;;
esac
if [ "$REAL_SYSTEM" -eq 1 ]; then
  case "$NODE" in /home/*|/root/*|/run/user/*)
    echo "install.sh: $NODE is under a home directory, which the service cannot see (ProtectHome=yes in the unit, and a user the service is not): install Node.js $NODE_VERSION system-wide (e.g. under /usr/local or /opt) and give --node PATH" >&2; exit 1 ;;
  esac
fi
# npm and node-gyp (npm ci below) build the native modules for this Node: first on PATH, and its
# own headers when it is an official build (else npm's configured nodedir).
PATH="$(dirname "$NODE"):$PATH"
export PATH
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$(dirname "$NODE")/../include/node/node_version.h" ]; then
  npm_config_nodedir=$(cd "$(dirname "$NODE")/.." && pwd)
  export npm_config_nodedir
fi

UPGRADE=0
[ -f "$ROOT$PREFIX/package.json" ] && UPGRADE=1
VERSION=$("$NODE" -p 'require(process.argv[1]).version' "$here/package.json")
if [ "$UPGRADE" -eq 1 ]; then
  say "upgrading $("$NODE" -p 'require(process.argv[1]).version' "$ROOT$PREFIX/package.json") to $VERSION in $ROOT$PREFIX (config and data kept)"
else
  say "installing $VERSION in $ROOT$PREFIX"
fi

if [ "$BUILD" -eq 1 ]; then
  (cd "$here" && run npm ci && run npm run build)
fi
[ "$DRY_RUN" -eq 1 ] || [ -f "$here/dist/cli/main.js" ] || { echo "install.sh: $here is not built (npm run build), and --no-build was given" >&2; exit 1; }
# A native module built for another Node must never reach the service: it would not start.
if [ "$DRY_RUN" -eq 0 ] && ! (cd "$here" && "$NODE" -e 'require("better-sqlite3")' >/dev/null 2>&1); then
  echo "install.sh: the checkout's native modules do not load in Node.js $NODE_VERSION ($NODE), they were built for another: run npm rebuild with it first, or install without --no-build" >&2; exit 1
fi

if [ "$REAL_SYSTEM" -eq 1 ] && ! id medallion-edge >/dev/null 2>&1; then
  run useradd --system --home-dir "$DATA" --shell /usr/sbin/nologin medallion-edge
fi
# The data directory, the service user's (systemd's StateDirectory= would make it at the first
# start; made here, commands such as `devices add` can run before that, and the daemon makes no tree).
if [ ! -d "$ROOT$DATA" ]; then
  run mkdir -p "$ROOT$DATA"
  run chmod 0750 "$ROOT$DATA"
  [ "$REAL_SYSTEM" -eq 1 ] && run chown medallion-edge:medallion-edge "$ROOT$DATA"
fi

# The program: staged next to the old one, then swapped, so a failed copy leaves the old intact.
STAGE="$ROOT$PREFIX.new"
run rm -rf "$STAGE"
run mkdir -p "$STAGE"
run cp -R "$here/package.json" "$here/package-lock.json" "$here/dist" "$here/config" "$here/README.md" "$here/node_modules" "$STAGE/"
# Runtime dependencies only: the checkout's own builds (better-sqlite3, unix-dgram), dev ones pruned.
if [ "$DRY_RUN" -eq 1 ]; then echo "would: npm prune --omit=dev (in $STAGE)"; else (cd "$STAGE" && npm prune --omit=dev --no-audit --no-fund --loglevel=error >/dev/null); fi
run rm -rf "$ROOT$PREFIX.old"
[ -d "$ROOT$PREFIX" ] && run mv "$ROOT$PREFIX" "$ROOT$PREFIX.old"
run mv "$STAGE" "$ROOT$PREFIX"
run rm -rf "$ROOT$PREFIX.old"

# `medallion-edge` on PATH, with the installed config unless told otherwise.
write "$ROOT$BIN" 0755 <<EOF
#!/bin/sh
export MEDALLION_EDGE_CONFIG="\${MEDALLION_EDGE_CONFIG:-$ETC/config.json}"
exec $NODE $PREFIX/dist/cli/main.js "\$@"
EOF

# --tls-self-signed: a key and a certificate for this host, made once (kept at an upgrade), for a
# store without a PKI; the staff's devices and central trust this certificate itself.
TLS_DIR=$ETC/tls
if [ "$TLS_SELF_SIGNED" -eq 1 ]; then
  if [ -f "$ROOT$TLS_DIR/cert.pem" ] && [ -f "$ROOT$TLS_DIR/key.pem" ]; then
    say "kept $TLS_DIR/cert.pem and key.pem"
  else
    command -v openssl >/dev/null || { echo "install.sh: --tls-self-signed needs openssl: apt-get install -y openssl" >&2; exit 1; }
    HOST=$(hostname -f 2>/dev/null || hostname)
    SAN="DNS:$HOST,DNS:localhost,IP:127.0.0.1"
    [ "${HOST%%.*}" != "$HOST" ] && SAN="$SAN,DNS:${HOST%%.*}"
    for ip in $(hostname -I 2>/dev/null); do case "$ip" in *:*) ;; 127.*) ;; *) SAN="$SAN,IP:$ip" ;; esac; done
    run mkdir -p "$ROOT$TLS_DIR"
    # 825 days: the longest validity Apple's devices accept for a server certificate, custom roots included.
    run openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 -subj "/CN=$HOST" \
      -addext "subjectAltName=$SAN" -addext "basicConstraints=critical,CA:FALSE" \
      -addext "keyUsage=critical,digitalSignature" -addext "extendedKeyUsage=serverAuth" \
      -keyout "$ROOT$TLS_DIR/key.pem" -out "$ROOT$TLS_DIR/cert.pem" 2>/dev/null
    run chmod 0640 "$ROOT$TLS_DIR/key.pem"
    [ "$REAL_SYSTEM" -eq 1 ] && run chgrp medallion-edge "$ROOT$TLS_DIR/key.pem"
    say "made a self-signed certificate for $HOST ($SAN), valid 825 days: $TLS_DIR/cert.pem"
  fi
fi

if [ -f "$ROOT$ETC/config.json" ]; then
  say "kept $ETC/config.json"
  if [ "$TLS_SELF_SIGNED" -eq 1 ] && [ "$DRY_RUN" -eq 0 ]; then
    if CONFIG=$("$NODE" -e '
      const c = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
      if (c.http?.tls) process.exit(3);
      c.http = { ...c.http, tls: { certFile: process.argv[2] + "/cert.pem", keyFile: process.argv[2] + "/key.pem" } };
      process.stdout.write(JSON.stringify(c, null, 2) + "\n");
    ' "$ROOT$ETC/config.json" "$TLS_DIR"); then
      printf '%s\n' "$CONFIG" | write "$ROOT$ETC/config.json" 0640
      say "added http.tls (the self-signed certificate) to $ETC/config.json"
    else
      say "kept http.tls of $ETC/config.json as it is"
    fi
  fi
else
  CONFIG=$("$NODE" -e '
    const c = require(process.argv[1]);
    const token = () => require("node:crypto").randomBytes(32).toString("base64url");
    delete c.$comment;
    c.dataDir = process.argv[2];
    c.mqtt.allowAnonymous = false;
    c.http.tokens = { central: token(), admin: token() };
    if (process.argv[3] === "1") c.http.tls = { certFile: process.argv[4] + "/cert.pem", keyFile: process.argv[4] + "/key.pem" };
    process.stdout.write(JSON.stringify(c, null, 2) + "\n");
  ' "$here/config/default.json" "$DATA" "$TLS_SELF_SIGNED" "$TLS_DIR")
  printf '%s\n' "$CONFIG" | write "$ROOT$ETC/config.json" 0640
  [ "$REAL_SYSTEM" -eq 1 ] && run chgrp medallion-edge "$ROOT$ETC/config.json"
  if [ "$DRY_RUN" -eq 0 ]; then
    printf '%s\n' "$CONFIG" | "$NODE" -e '
      let text = ""; process.stdin.on("data", (d) => (text += d)).on("end", () => {
        const t = JSON.parse(text).http.tokens;
        console.log("HTTP tokens (shown once; they are in " + process.argv[1] + "):");
        console.log("  central (pull, snapshots, gold tables): " + t.central);
        console.log("  admin   (everything):                  " + t.admin);
        console.log("  staff:  none: the staff page is open on the store network (set http.tokens.staff to close it)");
      })' "$ETC/config.json"
  fi
fi

sed -e "s#/opt/medallion-edge#$PREFIX#g" -e "s#^ExecStart=/usr/bin/node #ExecStart=$NODE #" "$here/systemd/medallion-edge.service" | write "$ROOT$UNIT" 0644
if [ "$SYSTEMD" -eq 1 ]; then
  run systemctl daemon-reload
  if [ "$UPGRADE" -eq 1 ] && service_active; then
    run systemctl restart medallion-edge.service
    say "restarted the running service on $VERSION"
  else
    run systemctl enable --now medallion-edge.service
  fi
elif [ "$DRY_RUN" -eq 0 ]; then
  say "no systemd here (a temporary root or a container): the unit is in place, not started"
fi
if [ "$TLS_SELF_SIGNED" -eq 1 ] && [ "$DRY_RUN" -eq 0 ]; then
  FINGERPRINT=$(openssl x509 -in "$ROOT$TLS_DIR/cert.pem" -noout -fingerprint -sha256 | sed 's/^.*=//')
  say "HTTPS uses the self-signed certificate $TLS_DIR/cert.pem (SHA-256 fingerprint $FINGERPRINT)"
  say "  trust that file on the store's devices, and give it to central as pull.caFile (docs/operations.md, \"HTTPS\")"
fi
if [ "$DRY_RUN" -eq 1 ]; then
  say "dry run: nothing was changed; without --dry-run this installs $VERSION to run on Node.js $NODE_VERSION ($NODE)"
else
  say "done: $VERSION on Node.js $NODE_VERSION ($NODE). Add devices with: medallion-edge devices add DEVICE_ID --store STORE_ID"
fi
