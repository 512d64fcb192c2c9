#!/bin/sh
# Runs a command under a pinned official Node.js build, so the suite runs on the supported lines
# (24, the active LTS, and 22) on a machine whose own Node is another one.
#
#   scripts/with-node.sh 24 npm install      # any command: npm, node, sh -c '...'
#   scripts/with-node.sh 22 npm test
#
# The build comes from the npm registry (the package node-linux-<arch>@VERSION: the official
# binary with its headers), verified by npm against the registry's integrity hash and unpacked
# once into .cache/node/VERSION (git ignores .cache/). It goes first on PATH, and
# npm_config_nodedir points node-gyp at its headers, so native modules compile for it without
# downloading anything. A native module built for one Node must never be loaded by another:
# before the command runs, every native module in node_modules is loaded by this Node, and the
# modules are rebuilt when one refuses (a NODE_MODULE_VERSION of another Node).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)

# The pinned builds; upgrade a line by changing its version here.
case "${1:-}" in
  24) version=24.22.3 ;;
  22) version=22.23.5 ;;
  *) echo "usage: with-node.sh 24|22 COMMAND [ARG...] (the supported Node.js lines)" >&2; exit 2 ;;
esac
shift
[ $# -gt 0 ] || { echo "usage: with-node.sh 24|22 COMMAND [ARG...]: no command given" >&2; exit 2; }

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  armv7l) arch=armv7l ;;
  *) echo "with-node.sh: no official Node.js build for $(uname -m)" >&2; exit 1 ;;
esac

home="$here/.cache/node/$version-$arch"
if [ ! -x "$home/bin/node" ]; then
  echo "with-node.sh: fetching Node.js $version ($arch) from the npm registry" >&2
  mkdir -p "$here/.cache"
  work=$(mktemp -d "$here/.cache/node-fetch.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "node-linux-$arch@$version" >/dev/null) || {
    echo "with-node.sh: could not fetch node-linux-$arch@$version from the npm registry" >&2; exit 1; }
  tar -xzf "$work"/node-linux-*.tgz -C "$work"
  mkdir -p "$(dirname "$home")"
  rm -rf "$home" && mv "$work/package" "$home"
  rm -rf "$work"
  trap - EXIT
fi

PATH="$home/bin:$PATH"
npm_config_nodedir="$home"
export PATH npm_config_nodedir

# Native modules (a build/Release/*.node file) that this Node cannot load are rebuilt for it.
if [ -d "$here/node_modules" ]; then
  stale=$(cd "$here" && node -e '
    const { readdirSync, existsSync } = require("node:fs");
    const { join } = require("node:path");
    const stale = [];
    for (const name of readdirSync("node_modules")) {
      const release = join("node_modules", name, "build", "Release");
      if (!existsSync(release)) continue;
      for (const file of readdirSync(release).filter((f) => f.endsWith(".node"))) {
        try { process.dlopen({ exports: {} }, join(process.cwd(), release, file)); }
        catch (error) {
          // A plain shared library beside an addon (as test_extension.node of better-sqlite3) registers nothing.
          if (/did not self-register/.test(error.message)) continue;
          stale.push(name); break;
        }
      }
    }
    process.stdout.write(stale.join(" "));
  ')
  if [ -n "$stale" ]; then
    echo "with-node.sh: rebuilding $stale for Node.js $version" >&2
    (cd "$here" && npm rebuild $stale --loglevel=error >/dev/null)
  fi
fi

exec "$@"
