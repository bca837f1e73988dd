#!/usr/bin/env bash
# hack/k8s-env.sh: the binaries of the real Kubernetes test environment that
# the cert-manager manifests tests run (make k8s-env).
#
# Usage: hack/k8s-env.sh
#
# Builds, only when missing, from the Go module proxy (the wrapper modules in
# hack/k8s-env/<name>/ pin every dependency in their go.mod/go.sum):
#
#   $DIR/kube-apiserver-$KUBE_VERSION/kube-apiserver
#   $DIR/cert-manager-controller-$CERT_MANAGER_VERSION/cert-manager-controller
#   $DIR/cert-manager-controller-$CERT_MANAGER_VERSION/crds/   (the module's deploy/crds)
#   $DIR/pebble-$PEBBLE_VERSION/pebble
#
# with DIR=${CK8S_K8S_ENV_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ck8s/k8s-env},
# checks that Debian's etcd (/usr/bin/etcd, package etcd-server, installed by
# hack/deps.sh) is there, then prints NAME=path lines on stdout and writes the
# same lines to $DIR/versions.env. A cold run compiles for about 17 minutes on
# 2 cores with an empty build cache (kube-apiserver 13, cert-manager 4; measured
# from a fresh clone); a warm run takes 0.2 s.
# Builds are serial, go to a temp file and are renamed only once the binary
# answers its version/help flag, so an interrupted build leaves nothing behind.
set -euo pipefail

# The versions, here and nowhere else but the wrapper modules' go.mod files
# (this script checks they agree).
KUBE_VERSION=v1.37.2
CERT_MANAGER_VERSION=v1.21.2
PEBBLE_VERSION=v2.10.3
ETCD=/usr/bin/etcd
ETCD_SERIES=3.4

# shellcheck disable=SC2034 # read by lib/tools.sh
CK8S_PROG=k8s-env
# shellcheck source-path=SCRIPTDIR source=lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"

