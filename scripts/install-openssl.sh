#!/usr/bin/env bash
# Makes sure the openssl command (Debian's package) is present: the service makes
# its development release key pair with it (app/policy/keys.py) on first use.
set -euo pipefail
if command -v openssl >/dev/null 2>&1; then
  exit 0
fi
echo "install-openssl: installing Debian's openssl package" >&2
"$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" openssl
command -v openssl >/dev/null || { echo "install-openssl: openssl still missing" >&2; exit 1; }
