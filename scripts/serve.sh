#!/usr/bin/env bash
# Runs the service on the embedded defaults: SQLite in var/, its own OPA on
# loopback, http://localhost:8000. Installs what it needs on first run.
#
# WORKERS=N (default 1) runs N Uvicorn worker processes. Several workers need
# PostgreSQL (DATABASE_URL=postgresql+psycopg://…): SQLite has one writer, so
# this script refuses WORKERS>1 on SQLite. With several workers the schema is
# migrated and the seed directory loaded once, here, before they start (side by
# side they would race on the same DDL and rows), and without OPA_URL each
# worker runs its own OPA (a warning says so; set OPA_URL to share one).
#
# The container image runs this script too, with SERVE_IN_IMAGE=1: nothing is
# installed (the image has it), the interpreter on PATH is used, and no demo
# directory is seeded unless SEED_DIRECTORY_FILE says so.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [[ "${SERVE_IN_IMAGE:-0}" == 1 ]]; then
  bin=""
else
  scripts/install-tools.sh
  scripts/install-openssl.sh
  scripts/setup-python.sh
  bin=.venv/bin/
  # Local runs start with the demo directory (seeds/directory.json) so the approval chain has people in it.
  export SEED_DIRECTORY_FILE="${SEED_DIRECTORY_FILE:-$root/seeds/directory.json}"
fi

# The settings class reads WORKERS, DATABASE_URL, OPA_URL … (environment or .env) and validates them.
# This prints the number of workers last, or exits non-zero with the reason.
workers="$("${bin}python" - <<'PY'
import asyncio
import sys
from datetime import UTC, datetime

from sqlalchemy.engine import make_url

from app.config import Settings, get_settings


async def _seed(settings: Settings) -> None:
    from app.database import create_engine, create_session_factory
    from app.directory.seed import load_seed

    assert settings.seed_directory_file is not None
    engine = create_engine(settings.database_url)
    try:
        await load_seed(
            factory=create_session_factory(engine), path=settings.seed_directory_file, now=datetime.now(UTC)
        )
    finally:
        await engine.dispose()


try:
    settings = get_settings()
except Exception as exc:
    sys.exit(f"serve.sh: invalid settings: {exc}")
if settings.workers > 1:
    if make_url(settings.database_url).get_backend_name() == "sqlite":
        sys.exit(
            f"serve.sh: WORKERS={settings.workers} needs PostgreSQL, but DATABASE_URL is SQLite "
            f"({settings.database_url}).\n"
            "SQLite has one writer: extra workers would only queue on its write lock and time out under load.\n"
            "Set DATABASE_URL=postgresql+psycopg://user:pass@host/db, or WORKERS=1."
        )
    if not settings.opa_url:
        from app.policy.release import ensure_published

        print(
            f"serve.sh: warning: OPA_URL is not set, so each of the {settings.workers} workers starts and "
            "supervises its own OPA; set OPA_URL to share one OPA server.",
            file=sys.stderr,
        )
        # Published once here (a development release if none is), so the workers find it instead of building it
        # side by side; each worker's OPA then polls the one bundle location.
        ensure_published(settings)
    if settings.migrate_on_start:
        from app.migrations_runner import migrate

        # As DATABASE_OWNER_URL's role when set; the workers are started with MIGRATE_ON_START=false.
        migrate(database_url=settings.database_url, owner_url=settings.database_owner_url)
    if settings.seed_directory_file:
        asyncio.run(_seed(settings))  # the workers then find everyone present and add nobody
print(settings.workers)
PY
)"
workers="${workers##*$'\n'}"  # the last line: anything a library printed before it is not the number
if (( workers > 1 )); then
  export MIGRATE_ON_START=false  # migrated above, once
fi
exec "${bin}uvicorn" app.main:app --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}" --workers "$workers" \
  --no-access-log "$@"
