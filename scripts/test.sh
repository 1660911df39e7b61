#!/usr/bin/env bash
# Set up and pass the whole test suite: unit, integration (SQLite and PostgreSQL), acceptance
# scenarios, and browser tests in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need_apt+=(fonts-noto-cjk)
# pg_dump / pg_restore for the backup and restore round trip (tests/ops/test_backup.py).
command -v pg_dump >/dev/null 2>&1 || need_apt+=(postgresql-client)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "missing Debian packages: ${need_apt[*]} (browser tests will skip and say so)" >&2
  fi
fi
scripts/setup.sh --test
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
if [ $# -eq 0 ]; then
  # Traceability (policy clause -> diagram elements -> scenarios) and process coverage of the
  # scenarios just run; each fails the build below its bar.
  mkdir -p test-artifacts
  .venv/bin/python tools/trace.py > test-artifacts/trace.txt || { cat test-artifacts/trace.txt; exit 1; }
  .venv/bin/python tools/coverage_report.py
fi
