#!/usr/bin/env bash
# Puts the pinned OPA and Regal binaries in .tools/bin/.
#
# With Go on the machine they are built from the Go module proxy; without Go
# the official release binaries are downloaded and checked against SHA-256
# sums (pinned below when known, otherwise the release's published sums).
# Binaries already present at the pinned version are reused.
set -euo pipefail

OPA_VERSION="${OPA_VERSION:-1.22.2}"
REGAL_VERSION="${REGAL_VERSION:-0.42.0}"
# Optional pinned digests of the release binaries (linux/amd64). When empty,
# the digest published next to the release binary is used instead.
OPA_SHA256="${OPA_SHA256:-}"
REGAL_SHA256="${REGAL_SHA256:-}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.tools/bin"
mkdir -p "$bin"

say() { printf 'install-tools: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# The output is captured before grep reads it: with pipefail, `tool version | grep -q`
# fails at random when grep exits early and the tool dies of SIGPIPE.
tool_version() { [ -x "$bin/$1" ] && "$bin/$1" version 2>/dev/null; }
have_opa() { local out; out="$(tool_version opa)" && grep -qx "Version: $OPA_VERSION" <<<"$out"; }
have_regal() { local out; out="$(tool_version regal)" && grep -q "^Version: *v$REGAL_VERSION\$" <<<"$out"; }

platform() {
  local os arch
  os="$(uname -s | tr '[:upper:]' '[:lower:]')"
  case "$(uname -m)" in
    x86_64|amd64) arch=amd64 ;;
    aarch64|arm64) arch=arm64 ;;
    *) die "unsupported CPU $(uname -m)" ;;
  esac
  echo "$os $arch"
}

fetch() { # url dest
  curl --fail --silent --show-error --location --retry 3 --output "$2" "$1" || die "download failed: $1"
}

verify() { # file expected-digest
  local got
  got="$(sha256sum "$1" | cut -d' ' -f1)"
  [ "$got" = "$2" ] || die "SHA-256 mismatch for $1: expected $2, got $got"
  say "SHA-256 ok for $(basename "$1")"
}

build_opa() {
  say "building opa v$OPA_VERSION with $(go version)"
  CGO_ENABLED=0 GOBIN="$bin" GOFLAGS=-mod=mod go install -trimpath \
    -ldflags "-s -w" "github.com/open-policy-agent/opa@v$OPA_VERSION" \
    || die "go install of opa v$OPA_VERSION failed"
}

build_regal() {
  # `go install mod@version` asks the proxy for the module's version list to
  # check deprecation; some proxies refuse that, so build from a throwaway module.
  local work
  work="$(mktemp -d)"
  say "building regal v$REGAL_VERSION with $(go version)"
  (
    cd "$work"
    go mod init regal-build >/dev/null 2>&1
    go get "github.com/open-policy-agent/regal@v$REGAL_VERSION"
    CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/open-policy-agent/regal/pkg/version.Version=v$REGAL_VERSION" \
      -o "$bin/regal" github.com/open-policy-agent/regal
  ) || { rm -rf "$work"; die "go build of regal v$REGAL_VERSION failed"; }
  rm -rf "$work"
}

download_opa() {
  read -r os arch < <(platform)
  local url="https://github.com/open-policy-agent/opa/releases/download/v$OPA_VERSION/opa_${os}_${arch}_static"
  local tmp sum
  tmp="$(mktemp)"
  say "Go not found: downloading $url"
  fetch "$url" "$tmp"
  sum="$OPA_SHA256"
  if [ -z "$sum" ]; then
    sum="$(curl --fail --silent --show-error --location "$url.sha256" | cut -d' ' -f1)" || die "no checksum for $url"
  fi
  verify "$tmp" "$sum"
  install -m 0755 "$tmp" "$bin/opa"
  rm -f "$tmp"
}

download_regal() {
  read -r os arch < <(platform)
  local name="regal_$(uname -s)_$(uname -m)"
  [ "$os" = linux ] && name="regal_Linux_$( [ "$arch" = amd64 ] && echo x86_64 || echo arm64 )"
  local base="https://github.com/open-policy-agent/regal/releases/download/v$REGAL_VERSION"
  local tmp sum
  tmp="$(mktemp)"
  say "Go not found: downloading $base/$name"
  fetch "$base/$name" "$tmp"
  sum="$REGAL_SHA256"
  if [ -z "$sum" ]; then
    sum="$(curl --fail --silent --show-error --location "$base/checksums.txt" | awk -v n="$name" '$2 == n {print $1}')" \
      || die "no checksums.txt for regal v$REGAL_VERSION"
    [ -n "$sum" ] || die "checksums.txt has no entry for $name"
  fi
  verify "$tmp" "$sum"
  install -m 0755 "$tmp" "$bin/regal"
  rm -f "$tmp"
}

if have_opa; then
  say "opa v$OPA_VERSION already in .tools/bin"
elif command -v go >/dev/null 2>&1; then
  build_opa
else
  download_opa
fi
have_opa || die "opa in .tools/bin is not v$OPA_VERSION after install"

if have_regal; then
  say "regal v$REGAL_VERSION already in .tools/bin"
elif command -v go >/dev/null 2>&1; then
  build_regal
else
  download_regal
fi
have_regal || die "regal in .tools/bin is not v$REGAL_VERSION after install"

say "ready: $(tool_version opa | sed -n 1p | tr -s ' '), regal v$REGAL_VERSION"
