#!/usr/bin/env bash
# hack/staticcheck.sh: run staticcheck on the repository.
#
# Usage: hack/staticcheck.sh [staticcheck flags and patterns]   (default: ./...)
#
# staticcheck (honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION) is
# built from the Go module proxy once per version and Go toolchain into
# ${CK8S_CACHE:-~/.cache/ck8s}/tools/; reruns use that binary directly.
# v0.8.2 is staticcheck 2026.2.2, the newest release, built for Go 1.26.
# Exit status is staticcheck's: 0 clean, 1 problems found or an error.
set -euo pipefail

# shellcheck disable=SC2034 # read by lib/tools.sh
CK8S_PROG=staticcheck
# shellcheck source=lib/tools.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools.sh"

STATICCHECK_VERSION=${STATICCHECK_VERSION:-v0.8.2}

main() {
	local staticcheck
	ck8s_need_go
	staticcheck=$(ck8s_tool staticcheck honnef.co/go/tools/cmd/staticcheck "$STATICCHECK_VERSION")
	ck8s_log "staticcheck $("$staticcheck" -version 2>/dev/null || echo "$STATICCHECK_VERSION") with $CK8S_GOVERSION"
	cd "$CK8S_ROOT"
	if (($# == 0)); then
		set -- ./...
	fi
	exec "$staticcheck" "$@"
}

main "$@"
