package api

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// Token is an API bearer token.
type Token struct {
	Name   string
	Secret []byte
}

// Auth checks bearer tokens, in constant time over every token (which
// token matched, or how close a guess came, takes no measurable time).
type Auth struct{ tokens []Token }

// NewAuth returns the check for tokens.
func NewAuth(tokens []Token) *Auth { return &Auth{tokens: tokens} }

// CookieName carries the token for the status page's live stream: a
// browser's EventSource cannot send an Authorization header.
const CookieName = "ck8s_token"

// Name returns the name of the token r presents, "" if none matches.
func (a *Auth) Name(r *http.Request) string {
	got := presented(r)
	if got == "" {
		return ""
	}
	name := ""
	for _, t := range a.tokens {
		if subtle.ConstantTimeCompare([]byte(got), t.Secret) == 1 && name == "" {
			name = t.Name
		}
	}
	return name
}

func presented(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(tok)
		}
		return ""
	}
	if c, err := r.Cookie(CookieName); err == nil {
		return c.Value
	}
	return ""
}

type tokenKey struct{}

// Require answers 401 to a request without a valid token.
func (a *Auth) Require(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := a.Name(r)
		if name == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ck8s"`)
			writeError(w, http.StatusUnauthorized, "a valid bearer token is required")
			return
		}
		h.ServeHTTP(w, r.WithContext(withToken(r.Context(), name)))
	})
}
