// Helper module for hack/vulncheck.sh: turns the OSV entries shipped in the
// golang.org/x/vulndb module (data/osv/*.json) into a govulncheck v1
// database directory. It is a separate module so it never touches the
// project's go.mod, and `./...` at the repo root does not include it.
module github.com/ck8s/ck8sctl/hack/vulndb-index

go 1.26.0

require golang.org/x/mod v0.42.0
