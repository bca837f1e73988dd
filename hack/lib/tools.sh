# shellcheck shell=bash
# Shared helpers for hack/*.sh. Source it; do not run it.
#
# Tools are built from the Go module proxy (the only network these scripts
# use) into a per-user cache, keyed by tool version and Go version, so a
# rerun only checks that a file exists:
#
#   ${CK8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ck8s}/tools/<name>-<version>-<goversion>/<name>
#
# They never read or write the project's go.mod: `go install pkg@version`
# builds in module mode from the tool's own go.mod, in a scratch directory.

# CK8S_ROOT: the repository root (this file lives in <root>/hack/lib).
# shellcheck disable=SC2034 # used by the scripts that source this file
CK8S_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
CK8S_CACHE=${CK8S_CACHE:-${XDG_CACHE_HOME:-${HOME:?HOME is not set}/.cache}/ck8s}

# Settings for every go command that builds a tool: ignore go.work and any
# GOFLAGS from the caller (e.g. -mod=vendor), and use the very toolchain the
# project builds with (ck8s_need_go), so a tool's go/types knows every
# language feature the project may use.
ck8s_go() {
	GOWORK=off GOFLAGS=-mod=mod GOTOOLCHAIN=${CK8S_GOVERSION:-local} go "$@"
}

ck8s_die() {
	printf '%s: error: %s\n' "${CK8S_PROG:-${0##*/}}" "$*" >&2
	exit 1
}

ck8s_log() {
	printf '%s: %s\n' "${CK8S_PROG:-${0##*/}}" "$*" >&2
}

# ck8s_need_go sets CK8S_GOVERSION to the toolchain the project builds with:
# `go env GOVERSION` in the repo root honours GOTOOLCHAIN and a `toolchain`
# line in go.mod (a newer toolchain comes from the module proxy).
ck8s_need_go() {
	command -v go >/dev/null 2>&1 || ck8s_die "go is not on PATH (Go 1.26 or newer is needed)"
	CK8S_GOVERSION=$(cd "$CK8S_ROOT" && go env GOVERSION) || ck8s_die "'go env GOVERSION' failed in $CK8S_ROOT"
	CK8S_GOVERSION=${CK8S_GOVERSION%% *} # drop " X:experiment" suffixes
	case $CK8S_GOVERSION in
	go1.2[6-9]* | go1.[3-9][0-9]* | go[2-9]*) ;;
	*) ck8s_die "Go $CK8S_GOVERSION is too old: Go 1.26 or newer is needed" ;;
	esac
}

# ck8s_tool NAME PKG VERSION: print the path of NAME built from PKG@VERSION,
# building it into the cache first if it is not there yet.
ck8s_tool() {
	local name=$1 pkg=$2 version=$3
	[[ -n ${CK8S_GOVERSION:-} ]] || ck8s_need_go
	local dir="$CK8S_CACHE/tools/$name-$version-$CK8S_GOVERSION"
	local bin="$dir/$name"
	if [[ -x $bin ]]; then
		printf '%s\n' "$bin"
		return 0
	fi
	ck8s_log "building $pkg@$version with $CK8S_GOVERSION into $dir"
	mkdir -p "$CK8S_CACHE/tools" || ck8s_die "cannot create $CK8S_CACHE/tools"
	local tmp
	tmp=$(mktemp -d "$CK8S_CACHE/tools/.tmp-$name.XXXXXX") || ck8s_die "mktemp failed"
	# Run from the scratch dir so no go.mod around us is consulted.
	if ! (cd "$tmp" && GOBIN="$tmp/bin" ck8s_go install "$pkg@$version") >&2; then
		rm -rf "$tmp"
		ck8s_die "could not build $pkg@$version from the Go module proxy ($(go env GOPROXY)); is it reachable and does it serve that version?"
	fi
	[[ -x $tmp/bin/$name ]] || { rm -rf "$tmp"; ck8s_die "go install did not produce $name"; }
	# Publish atomically; if a concurrent run won the race, keep its copy.
	if ! mv -T "$tmp/bin" "$dir" 2>/dev/null; then
		[[ -x $bin ]] || { rm -rf "$tmp"; ck8s_die "could not move $name into $dir"; }
	fi
	rm -rf "$tmp"
	printf '%s\n' "$bin"
}
