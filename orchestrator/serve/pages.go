package serve

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/ck8s/ck8sctl/orchestrator/serve/api"
	"github.com/ck8s/ck8sctl/orchestrator/serve/web"
)

// mountPages mounts the status page behind the API's tokens. A browser
// cannot send a bearer header with a link or an EventSource, so a valid
// token given once (the sign-in form, posted so that it stays out of
// history and logs, or ?token= for scripts) is kept in an HttpOnly,
// SameSite=Strict cookie, which the API accepts too.
func (s *Server) mountPages(mux *http.ServeMux, auth *api.Auth) error {
	pages, err := web.NewHandler(s.db, web.Options{Log: s.log.With("component", "web")})
	if err != nil {
		return err
	}
	mux.Handle("/", pageAuth(auth, pages))
	return nil
}

func pageAuth(auth *api.Auth, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth.Name(r) != "" {
			next.ServeHTTP(w, r)
			return
		}
		tok := r.URL.Query().Get("token")
		if r.Method == http.MethodPost {
			tok = r.PostFormValue("token")
		}
		if tok != "" {
			probe := r.Clone(r.Context())
			probe.Header.Set("Authorization", "Bearer "+tok)
			if auth.Name(probe) != "" {
				http.SetCookie(w, &http.Cookie{Name: api.CookieName, Value: tok, Path: "/", HttpOnly: true,
					SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
				clean := *r.URL
				q := clean.Query()
				q.Del("token")
				clean.RawQuery = q.Encode()
				http.Redirect(w, r, clean.RequestURI(), http.StatusSeeOther)
				return
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_ = loginPage.Execute(w, url.PathEscape(r.URL.Path))
	})
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>ck8sctl serve: sign in</title></head>
<body><h1>ck8sctl serve</h1><p>An API token is required.</p>
<form method="post"><label>Token <input type="password" name="token" autocomplete="off"></label>
<button type="submit">Sign in</button></form></body></html>
`))
