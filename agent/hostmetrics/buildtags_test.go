package hostmetrics

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// TestBuildTagsCoverCollectors keeps agent/buildtags.txt in step with
// node_exporter: every no<name> tag its collector package knows is listed,
// except those of the collectors we run, which must not be.
func TestBuildTagsCoverCollectors(t *testing.T) {
	listed := readTags(t, "../buildtags.txt")
	known := collectorTags(t)
	for _, c := range Collectors {
		if listed["no"+c] {
			t.Errorf("buildtags.txt has no%s: it would compile out a collector the agent runs", c)
		}
		if !known["no"+c] {
			t.Errorf("node_exporter has no no%s tag: is %q still a collector?", c, c)
		}
	}
	for tag := range known {
		if !listed[tag] && !slices.Contains(Collectors, strings.TrimPrefix(tag, "no")) {
			t.Errorf("buildtags.txt lacks %s: that collector would be compiled into the agent", tag)
		}
	}
	for tag := range listed {
		if !known[tag] {
			t.Errorf("buildtags.txt lists %s, which node_exporter does not know", tag)
		}
	}
}

func readTags(t *testing.T, path string) map[string]bool {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tags := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		for _, tag := range strings.Fields(line) {
			tags[tag] = true
		}
	}
	return tags
}

var noTag = regexp.MustCompile(`!(no[a-z0-9_]+)`)

// collectorTags lists the no<name> tags in node_exporter's collector sources.
func collectorTags(t *testing.T) map[string]bool {
	out, err := exec.Command("go", "list", "-f", "{{.Dir}}", "github.com/prometheus/node_exporter/collector").Output()
	if err != nil {
		if testenv.CI() {
			t.Fatalf("cannot locate node_exporter sources: %v", err)
		}
		t.Skipf("cannot locate node_exporter sources: %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "*.go"))
	tags := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "//go:build") {
				for _, m := range noTag.FindAllStringSubmatch(line, -1) {
					tags[m[1]] = true
				}
			}
		}
	}
	if len(tags) == 0 {
		t.Fatal("found no build tags in node_exporter's collector package")
	}
	return tags
}
