#!/usr/bin/env bash
# Builds the test suite's referee (tools/referee: Istio's own discovery server, SDS generator and
# Kubernetes' RBAC authorizer, in one program that judges a directory of manifests) with the
# machine's Go, into the cache directory outside the work tree:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-istio-tls/referee-<hash>/referee
# <hash> covers every file of tools/referee and this script's build settings, so a change rebuilds
# and an unchanged tree reuses the cache. Prints the binary's path on stdout (last line); progress
# goes to stderr. Concurrent callers wait on one lock. Exit 3 when Go is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SRC="$ROOT/tools/referee"
# Istio's release tags have no "v", so the module proxy serves istio.io/istio only as pseudo-versions
# of its main branch: this one is master of 2026-08-27 (1.31 development; istio.io/api
# v1.31.0-rc.0, Kubernetes libraries v0.36.1). tools/referee/go.mod pins the same; k8s.io/kubernetes
# v1.36.1 (the RBAC authorizer) matches those libraries.
ISTIO_VERSION=v0.0.0-20260827124520-eed52ebb66ad
LDFLAGS="-s -w -X main.istioVersion=istio.io/istio@$ISTIO_VERSION"

if ! command -v go >/dev/null 2>&1; then
  echo "build-referee: no Go toolchain on PATH" >&2
  exit 3
fi
if ! grep -q "istio.io/istio $ISTIO_VERSION\$" "$SRC/go.mod"; then
  echo "build-referee: tools/referee/go.mod does not pin istio.io/istio $ISTIO_VERSION (change both together)" >&2
  exit 1
fi

HASH="$(
  cd "$SRC"
  { find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; echo "$LDFLAGS"; } |
    sha256sum | cut -c1-16
)"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-istio-tls"
OUT="$CACHE/referee-$HASH"
mkdir -p "$CACHE"

if [ ! -x "$OUT/referee" ]; then
  exec 9>"$CACHE/referee.lock"
  flock 9
  if [ ! -x "$OUT/referee" ]; then
    mkdir -p "$OUT"
    export GOTOOLCHAIN=local GOFLAGS=-mod=readonly
    start=$(date +%s)
    echo "build-referee: building the referee on istio.io/istio@$ISTIO_VERSION with $(go version | cut -d' ' -f3) into $OUT (first build takes ~10 min, then 3-5 min after a change)" >&2
    (cd "$SRC" && CGO_ENABLED=0 nice -n 10 go build -trimpath -ldflags "$LDFLAGS" -o "$OUT/referee.tmp" .)
    mv -f "$OUT/referee.tmp" "$OUT/referee"
    echo "build-referee: done in $(( $(date +%s) - start ))s" >&2
  fi
fi
echo "$OUT/referee"
