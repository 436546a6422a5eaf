#!/usr/bin/env bash
# Installs Debian packages without a question asked (CI runs with no standard input), as root or
# through passwordless sudo: the one way the install-* scripts add what a new machine lacks.
set -euo pipefail
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo -n"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "$@"
