#!/usr/bin/env bash
# Creates .venv/ with the service and its test dependencies, and reinstalls
# only when pyproject.toml changed since the last install.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null 2>&1 || python=python3
"$python" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' \
  || { echo "setup-python: Python 3.11 is required, found $("$python" --version 2>&1)" >&2; exit 1; }
[ -x .venv/bin/python ] || { echo "setup-python: creating .venv with $("$python" --version)" >&2; "$python" -m venv .venv; }
stamp=.venv/.installed-pyproject
if ! cmp -s pyproject.toml "$stamp"; then
  echo "setup-python: installing dependencies into .venv" >&2
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[test]"
  cp pyproject.toml "$stamp"
else
  echo "setup-python: .venv is up to date" >&2
fi
