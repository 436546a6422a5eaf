#!/usr/bin/env bash
# Runs every check and test: the policy checks (format, strict compile, lint,
# opa test with the coverage floor), the Python checks (ruff lint and format,
# mypy strict on app/, the import-layer contracts), then the Python suite (unit,
# workflow, concurrency across processes, integration against a real OPA on
# SQLite and PostgreSQL, OpenAPI drift, schemathesis, the pages in Debian's headless
# Chromium with axe-core). Installs what it needs first. Extra arguments go to pytest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/install-tools.sh
scripts/install-postgres.sh
scripts/install-openssl.sh
scripts/install-chromium.sh
scripts/setup-python.sh
scripts/check-policies.sh
printf '\n== ruff check, ruff format --check\n' >&2
.venv/bin/ruff check app tests scripts
.venv/bin/ruff format --check app tests scripts
printf '\n== mypy (strict on app/)\n' >&2
.venv/bin/mypy
printf '\n== import contracts (lint-imports)\n' >&2
.venv/bin/lint-imports
printf '\n== pytest\n' >&2
exec .venv/bin/pytest "$@"
