#!/usr/bin/env bash
# Runs the service on the embedded defaults: SQLite in var/, its own OPA on
# loopback, http://localhost:8000. Installs what it needs on first run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/install-tools.sh
scripts/setup-python.sh
# Local runs start with the demo directory (seeds/directory.json) so the approval chain has people in it.
export SEED_DIRECTORY_FILE="${SEED_DIRECTORY_FILE:-$root/seeds/directory.json}"
exec .venv/bin/uvicorn app.main:app --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}" --no-access-log "$@"