K8S_ENV_DIR=${CK8S_K8S_ENV_DIR:-${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/ck8s/k8s-env}
WRAPPERS=$CK8S_ROOT/hack/k8s-env

# need_version DIR MODULE VERSION: fail unless the wrapper module in DIR
# requires MODULE at VERSION (so the pins above cannot drift from go.mod).
need_version() {
	local dir=$1 mod=$2 want=$3 got
	got=$(awk -v m="$mod" '$1 == m { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$WRAPPERS/$dir/go.mod")
	[[ $got == "$want" ]] || ck8s_die "hack/k8s-env/$dir/go.mod requires $mod ${got:-(nothing)}, but hack/k8s-env.sh pins $want; make them agree (then run 'go mod tidy' in hack/k8s-env/$dir)"
}

# build NAME VERSION WRAPPER PKG CHECK LDFLAGS: build PKG in the wrapper
# module into $K8S_ENV_DIR/NAME-VERSION/NAME unless it is there. CHECK is a
# flag the new binary must accept (exit 0) before it is published; its output
# must contain VERSION when it is --version.
build() {
	local name=$1 version=$2 wrapper=$3 pkg=$4 check=$5 ldflags=$6
	local dir=$K8S_ENV_DIR/$name-$version
	local bin=$dir/$name tmp=$dir/$name.tmp log=$dir/build.log
	[[ -x $bin ]] && return 0
	[[ -n ${CK8S_GOVERSION:-} ]] || ck8s_need_go
	mkdir -p "$dir" || ck8s_die "cannot create $dir"
	rm -f "$tmp"
	ck8s_log "building $name $version with $CK8S_GOVERSION (hack/k8s-env/$wrapper; a cold build takes minutes; log: $log)"
	local start=$SECONDS
	# -mod=readonly: the wrapper's go.sum must be complete (CI never edits it);
	# GOOS=/GOARCH= empty: the binaries run on this machine.
	if ! (cd "$WRAPPERS/$wrapper" && CGO_ENABLED=0 GOOS='' GOARCH='' GOWORK=off GOFLAGS=-mod=readonly GOTOOLCHAIN=$CK8S_GOVERSION \
		go build -trimpath -ldflags "-s -w $ldflags" -o "$tmp" "$pkg") >"$log" 2>&1; then
		rm -f "$tmp"
		ck8s_log "building $name $version ($pkg) failed; the end of the go output ($log):"
		tail -n 40 "$log" >&2
		ck8s_die "$name $version was not built"
	fi
	local out
	if ! out=$("$tmp" "$check" 2>&1); then
		rm -f "$tmp"
		ck8s_die "the new $name binary fails '$name $check': $(tail -n 5 <<<"$out")"
	fi
	if [[ $check == *-version && $out != *"$version"* ]]; then
		rm -f "$tmp"
		ck8s_die "the new $name binary reports '$out', not $version"
	fi
	mv -f "$tmp" "$bin"
	ck8s_log "built $bin in $((SECONDS - start))s"
}

# crds: copy cert-manager's CRDs (deploy/crds of the module) next to the
# controller, so tests need not know where the module cache is.
crds() {
	local dst=$K8S_ENV_DIR/cert-manager-controller-$CERT_MANAGER_VERSION/crds src
	[[ -f $dst/cert-manager.io_certificates.yaml ]] && return 0
	[[ -n ${CK8S_GOVERSION:-} ]] || ck8s_need_go
	src=$(cd "$WRAPPERS/certmanager" && GOWORK=off GOFLAGS=-mod=readonly GOTOOLCHAIN=$CK8S_GOVERSION \
		go list -m -f '{{.Dir}}' "github.com/cert-manager/cert-manager") || ck8s_die "cannot locate the cert-manager module (go list -m in hack/k8s-env/certmanager)"
	[[ -d $src/deploy/crds ]] || ck8s_die "$src/deploy/crds is missing"
	rm -rf "$dst.tmp"
	mkdir -p "$dst.tmp"
	cp "$src"/deploy/crds/*.yaml "$dst.tmp/"
	chmod u+w "$dst.tmp"/*.yaml
	rm -rf "$dst"
	mv -T "$dst.tmp" "$dst"
}

main() {
	(($# == 0)) || ck8s_die "no arguments are taken (the versions are pinned at the top of hack/k8s-env.sh)"
	need_version apiserver k8s.io/kubernetes "$KUBE_VERSION"
	need_version certmanager github.com/cert-manager/cert-manager "$CERT_MANAGER_VERSION"
	need_version pebble github.com/letsencrypt/pebble/v2 "$PEBBLE_VERSION"

	[[ -x $ETCD ]] || ck8s_die "$ETCD is missing: install Debian's etcd-server ($ETCD_SERIES) with 'make deps' (hack/deps.sh) or 'apt-get install etcd-server'"
	local etcd_version
	etcd_version=$("$ETCD" --version 2>/dev/null | awk '/^etcd Version:/ { print $3 }')
	[[ $etcd_version == "$ETCD_SERIES".* ]] || ck8s_log "warning: $ETCD is etcd ${etcd_version:-(unknown version)}, the tests expect $ETCD_SERIES.x"

	mkdir -p "$K8S_ENV_DIR" || ck8s_die "cannot create $K8S_ENV_DIR"
	# One build at a time, also across concurrent runs (2-core machines).
	exec 9>"$K8S_ENV_DIR/.lock"
	flock 9

	local kube_minor=${KUBE_VERSION#v1.}
	kube_minor=${kube_minor%%.*}
	# The -X version flags are required: without them kube-apiserver panics
	# at start (its version would be v0.0.0-master).
	build kube-apiserver "$KUBE_VERSION" apiserver k8s.io/kubernetes/cmd/kube-apiserver --version \
		"-X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$kube_minor -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION"
	build cert-manager-controller "$CERT_MANAGER_VERSION" certmanager . --help \
		"-X github.com/cert-manager/cert-manager/pkg/util.AppVersion=$CERT_MANAGER_VERSION"
	crds
	build pebble "$PEBBLE_VERSION" pebble github.com/letsencrypt/pebble/v2/cmd/pebble -version \
		"-X main.version=$PEBBLE_VERSION"

	local env
	env=$(
		printf 'KUBE_APISERVER=%s\n' "$K8S_ENV_DIR/kube-apiserver-$KUBE_VERSION/kube-apiserver"
		printf 'CERT_MANAGER_CONTROLLER=%s\n' "$K8S_ENV_DIR/cert-manager-controller-$CERT_MANAGER_VERSION/cert-manager-controller"
		printf 'CERT_MANAGER_CRDS=%s\n' "$K8S_ENV_DIR/cert-manager-controller-$CERT_MANAGER_VERSION/crds"
		printf 'PEBBLE=%s\n' "$K8S_ENV_DIR/pebble-$PEBBLE_VERSION/pebble"
		printf 'ETCD=%s\n' "$ETCD"
		printf 'KUBE_VERSION=%s\nCERT_MANAGER_VERSION=%s\nPEBBLE_VERSION=%s\n' "$KUBE_VERSION" "$CERT_MANAGER_VERSION" "$PEBBLE_VERSION"
	)
	if [[ ! -f $K8S_ENV_DIR/versions.env || $(<"$K8S_ENV_DIR/versions.env") != "$env" ]]; then
		printf '%s\n' "$env" >"$K8S_ENV_DIR/versions.env.tmp"
		mv -f "$K8S_ENV_DIR/versions.env.tmp" "$K8S_ENV_DIR/versions.env"
	fi
	printf '%s\n' "$env"
}

main "$@"
