package cli

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

const repoRoot = "../.."

// TestDocsFlagTables fails when docs/cli.md or a flag table in a docs page
// differs from what the command definitions (and so --help) say. Fix:
// go run ./hack/gendocs. On Linux only: lab's flags exist there only.
func TestDocsFlagTables(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the docs describe the Linux build (lab)")
	}
	var ref bytes.Buffer
	if err := FlagReference(&ref); err != nil {
		t.Fatal(err)
	}
	pages, _ := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	marked := 0
	for _, p := range pages {
		doc, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		want, err := RefreshFlagTables(string(doc))
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if filepath.Base(p) == "cli.md" {
			want = ref.String()
		}
		if string(doc) != want {
			t.Errorf("%s disagrees with the command definitions: run go run ./hack/gendocs\n%s", p, firstDiff(string(doc), want))
		}
		marked += strings.Count(string(doc), "<!-- flags: ")
	}
	if marked < 5 {
		t.Errorf("only %d flag tables in docs pages: the feature pages lost their markers", marked)
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return "line " + strconv.Itoa(i+1) + ":\n  doc:  " + g[i] + "\n  code: " + w[i]
		}
	}
	return "the lengths differ"
}

// markdownFiles are the repository's .md files, outside build output and
// lab state.
func markdownFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(repoRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != repoRoot && (strings.HasPrefix(d.Name(), ".") || d.Name() == "dist" || d.Name() == "bin") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".md") {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var (
	codeFence   = regexp.MustCompile("(?ms)^ *```.*?^ *```")
	codeSpan    = regexp.MustCompile("`[^`\n]*`")
	indented    = regexp.MustCompile(`(?m)^(    |\t).*$`)
	mdLink      = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	bareURL     = regexp.MustCompile(`(?i)\bhttps?://([^/\s)>\]"'` + "`" + `]+)`)
	heading     = regexp.MustCompile(`(?m)^#{1,6} +(.+?) *$`)
	slugStrip   = regexp.MustCompile(`[^\p{L}\p{N}\- _]`)
	placeholder = regexp.MustCompile(`(?i)^(localhost|127\.[0-9.]+|\[::1\]|\[2001:db8:[0-9a-f:]*\]|192\.0\.2\.[0-9]+|198\.51\.100\.[0-9]+|203\.0\.113\.[0-9]+|198\.1[89]\.[0-9.]+|([a-z0-9-]+\.)*(example|test|invalid)|([a-z0-9-]+\.)*example\.(com|org|net))(:[0-9]+)?$`)
)

// prose is a page without its code: fenced and indented blocks and
// code spans hold commands and values, not links.
func prose(doc string) string {
	doc = codeFence.ReplaceAllString(doc, "")
	doc = indented.ReplaceAllString(doc, "")
	return codeSpan.ReplaceAllString(doc, "")
}

// TestDocsNoOutsideLinks: no page links outside the repository. The rule:
// in prose (code blocks and spans are values, not links), every http(s)
// URL, as a link target or bare, names a placeholder host (example.com,
// .test, localhost, the documentation address ranges, DOMAIN).
func TestDocsNoOutsideLinks(t *testing.T) {
	for _, p := range markdownFiles(t) {
		doc, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range bareURL.FindAllStringSubmatch(prose(string(doc)), -1) {
			host := m[1]
			if !placeholder.MatchString(host) && strings.ToUpper(host) != host && !strings.Contains(host, "<") {
				t.Errorf("%s: %s links outside the repository", p, m[0])
			}
		}
	}
}

// TestDocsLinksResolve: every relative link names a file of the
// repository, and every #anchor a heading of its page.
func TestDocsLinksResolve(t *testing.T) {
	anchors := map[string]map[string]bool{}
	for _, p := range markdownFiles(t) {
		doc, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mdLink.FindAllStringSubmatch(prose(string(doc)), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue // TestDocsNoOutsideLinks judges these
			}
			path, anchor, _ := strings.Cut(target, "#")
			file := p
			if path != "" {
				file = filepath.Join(filepath.Dir(p), path)
				if _, err := os.Stat(file); err != nil {
					t.Errorf("%s: link %s: %v", p, target, err)
					continue
				}
			}
			if anchor == "" || !strings.HasSuffix(file, ".md") {
				continue
			}
			if anchors[file] == nil {
				anchors[file] = headingSlugs(t, file)
			}
			if !anchors[file][anchor] {
				t.Errorf("%s: link %s: no heading #%s in %s", p, target, anchor, file)
			}
		}
	}
}

// headingSlugs are a page's heading anchors as GitHub makes them.
func headingSlugs(t *testing.T, file string) map[string]bool {
	doc, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, m := range heading.FindAllStringSubmatch(codeFence.ReplaceAllString(string(doc), ""), -1) {
		slug := strings.ReplaceAll(strings.ToLower(slugStrip.ReplaceAllString(m[1], "")), " ", "-")
		out[slug] = true
	}
	return out
}

// TestReadme: the README stays a five-minute read, its playbook loads,
// and the commands and make targets it names exist.
func TestReadme(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	if n := strings.Count(readme, "\n"); n > 250 {
		t.Errorf("README.md has %d lines, at most 250: move the detail to docs/", n)
	}
	block := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindStringSubmatch(readme)
	if block == nil {
		t.Fatal("README.md has no yaml playbook")
	}
	if _, err := playbook.Parse("README.md", []byte(block[1])); err != nil {
		t.Errorf("the README's playbook does not load: %v", err)
	}
	app := referenceApp()
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z-]+)").FindAllStringSubmatch(readme, -1) {
		if findCommand(app.Commands, []string{m[1]}) == nil {
			t.Errorf("README.md names the command %q, which ck8sctl does not have", m[1])
		}
	}
	makefile, err := os.ReadFile(filepath.Join(repoRoot, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile("`make ([a-z0-9-]+)").FindAllStringSubmatch(readme, -1) {
		if !regexp.MustCompile("(?m)^" + regexp.QuoteMeta(m[1]) + ":").Match(makefile) {
			t.Errorf("README.md names make %s, which the Makefile does not have", m[1])
		}
	}
}
