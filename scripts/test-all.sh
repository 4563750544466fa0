#!/usr/bin/env bash
# Runs every test of distrokit on a fresh Debian machine: installs the system
# packages the oracles need, the npm dependencies, builds, then runs the three
# stages and ends with ONE line 'N passed, N failed' summed over them:
#   1. the unit tier (vitest project 'unit': committed fixtures, offline);
#   2. the type-check of src/, formats/, test/ and bench/ (tsconfig.json),
#      counted as one check: 1 passed, or 1 failed;
#   3. the oracle tier (vitest project 'oracle': real tools on real data that
#      test/global-setup.ts caches in ~/.cache/distrokit first).
# Arguments go to both vitest runs (e.g. a file filter or -t NAME). The script
# exits non-zero when any stage fails, or when a tier ran no test (with
# arguments: when neither tier ran one).
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
trap 'rm -rf "$out"' EXIT
status=0

npx --no-install vitest run --project unit --reporter=default --reporter=json --outputFile="$out/unit.json" --passWithNoTests "$@" || status=1

if npx --no-install tsc -p tsconfig.json --noEmit; then
  echo '{"numPassedTests":1,"numFailedTests":0,"numPendingTests":0,"numTodoTests":0,"numTotalTests":1}' >"$out/typecheck.json"
  echo 'type-check (tsconfig.json: src, formats, test, bench): passed'
else
  echo '{"numPassedTests":0,"numFailedTests":1,"numPendingTests":0,"numTodoTests":0,"numTotalTests":1}' >"$out/typecheck.json"
  echo 'type-check (tsconfig.json: src, formats, test, bench): FAILED'
  status=1
fi

npx --no-install vitest run --project oracle --reporter=default --reporter=json --outputFile="$out/oracle.json" --passWithNoTests "$@" || status=1

node -e '
  const fs = require("fs");
  const filtered = process.argv[2] !== "0";
  let passed = 0, failed = 0, skipped = 0, empty = false, ran = 0;
  for (const stage of ["unit", "typecheck", "oracle"]) {
    const file = `${process.argv[1]}/${stage}.json`;
    // A tier that crashed before writing its report counts as one failure.
    if (!fs.existsSync(file)) { console.log(`${stage}: no report`); failed++; continue; }
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    const s = r.numPendingTests + r.numTodoTests;
    console.log(`${stage}: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (s ? `, ${s} skipped` : ""));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += s;
    if (stage !== "typecheck") { ran += r.numTotalTests; if (r.numTotalTests === 0 && !filtered) empty = true; }
  }
  console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
  if (empty || ran === 0 || failed > 0) process.exit(1);
' "$out" "$#" || status=1
exit "$status"
