#!/usr/bin/env bash
# Builds the test suite's real API server (tools/apiserver: embedded etcd + kube-apiserver v1.34.4)
# with the machine's Go, and extracts Istio's CRDs from Istio's API Go module, into the cache
# directory outside the work tree:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-istio-tls/apiserver-<hash>/{apiserver,istio-crds.yaml}
# <hash> covers every file of tools/apiserver and this script's build settings, so a change rebuilds
# and an unchanged tree reuses the cache. Prints the cache directory on stdout (last line); progress
# goes to stderr. Concurrent callers wait on one lock. Exit 3 when Go is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SRC="$ROOT/tools/apiserver"
KUBE_VERSION=v1.34.4
# Istio's release tags have no "v", so the module proxy serves istio.io/istio only as pseudo-versions
# of its main branch; the same CRD file (kubernetes/customresourcedefinitions.gen.yaml, which Istio
# copies to manifests/charts/base/files/crd-all.gen.yaml) ships in the release's istio.io/api module.
ISTIO_API_VERSION=v1.27.3
LDFLAGS="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LDFLAGS+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=34 -X $pkg.gitTreeState=clean"
done

if ! command -v go >/dev/null 2>&1; then
  echo "build-apiserver: no Go toolchain on PATH" >&2
  exit 3
fi

HASH="$(
  cd "$SRC"
  { find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; echo "$LDFLAGS $ISTIO_API_VERSION"; } |
    sha256sum | cut -c1-16
)"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-istio-tls"
OUT="$CACHE/apiserver-$HASH"
mkdir -p "$CACHE"

if [ ! -x "$OUT/apiserver" ] || [ ! -s "$OUT/istio-crds.yaml" ]; then
  exec 9>"$CACHE/apiserver.lock"
  flock 9
  if [ ! -x "$OUT/apiserver" ] || [ ! -s "$OUT/istio-crds.yaml" ]; then
    mkdir -p "$OUT"
    export GOTOOLCHAIN=local GOFLAGS=-mod=readonly
    start=$(date +%s)
    echo "build-apiserver: building kube-apiserver $KUBE_VERSION + etcd with $(go version | cut -d' ' -f3) into $OUT (first build takes ~10 min)" >&2
    (cd "$SRC" && CGO_ENABLED=0 go build -trimpath -ldflags "$LDFLAGS" -o "$OUT/apiserver.tmp" .)
    mv -f "$OUT/apiserver.tmp" "$OUT/apiserver"
    dir="$(cd "$SRC" && go mod download -json "istio.io/api@$ISTIO_API_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
    if [ -z "$dir" ] || [ ! -s "$dir/kubernetes/customresourcedefinitions.gen.yaml" ]; then
      echo "build-apiserver: istio.io/api@$ISTIO_API_VERSION has no kubernetes/customresourcedefinitions.gen.yaml" >&2
      exit 1
    fi
    # cat, not cp: the module cache is read-only, a copy would be too
    cat "$dir/kubernetes/customresourcedefinitions.gen.yaml" >"$OUT/istio-crds.yaml.tmp"
    mv -f "$OUT/istio-crds.yaml.tmp" "$OUT/istio-crds.yaml"
    echo "build-apiserver: done in $(( $(date +%s) - start ))s" >&2
  fi
fi

# The Kubernetes Gateway API's CRDs (standard channel, plus TLSRoute from the experimental one) and
# cert-manager's, from their Go modules, next to the binary: gateway-api-crds.yaml and
# cert-manager-crds.yaml. Keyed by their versions in extra-crds.version (a version change re-extracts
# them, never rebuilds the binary). cert-manager ships them in deploy/crds/ as Helm sources whose only
# template expressions outside comments are three label values: those become "cert-manager".
GATEWAY_API_VERSION=v1.3.0
CERT_MANAGER_VERSION=v1.18.2
EXTRA_STAMP="gateway-api $GATEWAY_API_VERSION cert-manager $CERT_MANAGER_VERSION"
extra_ok() { [ "$(cat "$OUT/extra-crds.version" 2>/dev/null)" = "$EXTRA_STAMP" ] && [ -s "$OUT/gateway-api-crds.yaml" ] && [ -s "$OUT/cert-manager-crds.yaml" ]; }
if ! extra_ok; then
  exec 9>"$CACHE/apiserver.lock"
  flock 9
  if ! extra_ok; then
    export GOTOOLCHAIN=local GOFLAGS=-mod=readonly
    moddir() { (cd "$SRC" && go mod download -json "$1") | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'; }
    gw="$(moddir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")"
    cm="$(moddir "github.com/cert-manager/cert-manager@$CERT_MANAGER_VERSION")"
    {
      for k in gatewayclasses gateways httproutes grpcroutes referencegrants; do
        cat "$gw/config/crd/standard/gateway.networking.k8s.io_$k.yaml"
        echo '---'
      done
      cat "$gw/config/crd/experimental/gateway.networking.k8s.io_tlsroutes.yaml"
    } >"$OUT/gateway-api-crds.yaml.tmp"
    for k in certificates certificaterequests issuers clusterissuers orders challenges; do
      sed -e "s/'{{ template \"cert-manager.name\" . }}'/cert-manager/" -e "s/'{{ .Release.Name }}'/cert-manager/" "$cm/deploy/crds/crd-$k.yaml"
      echo '---'
    done >"$OUT/cert-manager-crds.yaml.tmp"
    if grep -v '^[[:space:]]*#' "$OUT/cert-manager-crds.yaml.tmp" | grep -q '{{'; then
      echo "build-apiserver: cert-manager@$CERT_MANAGER_VERSION deploy/crds has template expressions this script does not know" >&2
      exit 1
    fi
    mv -f "$OUT/gateway-api-crds.yaml.tmp" "$OUT/gateway-api-crds.yaml"
    mv -f "$OUT/cert-manager-crds.yaml.tmp" "$OUT/cert-manager-crds.yaml"
    echo "$EXTRA_STAMP" >"$OUT/extra-crds.version"
    echo "build-apiserver: Gateway API $GATEWAY_API_VERSION and cert-manager $CERT_MANAGER_VERSION CRDs extracted" >&2
  fi
fi
echo "$OUT"
