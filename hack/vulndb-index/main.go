// Command vulndb-index builds a Go vulnerability database in the v1 layout
// (https://go.dev/security/vuln/database#api) that govulncheck reads with
// -db file://DIR, from a directory of OSV entries such as data/osv in the
// golang.org/x/vulndb module:
//
//	DIR/index/db.json       {"modified": T}
//	DIR/index/modules.json  [{"path", "vulns": [{"id", "modified", "fixed"}]}]
//	DIR/index/vulns.json    [{"id", "modified", "aliases"}]
//	DIR/ID/GO-YYYY-NNNN.json (the OSV entry, copied byte for byte)
//
// The indexes are computed exactly like x/vulndb/internal/database (what
// vulndb's own cmd/indexdb does), see index.go. It uses only the standard
// library and golang.org/x/mod/semver, so it builds in a second; vulndb's
// cmd/indexdb works too but drags in ~100 modules (cloud, grpc, otel).
//
// The OSV files in the vulndb module have zero "modified" times (upstream
// fills them in from git history, which a module zip has not got), so
// -modified sets the database's own time, normally the time of the vulndb
// pseudo-version. Entries are never changed.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"time"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("vulndb-index: ")
	src := flag.String("src", "", "directory holding OSV entries named <ID>.json (required)")
	out := flag.String("out", "", "directory to write the database to; must not exist (required)")
	mod := flag.String("modified", "", "RFC 3339 time for index/db.json if later than every entry's (optional)")
	flag.Parse()
	if *src == "" || *out == "" || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	var modified time.Time
	if *mod != "" {
		t, err := time.Parse(time.RFC3339, *mod)
		if err != nil {
			log.Fatalf("-modified: %v", err)
		}
		modified = t.UTC()
	}
	n, err := build(*src, *out, modified)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "vulndb-index: wrote %d entries to %s\n", n, *out)
}
