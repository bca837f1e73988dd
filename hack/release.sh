#!/usr/bin/env bash
# hack/release.sh: versioned release archives of ck8sctl, run by
# `make release` (which builds the two Linux agents first, so that every
# archive embeds them; ck8sctl refuses to run playbooks without them).
#
# Writes dist/ck8sctl_VERSION_OS_ARCH.tar.gz for every target in CROSS,
# each holding the binary, README.md and LICENSE (if present), and
# dist/SHA256SUMS over the archives (check with `sha256sum -c SHA256SUMS`).
#
# Why a script and not GoReleaser: GoReleaser v2 is served by the module
# proxy, but `go run github.com/goreleaser/goreleaser/v2@v2.15.1 --version`
# pulls several hundred modules (cloud SDKs, signing, publishers) and had not
# finished compiling after 15 minutes on this project's 2-core machine; all
# it would do here is four `go build`s, four tar files and a checksum file.
# The archives are reproducible: -trimpath, the commit's build date in the
# binary and as every file's time, tar with fixed owners and order, gzip -n.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${VERSION:?set by make release}" "${LDFLAGS:?set by make release}" "${CROSS:?set by make release}"
GO=${GO:-go}
DIST=${DIST:-dist}
# The archives' file times: the commit's, for reproducible archives.
MTIME=$(git log -1 --format=%cI 2>/dev/null || date -u +%Y-%m-%dT%H:%M:%SZ)

for a in amd64 arm64; do
	for f in "ck8s-agent-linux-$a.gz" "ck8s-agent-light-linux-$a.zst"; do
		if [ ! -s "bootstrap/bin/$f" ]; then
			echo "release: bootstrap/bin/$f missing: run make release, not this script" >&2
			exit 1
		fi
	done
done

rm -rf "$DIST"
mkdir -p "$DIST"
for t in $CROSS; do
	os=${t%/*} arch=${t#*/}
	name=ck8sctl_${VERSION}_${os}_${arch}
	stage=$DIST/$name
	mkdir -p "$stage"
	echo "release: $name"
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch "$GO" build -trimpath -ldflags "$LDFLAGS" -o "$stage/ck8sctl" ./orchestrator/cmd/ck8sctl
	cp README.md "$stage/"
	[ -f LICENSE ] && cp LICENSE "$stage/"
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="$MTIME" \
		-C "$DIST" -cf - "$name" | gzip -n -9 > "$DIST/$name.tar.gz"
	rm -rf "$stage"
done
(cd "$DIST" && sha256sum -- *.tar.gz > SHA256SUMS)
cat "$DIST/SHA256SUMS"
