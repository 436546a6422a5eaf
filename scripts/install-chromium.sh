#!/usr/bin/env bash
# Makes sure Debian's headless-capable Chromium is present for the browser tests
# (tests/web), which drive it with Playwright through its executable path:
# Playwright's own browser download is never used (no network but the package
# registries, and the tests must run on the distribution's browser).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "install-chromium: $(chromium --version 2>/dev/null || echo chromium) already installed" >&2
  exit 0
fi
echo "install-chromium: installing Debian's chromium package" >&2
"$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" chromium fonts-dejavu-core
command -v chromium >/dev/null 2>&1 || { echo "install-chromium: chromium still missing" >&2; exit 1; }
