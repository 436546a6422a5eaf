#!/usr/bin/env bash
# Makes sure PostgreSQL's server binaries (Debian's packages) are present for
# the tests, which start their own throwaway server. Nothing is left running.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && id postgres >/dev/null 2>&1; then
  echo "install-postgres: PostgreSQL server $(ls /usr/lib/postgresql | sort -n | tail -1) already installed" >&2
  exit 0
fi
echo "install-postgres: installing Debian's postgresql package" >&2
"$(dirname "${BASH_SOURCE[0]}")/apt-install.sh" postgresql
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo -n"
# Debian's package starts a cluster of its own; the tests do not use it.
$sudo sh -c 'command -v pg_ctlcluster >/dev/null && for c in /etc/postgresql/*/main; do [ -d "$c" ] && pg_ctlcluster "$(basename "$(dirname "$c")")" main stop || true; done' || true
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || { echo "install-postgres: initdb still missing" >&2; exit 1; }
