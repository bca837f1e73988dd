package deploy

import (
	"io/fs"
	"strings"
	"testing"
)

// The renderer relies on these: a comment saying why the file exists, and
// every document opened by a "---" line of its own, to which it attaches
// the document's source line.
func TestTemplateShape(t *testing.T) {
	files, err := fs.Glob(FS(), "*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	for _, f := range files {
		src, err := fs.ReadFile(FS(), f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(src), "\n")
		if !strings.HasPrefix(lines[0], "# ") {
			t.Errorf("%s:1: must start with a comment saying what the objects are for", f)
		}
		docs := 0
		for i, l := range lines {
			switch {
			case strings.Contains(l, "\t"):
				t.Errorf("%s:%d: tab (YAML indents with spaces)", f, i+1)
			case l == "---":
				docs++
				if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "apiVersion: ") {
					t.Errorf("%s:%d: a document must start with apiVersion right after ---", f, i+2)
				}
			case strings.HasPrefix(l, "---"):
				t.Errorf("%s:%d: write --- alone on its line", f, i+1)
			}
		}
		if docs == 0 {
			t.Errorf("%s: no --- line", f)
		}
	}
}
