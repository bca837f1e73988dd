// Package browsertest drives a real headless Chromium
// (chromium-headless-shell) from tests, through chromedp: pages are
// checked as a user's browser runs them, JavaScript, Content Security
// Policy and all.
//
// The browser is fenced to loopback. Every request goes to a proxy at
// 127.0.0.1:9 (discard: nothing listens, so it fails at once) except
// those to 127.0.0.0/8, localhost and [::1]; host names other than
// localhost do not resolve; QUIC, component updates, sync, translation
// and the other background services that call home are off. A page under
// test can therefore reach its httptest server and nothing else.
//
// Without the browser a test skips, or fails under CI=true.
package browsertest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// Binary is the browser, Debian's chromium-headless-shell (hack/deps.sh
// installs it), looked up on PATH.
const Binary = "chromium-headless-shell"

// Timeout bounds a whole browser test: tests take a few seconds, and a
// wedged browser must fail the test, not hang the suite.
const Timeout = 60 * time.Second

// Browser is one fresh browser (its own profile) with one tab.
type Browser struct {
	t       testing.TB
	ctx     context.Context
	console *consoleLog
}

// New starts a browser for t and closes it when t ends.
func New(t testing.TB) *Browser {
	t.Helper()
	testenv.RequireCommand(t, Binary)
	path, _ := exec.LookPath(Binary)
	profile := t.TempDir() // before the cleanup below: removed after the browser exits
	var out syncBuffer
	opts := append(fencedFlags(), chromedp.ExecPath(path), chromedp.UserDataDir(profile), chromedp.CombinedOutput(&out))
	deadline, cancelDeadline := context.WithTimeout(context.Background(), Timeout)
	actx, cancelAlloc := chromedp.NewExecAllocator(deadline, opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	b := &Browser{t: t, ctx: ctx, console: &consoleLog{}}
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser to exit
		cancelDeadline()
		if t.Failed() && out.Len() > 0 {
			t.Logf("browser output:\n%s", out.String())
		}
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	b.console.watch(ctx)
	return b
}

// Context is the tab's context, for chromedp.Do and chromedp.Run.
func (b *Browser) Context() context.Context { return b.ctx }

// fencedFlags are the browser's flags: headless, quiet and fenced to
// loopback (see the package doc).
func fencedFlags() []chromedp.ExecAllocatorOption {
	opts := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	return append(opts,
		chromedp.NoSandbox, // tests run as root, where the sandbox refuses to start
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints,DialMediaRouteProvider"),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.*, EXCLUDE [::1]"),
		// <-loopback> drops the implicit bypass, so that only the listed
		// loopback ranges skip the dead proxy, spelled out here.
		chromedp.ProxyServer("http://127.0.0.1:9"),
		chromedp.Flag("proxy-bypass-list", "<-loopback>;127.0.0.0/8;localhost;[::1]"),
		chromedp.WindowSize(1280, 900),
	)
}

// Screenshot saves a full-page PNG as name.png under the test's artifact
// directory ($CK8S_TEST_ARTIFACTS/<test>/, else a temporary one) and
// logs and returns its path.
func (b *Browser) Screenshot(name string) string {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := artifactDir(b.t)
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	b.t.Logf("screenshot: %s", p)
	return p
}

func artifactDir(t testing.TB) string {
	t.Helper()
	root := os.Getenv("CK8S_TEST_ARTIFACTS")
	if root == "" {
		return t.TempDir()
	}
	dir := filepath.Join(root, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifact directory: %v", err)
	}
	return dir
}

// syncBuffer collects the browser's output from its reader goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Len()
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}
