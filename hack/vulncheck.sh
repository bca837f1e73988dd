#!/usr/bin/env bash
# hack/vulncheck.sh: run govulncheck on the repository without vuln.go.dev.
#
# Usage: hack/vulncheck.sh [govulncheck flags and patterns]   (default: ./...)
#   e.g. hack/vulncheck.sh                 # scan the repo
#        hack/vulncheck.sh -show verbose ./...
#        hack/vulncheck.sh -C /some/module ./...   (used by vulncheck_selftest.sh)
#        hack/vulncheck.sh --print-db      # build/cache the database, print its dir
#
# Everything comes from the Go module proxy, nothing from vuln.go.dev:
#   - govulncheck: golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION,
#     built once into ${CK8S_CACHE:-~/.cache/ck8s}/tools/.
#   - the database: the module golang.org/x/vulndb@$VULNDB_VERSION carries
#     every published OSV entry in data/osv/GO-YYYY-NNNN.json. The helper
#     module hack/vulndb-index turns that into the v1 layout govulncheck reads
#     (index/db.json, index/modules.json, index/vulns.json, ID/<id>.json),
#     once per version, into ${CK8S_CACHE:-~/.cache/ck8s}/vulndb/.
#
# To take newer advisories, bump VULNDB_VERSION to the output of
#   go list -m -f '{{.Version}}' golang.org/x/vulndb@latest
# (or run with VULNDB_VERSION=latest to resolve it on the fly).
#
# Exit status is govulncheck's: 0 nothing found, 3 vulnerabilities found,
# 1/2 errors. Set VULNCHECK_OFFLINE_DB=DIR to use a prebuilt v1 database.
set -euo pipefail

# shellcheck disable=SC2034 # read by lib/tools.sh
CK8S_PROG=vulncheck
# shellcheck source=lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"

GOVULNCHECK_VERSION=${GOVULNCHECK_VERSION:-v1.9.0}
VULNDB_MODULE=golang.org/x/vulndb
VULNDB_VERSION=${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}
# Bump when hack/vulndb-index changes its output, so cached dbs are rebuilt.
VULNDB_FORMAT=1

# file_url DIR: a file:// URL for the absolute path DIR, percent-encoding
# anything that is not plainly safe in a URL path.
file_url() {
	local p=$1 out='' c i
	for ((i = 0; i < ${#p}; i++)); do
		c=${p:i:1}
		case $c in
		[A-Za-z0-9/._~-]) out+=$c ;;
		*) out+=$(printf '%%%02X' "'$c") ;;
		esac
	done
	printf 'file://%s\n' "$out"
}

# vulndb_dir: print the directory of the v1 database for $VULNDB_VERSION,
# building it first if it is not cached. Runs in a subshell (for the trap).
vulndb_dir() (
	local scratch version
	scratch=$(mktemp -d) || ck8s_die "mktemp failed"
	# shellcheck disable=SC2064
	trap "rm -rf '$scratch'" EXIT
	version=$VULNDB_VERSION
	if [[ $version == latest ]]; then
		version=$(cd "$scratch" && ck8s_go list -m -f '{{.Version}}' "$VULNDB_MODULE@latest") ||
			ck8s_die "could not resolve $VULNDB_MODULE@latest through the Go module proxy"
	fi
	local db="$CK8S_CACHE/vulndb/$version-f$VULNDB_FORMAT"
	if [[ -f $db/index/modules.json && -f $db/SOURCE ]]; then
		printf '%s\n' "$db"
		return 0
	fi

	ck8s_log "building vulnerability database from $VULNDB_MODULE@$version into $db"
	local src modtime
	# Downloads the module zip (~25 MB, 67 MB unpacked) into GOMODCACHE.
	src=$(cd "$scratch" && ck8s_go mod download -json "$VULNDB_MODULE@$version" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p') || true
	[[ -n $src && -d $src/data/osv ]] ||
		ck8s_die "could not download $VULNDB_MODULE@$version from the Go module proxy ($(go env GOPROXY)), or it has no data/osv"
	# The OSV files carry zero "modified" times (upstream sets them from git
	# history); the db's own time is that of the vulndb commit instead.
	modtime=$(cd "$scratch" && ck8s_go list -m -f '{{if .Time}}{{.Time.UTC.Format "2006-01-02T15:04:05Z07:00"}}{{end}}' "$VULNDB_MODULE@$version") ||
		ck8s_die "could not read the time of $VULNDB_MODULE@$version"

	mkdir -p "$CK8S_CACHE/vulndb" || ck8s_die "cannot create $CK8S_CACHE/vulndb"
	local tmp
	tmp=$(mktemp -d "$CK8S_CACHE/vulndb/.tmp.XXXXXX") || ck8s_die "mktemp failed"
	if ! (cd "$CK8S_ROOT/hack/vulndb-index" &&
		GOWORK=off GOFLAGS=-mod=readonly GOTOOLCHAIN=$CK8S_GOVERSION go run . \
			-src "$src/data/osv" -out "$tmp/db" -modified "$modtime") >&2; then
		rm -rf "$tmp"
		ck8s_die "hack/vulndb-index failed on $src/data/osv"
	fi
	printf 'module %s@%s\nmodified %s\nentries %s\n' "$VULNDB_MODULE" "$version" "$modtime" \
		"$(find "$tmp/db/ID" -name '*.json' | wc -l)" >"$tmp/db/SOURCE"
	if ! mv -T "$tmp/db" "$db" 2>/dev/null; then
		[[ -f $db/SOURCE ]] || { rm -rf "$tmp"; ck8s_die "could not move the database into $db"; }
	fi
	rm -rf "$tmp"
	printf '%s\n' "$db"
)

main() {
	local govulncheck db
	ck8s_need_go
	if [[ ${1:-} == --print-db ]]; then
		vulndb_dir
		return
	fi
	govulncheck=$(ck8s_tool govulncheck golang.org/x/vuln/cmd/govulncheck "$GOVULNCHECK_VERSION")
	if [[ -n ${VULNCHECK_OFFLINE_DB:-} ]]; then
		db=$(cd "$VULNCHECK_OFFLINE_DB" && pwd -P) || ck8s_die "VULNCHECK_OFFLINE_DB=$VULNCHECK_OFFLINE_DB is not a directory"
		[[ -f $db/index/modules.json ]] || ck8s_die "$db is not a v1 vulnerability database (no index/modules.json)"
	else
		db=$(vulndb_dir)
	fi
	local source="(no SOURCE file)"
	[[ -f $db/SOURCE ]] && source=$(tr '\n' ' ' <"$db/SOURCE")
	ck8s_log "govulncheck $GOVULNCHECK_VERSION; database $db: ${source% }"

	cd "$CK8S_ROOT"
	if (($# == 0)); then
		set -- ./...
	fi
	exec "$govulncheck" -db "$(file_url "$db")" "$@"
}

main "$@"
