#!/usr/bin/env bash
# Runs every test of distrokit on a fresh Debian machine: installs the system
# packages the oracles need, the npm dependencies, builds, prepares the cached
# fixtures (outside git), runs vitest, and ends with 'N passed, N failed'.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
set -e
bash scripts/install-system-deps.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npx --no-install tsc -p tsconfig.build.json
touch dist/.stamp
set +e
out="$(mktemp -d)"
npx --no-install vitest run --reporter=default --reporter=json --outputFile="$out/vitest.json" "$@"
status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  if (r.numTotalTests === 0) process.exit(1);
' "$out/vitest.json" || status=1
rm -rf "$out"
exit "$status"
