#!/usr/bin/env bash
# Makes sure the openssl command (Debian's package) is present: the service makes
# its development release key pair with it (app/policy/keys.py) on first use.
set -euo pipefail
if command -v openssl >/dev/null 2>&1; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo -n"
echo "install-openssl: installing Debian's openssl package" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends openssl
command -v openssl >/dev/null || { echo "install-openssl: openssl still missing" >&2; exit 1; }
