package facts

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ck8s/ck8sctl/internal/facts"
)

// osReleasePaths are tried in order, as os-release(5) says.
var osReleasePaths = []string{"etc/os-release", "usr/lib/os-release"}

func readOSRelease(root string) (facts.OS, error) {
	var errs []error
	for _, p := range osReleasePaths {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		return parseOSRelease(b), nil
	}
	return facts.OS{}, fmt.Errorf("reading os-release: %w", errors.Join(errs...))
}

// parseOSRelease reads the KEY=value lines of os-release(5); values may be
// quoted shell-style. Unknown keys and malformed lines are ignored.
func parseOSRelease(b []byte) facts.OS {
	kv := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		kv[k] = unquote(v)
	}
	o := facts.OS{ID: kv["ID"], VersionID: kv["VERSION_ID"], PrettyName: kv["PRETTY_NAME"]}
	if o.ID == "" {
		o.ID = "linux" // os-release(5): the default
	}
	if like := strings.Fields(kv["ID_LIKE"]); len(like) > 0 {
		o.IDLike = like
	}
	return o
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		if v[0] == '"' {
			if u, err := strconv.Unquote(v); err == nil {
				return u
			}
		}
		return v[1 : len(v)-1]
	}
	return v
}
