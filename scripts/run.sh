#!/usr/bin/env bash
# Set up and run Jiuzhu on its embedded default: a SQLite file, demo users and demo cases, served by
# the production server (`jiuzhu serve`: gunicorn, several worker processes) with the worker
# (`jiuzhu worker`: timers) beside it — the same commands a production host runs (docs/deploy.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export DATABASE_URL=${DATABASE_URL:-sqlite:///$(pwd)/instance/jiuzhu.sqlite3}
export JIUZHU_BIND=${JIUZHU_BIND:-${HOST:-127.0.0.1}:${PORT:-5000}}
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-$(pwd)/instance/metrics}
.venv/bin/jiuzhu init-db      # the release step: migrations run here, never when a server starts
.venv/bin/jiuzhu seed-demo
.venv/bin/jiuzhu worker &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT
echo "Jiuzhu: http://${JIUZHU_BIND}/  (demo users: README.md, password jiuzhu-demo)" >&2
.venv/bin/jiuzhu serve
