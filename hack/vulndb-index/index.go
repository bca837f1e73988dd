package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

// entry is the part of an OSV entry that the indexes need.
type entry struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
	Affected []struct {
		Module struct {
			Path string `json:"name"`
		} `json:"package"`
		Ranges []osvRange `json:"ranges"`
	} `json:"affected"`
}

type osvRange struct {
	Type   string `json:"type"`
	Events []struct {
		Introduced string `json:"introduced,omitempty"`
		Fixed      string `json:"fixed,omitempty"`
	} `json:"events"`
}

// rfc3339 marshals like x/vulndb/internal/osv.Time: RFC 3339 in UTC, no
// fractional seconds.
type rfc3339 time.Time

func (t rfc3339) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Time(t).UTC().Format(time.RFC3339))
}

type dbMeta struct {
	Modified rfc3339 `json:"modified"`
}

type moduleMeta struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

type moduleVuln struct {
	ID       string  `json:"id"`
	Modified rfc3339 `json:"modified"`
	Fixed    string  `json:"fixed,omitempty"`
}

type vulnMeta struct {
	ID       string   `json:"id"`
	Modified rfc3339  `json:"modified"`
	Aliases  []string `json:"aliases,omitempty"`
}

// build reads every *.json file directly in src and writes the database
// to out, which must not exist yet. It returns the number of entries.
func build(src, out string, modified time.Time) (int, error) {
	files, err := os.ReadDir(src)
	if err != nil {
		return 0, err
	}
	if _, err := os.Stat(out); err == nil {
		return 0, fmt.Errorf("%s already exists", out)
	}
	idDir := filepath.Join(out, "ID")
	if err := os.MkdirAll(idDir, 0o755); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Join(out, "index"), 0o755); err != nil {
		return 0, err
	}

	modules := map[string]*moduleMeta{}
	var vulns []vulnMeta
	seen := map[string]bool{}
	for _, f := range files {
		name := f.Name()
		if f.IsDir() || filepath.Ext(name) != ".json" || name == "index.json" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			return 0, err
		}
		var e entry
		if err := json.Unmarshal(b, &e); err != nil {
			return 0, fmt.Errorf("%s: %v", name, err)
		}
		switch {
		case e.ID == "":
			return 0, fmt.Errorf("%s: no id", name)
		case name != e.ID+".json":
			return 0, fmt.Errorf("%s: id is %q; the file must be named <id>.json", name, e.ID)
		case seen[e.ID]:
			return 0, fmt.Errorf("%s: id %q appears twice", name, e.ID)
		case len(e.Affected) == 0:
			return 0, fmt.Errorf("%s: no affected modules", name)
		}
		seen[e.ID] = true
		if err := os.WriteFile(filepath.Join(idDir, name), b, 0o644); err != nil {
			return 0, err
		}
		if e.Modified.After(modified) {
			modified = e.Modified
		}
		vulns = append(vulns, vulnMeta{ID: e.ID, Modified: rfc3339(e.Modified), Aliases: e.Aliases})
		for _, a := range e.Affected {
			p := a.Module.Path
			if p == "" {
				return 0, fmt.Errorf("%s: affected entry without a package name", name)
			}
			m := modules[p]
			if m == nil {
				m = &moduleMeta{Path: p, Vulns: []moduleVuln{}}
				modules[p] = m
			}
			m.Vulns = append(m.Vulns, moduleVuln{ID: e.ID, Modified: rfc3339(e.Modified), Fixed: latestFixed(a.Ranges)})
		}
	}
	if len(vulns) == 0 {
		return 0, errors.New("no OSV entries found in " + src)
	}

	slices.SortFunc(vulns, func(a, b vulnMeta) int { return strings.Compare(a.ID, b.ID) })
	mods := make([]*moduleMeta, 0, len(modules))
	for _, m := range modules {
		slices.SortStableFunc(m.Vulns, func(a, b moduleVuln) int { return strings.Compare(a.ID, b.ID) })
		mods = append(mods, m)
	}
	slices.SortFunc(mods, func(a, b *moduleMeta) int { return strings.Compare(a.Path, b.Path) })

	for name, v := range map[string]any{
		"db.json":      dbMeta{Modified: rfc3339(modified)},
		"modules.json": mods,
		"vulns.json":   vulns,
	} {
		var buf bytes.Buffer
		if err := json.NewEncoder(&buf).Encode(v); err != nil {
			return 0, err
		}
		b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if err := os.WriteFile(filepath.Join(out, "index", name), b, 0o644); err != nil {
			return 0, err
		}
	}
	return len(vulns), nil
}

// latestFixed is x/vulndb/internal/osvutils.LatestFixed (the same as
// x/vuln/internal/semver.NonSupersededFix): the highest fixed version of
// the SEMVER ranges, or "" if the vulnerability was re-introduced after it.
// govulncheck skips an entry for a module whose version is >= this without
// reading it, so it must never be lower than the real fix.
func latestFixed(ranges []osvRange) string {
	var latest string
	for _, r := range ranges {
		if r.Type != "SEMVER" {
			continue
		}
		for _, e := range r.Events {
			if e.Fixed != "" && less(latest, e.Fixed) {
				latest = e.Fixed
			}
		}
		for _, e := range r.Events {
			if e.Introduced != "" && e.Introduced != "0" && less(latest, e.Introduced) {
				latest = ""
				break
			}
		}
	}
	return latest
}

// less compares versions with or without a "v" or "go" prefix, like
// x/vulndb/internal/version.Before and x/vuln/internal/semver.Less.
func less(v1, v2 string) bool {
	return semver.Compare(canonical(v1), canonical(v2)) < 0
}

func canonical(v string) string {
	v = strings.TrimPrefix(v, "v")
	v = strings.TrimPrefix(v, "go")
	return "v" + v
}
