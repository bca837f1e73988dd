package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// Source is what the pages read. *store.DB satisfies it.
type Source interface {
	Hosts(ctx context.Context) ([]store.HostState, error)
	ListRuns(ctx context.Context, f store.RunFilter) ([]store.Run, error)
	Run(ctx context.Context, id string) (store.Run, error)
	EventsAfter(ctx context.Context, runID string, afterID int64, limit int) ([]store.Stored, error)
}

var _ Source = (*store.DB)(nil)

// Options tune the handler; the zero value is usable.
type Options struct {
	// EventsURL is where the run page's live timeline reads a run's
	// Server-Sent Events. Default: /v1/runs/{id}/events.
	EventsURL func(runID string) string
	// Log receives store errors (the page shows only that one happened).
	Log *slog.Logger
	// Now is the clock for certificate days left and running durations.
	Now func() time.Time
}

// recentRuns is how many runs the overview lists.
const recentRuns = 25

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

type handler struct {
	src   Source
	opts  Options
	pages map[string]*template.Template
}

// NewHandler serves GET / (the fleet), GET /runs/{id} (one run) and GET
// /static/... (the embedded style sheet and script); anything else is a
// 404 page.
func NewHandler(src Source, opts Options) (http.Handler, error) {
	if src == nil {
		return nil, errors.New("web handler: Source is nil")
	}
	if opts.EventsURL == nil {
		opts.EventsURL = func(id string) string { return "/v1/runs/" + url.PathEscape(id) + "/events" }
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	h := &handler{src: src, opts: opts, pages: pages}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.overview)
	mux.HandleFunc("GET /runs/{id}", h.run)
	mux.Handle("GET /static/", static())
	mux.HandleFunc("/", h.notFound)
	return secure(mux), nil
}

// parsePages pairs each page with the layout, one template set per page
// so that their "content" blocks do not collide.
func parsePages() (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range []string{"overview", "run", "error"} {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// static serves the embedded files, without directory listings.
func static() http.Handler {
	files := http.FileServerFS(staticFS)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
}

// secure sets the headers every response carries. The policy admits
// scripts and styles from this origin's files only: markup that slipped
// into a page could still not run.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "+
			"img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// render executes a page into memory first, so that a template error is
// a clean 500 rather than half a page.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	var buf bytes.Buffer
	if err := h.pages[page].ExecuteTemplate(&buf, "layout", data); err != nil {
		h.opts.Log.Error("rendering page", "page", page, "path", r.URL.Path, "err", err)
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h.render(w, r, http.StatusNotFound, "error", errorView{Title: "Not found",
		Message: "There is no page at " + r.URL.Path + "."})
}

// fail answers a store error: logged in full, shown only as a fact.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.opts.Log.Error("reading the store for a page", "path", r.URL.Path, "err", err)
	h.render(w, r, http.StatusInternalServerError, "error", errorView{Title: "Store unavailable",
		Message: "The page could not be read from the store; the error is in the server's log."})
}
