#!/usr/bin/env bash
# Shared setup for run.sh and test.sh: a virtualenv with the project, and the front-end assets.
# Usage: scripts/setup.sh [--test] [--bench]
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
extras=()
for arg in "$@"; do
  case "$arg" in
    --test) extras+=(test) ;;
    --bench) extras+=(bench) ;;
  esac
done
spec="."
if [ ${#extras[@]} -gt 0 ]; then spec=".[$(IFS=,; echo "${extras[*]}")]"; fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet -e "${spec}"

# Front-end libraries come from npm, pinned by package-lock.json; no CDN at run time.
if [ -f package.json ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is needed for the front-end assets (bpmn-js, the form renderer)" >&2
    exit 1
  fi
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --silent; else npm install --no-audit --no-fund --silent; fi
  if [ -f scripts/vendor_assets.py ]; then .venv/bin/python scripts/vendor_assets.py; fi
fi
