#!/usr/bin/env bash
# Slither (PyPI slither-analyzer, pinned) over src/, compiled exactly as build.mjs compiles it,
# through the stand-in `solc` next to this script. Fails on any High or Medium result in our
# contracts (test fixtures and node_modules are filtered out); a result judged harmless is
# disabled inline (`// slither-disable-next-line <detector>`) with a one-line reason.
#
#   crates/contracts/slither/run.sh        (after `npm install` in crates/contracts)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${SLITHER_VENV:-${TMPDIR:-/tmp}/tribunal-slither-venv}
if [ ! -x "$venv/bin/slither" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check slither-analyzer==0.11.6
fi
input=$(mktemp --suffix=.solc-json)
trap 'rm -f "$input"' EXIT
node build.mjs --slither-input > "$input"
"$venv/bin/slither" "$input" \
  --compile-force-framework solc-json \
  --solc "$PWD/slither/solc" \
  --solc-working-dir "$PWD/src" \
  --filter-paths 'node_modules/|/src/test/' \
  --exclude-informational --exclude-low --exclude-optimization \
  --fail-medium
