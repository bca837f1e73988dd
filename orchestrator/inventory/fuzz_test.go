package inventory

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// seeds adds the testdata inventories with the given extensions.
func seeds(f *testing.F, exts ...string) {
	for _, name := range fixtures {
		if ext := filepath.Ext(name); ext == "" || slices.Contains(exts, ext) {
			if data, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
				f.Add(data)
			}
		}
	}
}

// checkParsed holds for anything Parse returns: an *Error, or an
// inventory whose hosts are unique and are the "all" group's members.
func checkParsed(t *testing.T, inv *Inventory, err error) {
	if err != nil {
		var ie *Error
		if !errors.As(err, &ie) {
			t.Fatalf("error without *Error: %v", err)
		}
		return
	}
	seen := map[string]bool{}
	for _, h := range inv.Hosts {
		if seen[h.Name] {
			t.Fatalf("host %q twice", h.Name)
		}
		seen[h.Name] = true
	}
	if all := inv.Universe().Members("all"); !slices.Equal(all, hostNames(inv.Hosts)) {
		t.Fatalf("all: %q, hosts %q", all, hostNames(inv.Hosts))
	}
	if _, err := inv.Limit("*:!all[0]"); err != nil && !strings.Contains(err.Error(), "selects no hosts") {
		t.Fatalf("*:!all[0]: %v", err)
	}
}

// FuzzParseINI feeds arbitrary bytes to the INI parser (and the Python
// literal reader behind it): it must never panic or hang.
func FuzzParseINI(f *testing.F) {
	seeds(f, ".ini")
	f.Add([]byte("h x=\"'a'\" y=[1,{2:(3,)}] z=0x_f w=1e400\n[g:children]\nc\n[c]\nweb[01:10:3]:22\n"))
	f.Add([]byte("[a:children]\nb\n[b:children]\na\n"))
	f.Add([]byte("h v=b'\\xff' u='\\u00e9\\N{DASH}' r=r'\\'' t='''x'''\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := Parse("f.ini", data)
		checkParsed(t, inv, err)
	})
}

// FuzzParseYAML does the same for YAML, anchors and merge keys included.
func FuzzParseYAML(f *testing.F) {
	seeds(f, ".yml", ".yaml", ".json")
	f.Add([]byte("a: &a\n  vars: {x: 1}\nb:\n  <<: *a\n  hosts: {h[1:3]: {<<: {y: 2}}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := Parse("f.yml", data)
		checkParsed(t, inv, err)
	})
}

// FuzzPattern evaluates arbitrary patterns: an error or a non-empty
// selection, never a panic.
func FuzzPattern(f *testing.F) {
	for _, c := range limitCases {
		f.Add(c.pattern)
	}
	f.Add("~(a|b)[0-9]+:&w*:!web[-1]")
	f.Fuzz(func(t *testing.T, pattern string) {
		p, err := ParsePattern(pattern)
		if err != nil {
			return
		}
		hosts, err := p.Select(testUniverse)
		if err == nil && len(hosts) == 0 {
			t.Fatalf("%q: no hosts and no error", pattern)
		}
	})
}
