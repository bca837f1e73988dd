#!/usr/bin/env bash
# hack/vulncheck_selftest.sh: prove that hack/vulncheck.sh and the database it
# builds from golang.org/x/vulndb really find vulnerabilities.
#
# Usage: hack/vulncheck_selftest.sh            (about 20 s once vulncheck.sh's cache is warm)
#        VULNCHECK_SELFTEST_UPSTREAM=1 hack/vulncheck_selftest.sh
#            also builds vulndb's own cmd/indexdb (slow: ~100 modules) and
#            checks that hack/vulndb-index writes byte-identical indexes.
#
# It writes throwaway modules in a temp dir that call
# golang.org/x/text/language.ParseAcceptLanguage, which is
#   GO-2021-0113 (out-of-bounds read, fixed in x/text v0.3.7) and
#   GO-2022-1059 (DoS via Accept-Language, fixed in v0.3.8),
# and runs `hack/vulncheck.sh -C <module> ./...` on each:
#   x/text v0.3.6: both reported, exit status 3
#   x/text v0.3.7: only GO-2022-1059 (checks the "fixed" versions in the index)
#   x/text v0.3.8: neither
# Not part of `make test`; run it after changing hack/vulncheck.sh,
# hack/vulndb-index or the pinned versions. Needs only the Go module proxy.
set -euo pipefail

# shellcheck disable=SC2034 # read by lib/tools.sh
CK8S_PROG=vulncheck-selftest
# shellcheck source=lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"

ck8s_need_go
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0

# check TEXT_VERSION WANT_STATUS WANT_IDS NOT_WANT_IDS
check() {
	local version=$1 want_status=$2 want=$3 notwant=$4 dir="$work/text-$1" status=0 id
	mkdir -p "$dir"
	cat >"$dir/go.mod" <<-EOM
		module example.com/vulnselftest

		go 1.21

		require golang.org/x/text $version
	EOM
	cat >"$dir/main.go" <<-'EOM'
		package main

		import (
			"fmt"
			"os"

			"golang.org/x/text/language"
		)

		func main() {
			tags, _, err := language.ParseAcceptLanguage(os.Getenv("ACCEPT_LANGUAGE"))
			fmt.Println(tags, err)
		}
	EOM
	(cd "$dir" && ck8s_go mod tidy) >"$dir/tidy.log" 2>&1 ||
		{ cat "$dir/tidy.log" >&2; ck8s_die "could not set up the test module with golang.org/x/text $version"; }

	"$CK8S_ROOT/hack/vulncheck.sh" -C "$dir" ./... >"$dir/out.txt" 2>&1 || status=$?
	local ok=1
	[[ $status == "$want_status" ]] || { ck8s_log "x/text $version: exit status $status, want $want_status"; ok=0; }
	for id in $want; do
		grep -q "Vulnerability #[0-9]*: $id\$" "$dir/out.txt" || { ck8s_log "x/text $version: $id not reported"; ok=0; }
	done
	for id in $notwant; do
		if grep -q "$id" "$dir/out.txt"; then ck8s_log "x/text $version: $id reported but fixed"; ok=0; fi
	done
	if ((ok)); then
		ck8s_log "ok   x/text $version: exit $status, reported: $(grep -o 'Vulnerability #[0-9]*: GO-[0-9-]*' "$dir/out.txt" | sed 's/.*: //' | tr '\n' ' ')"
	else
		ck8s_log "FAIL x/text $version; govulncheck said:"
		sed 's/^/    /' "$dir/out.txt" >&2
		fail=1
	fi
}

# The first run also builds govulncheck and the database if they are not cached.
check v0.3.6 3 "GO-2021-0113 GO-2022-1059" ""
check v0.3.7 3 "GO-2022-1059" "GO-2021-0113"
check v0.3.8 0 "" "GO-2021-0113 GO-2022-1059"

if [[ -n ${VULNCHECK_SELFTEST_UPSTREAM:-} ]]; then
	ours=$("$CK8S_ROOT/hack/vulncheck.sh" --print-db)
	version=$(sed -n 's/^module golang.org\/x\/vulndb@//p' "$ours/SOURCE")
	indexdb=$(ck8s_tool indexdb golang.org/x/vulndb/cmd/indexdb "$version")
	src=$(cd "$work" && ck8s_go mod download -json "golang.org/x/vulndb@$version" |
		sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
	"$indexdb" -vulns "$src/data/osv" -out "$work/upstream"
	for f in modules.json vulns.json; do
		if cmp -s "$ours/index/$f" "$work/upstream/index/$f"; then
			ck8s_log "ok   index/$f is identical to vulndb's cmd/indexdb output"
		else
			ck8s_log "FAIL index/$f differs from vulndb's cmd/indexdb output"
			fail=1
		fi
	done
fi

if ((fail)); then
	ck8s_die "self-test failed"
fi
ck8s_log "PASS"
