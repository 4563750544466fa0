#!/usr/bin/env bash
# Proves the unit tier's promise: it runs the unit tier (vitest project 'unit')
# as the unprivileged user nobody, in a network namespace without network
# (only loopback, which the download tests' local HTTP server uses), with HOME
# an empty directory (so no ~/.cache/distrokit) and PATH holding nothing but
# node. Needs root (for unshare and setpriv) and the npm dependencies.
#   bash scripts/test-unit-offline.sh [vitest arguments]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ "$(id -u)" = 0 ] || { echo "test-unit-offline.sh: run as root (it drops to nobody itself)" >&2; exit 2; }
[ -e node_modules/vitest/vitest.mjs ] || { echo "test-unit-offline.sh: npm ci first" >&2; exit 2; }
sandbox="$(mktemp -d)"
trap 'rm -rf "$sandbox"' EXIT
mkdir -p "$sandbox/home" "$sandbox/bin" "$sandbox/tmp"
ln -s "$(command -v node)" "$sandbox/bin/node"
chown nobody "$sandbox/home" "$sandbox/tmp"
chmod 755 "$sandbox"
exec unshare --net -- bash -c '
  ip link set lo up
  exec setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
    env -i HOME="$1/home" TMPDIR="$1/tmp" PATH="$1/bin" \
    node node_modules/vitest/vitest.mjs run --project unit --configLoader runner "${@:2}"
' unshare-net "$sandbox" "$@"
