package config

import (
	"fmt"
	"os"
	"regexp"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
)

var (
	// nameRE is the shape of every name in the file: webhook names are
	// URL paths (/v1/hooks/NAME), and all names end up in URLs, metrics
	// labels and log lines, where anything else would need quoting.
	nameRE = regexp.MustCompile(`^[a-z0-9-]{1,63}$`)
	// hostRE compiles on first use: its bounded repetition unrolls into
	// some 500 instructions, 1.7 ms at the init of every ck8sctl process
	// (two per command), and only `serve` reads a configuration.
	hostRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$`)
	})
	envRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	nameFmt = "must be lower-case letters, digits and '-' (at most 63), got %q"
)

// names checks that each name is unique among its kind.
type names map[string]int // name → line of first use

// name reads a required name at n under path.name, reporting a bad or
// duplicate one; kind words the duplicate message ("schedule").
func (d *decoder) name(m map[string]*yaml.Node, item *yaml.Node, path, kind string, seen names) string {
	n := m["name"]
	if n == nil {
		d.errorf(yamlnode.Resolve(item).Line, yamlnode.At(path, "name"), "required")
		return ""
	}
	s, ok := d.Str(n, yamlnode.At(path, "name"))
	line := yamlnode.Resolve(n).Line
	switch {
	case !ok:
		return ""
	case !nameRE.MatchString(s):
		d.errorf(line, yamlnode.At(path, "name"), nameFmt, s)
		return ""
	case seen[s] > 0:
		d.errorf(line, yamlnode.At(path, "name"), "duplicate %s name %q (first at line %d)", kind, s, seen[s])
		return ""
	}
	seen[s] = line
	return s
}

// existing is filePath for a file that must exist now: a typo is better
// caught at load than at the first job.
func (d *decoder) existing(n *yaml.Node, path string) (string, bool) {
	p, ok := d.filePath(n, path)
	if !ok {
		return "", false
	}
	if msg := fileProblem(p); msg != "" {
		d.errorf(yamlnode.Resolve(n).Line, path, "%s", msg)
		return "", false
	}
	return p, true
}

// fileProblem says why p is not a readable regular file, or "".
func fileProblem(p string) string {
	fi, err := os.Stat(p)
	switch {
	case err != nil:
		return fmt.Sprintf("cannot read %s: %s", p, pathErr(err))
	case !fi.Mode().IsRegular():
		return fmt.Sprintf("%s is not a regular file", p)
	}
	return ""
}
