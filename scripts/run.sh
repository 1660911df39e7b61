#!/usr/bin/env bash
# Set up and run Jiuzhu on its embedded default: a SQLite file, demo users and demo cases.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export DATABASE_URL=${DATABASE_URL:-sqlite:///$(pwd)/instance/jiuzhu.sqlite3}
.venv/bin/jiuzhu init-db
.venv/bin/jiuzhu seed-demo
# The timer worker fires publicity periods and deadlines within a second of their due time.
.venv/bin/jiuzhu fire-timers --loop &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT
if [ -f app.py ]; then
  .venv/bin/flask --app app run --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
else
  wait $worker
fi
