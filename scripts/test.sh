#!/usr/bin/env bash
# Runs every test: the policy checks (format, strict compile, lint, opa test
# with the coverage floor), then the Python suite (unit, integration against a
# real OPA on SQLite and PostgreSQL, OpenAPI drift, schemathesis). Installs
# what it needs first. Extra arguments go to pytest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/install-tools.sh
scripts/install-postgres.sh
scripts/setup-python.sh
scripts/check-policies.sh
printf '\n== pytest\n' >&2
exec .venv/bin/pytest "$@"
