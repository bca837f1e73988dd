package tlscheck

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/ck8s/ck8sctl/internal/fence"
)

// DefaultHTTPPort is where the plain-HTTP redirect is asked for.
const DefaultHTTPPort = 80

// checkRedirect asks the same address for http://<domain>/ on the HTTP port
// and records whether it answers with a redirect to https on the domain
// itself (what a staging ingress with TLS should do). It never follows the
// redirect: only the one address given is ever contacted.
func checkRedirect(ctx context.Context, cfg *Config, a netip.Addr, r *Report) {
	port := cmp0(cfg.HTTPPort, DefaultHTTPPort)
	target := netip.AddrPortFrom(a, port)
	if err := fence.Check(a); err != nil {
		r.add("http-redirect", Fail, "not asked: %v", err)
		return
	}
	status, loc, err := askHTTP(ctx, cfg, target)
	switch {
	case err != nil:
		r.add("http-redirect", Fail, "http://%s/ at %s: %v", cfg.Domain, target, err)
		return
	case status < 300 || status > 399 || status == http.StatusNotModified:
		r.add("http-redirect", Fail, "http://%s/ at %s answers %d, not a redirect to https", cfg.Domain, target, status)
		return
	}
	u, err := url.Parse(loc)
	if err != nil || u.Scheme != "https" || !strings.EqualFold(u.Hostname(), cfg.Domain) || (u.Port() != "" && u.Port() != "443") {
		r.add("http-redirect", Fail, "http://%s/ at %s redirects to %q, not to https://%s/", cfg.Domain, target, loc, cfg.Domain)
		return
	}
	r.HTTPRedirect = loc
}

// askHTTP sends one GET / with the domain as Host to target and returns the
// status and Location, without following anything.
func askHTTP(ctx context.Context, cfg *Config, target netip.AddrPort) (int, string, error) {
	d := net.Dialer{Timeout: cfg.Timeout}
	c := &http.Client{
		Timeout: 2 * cfg.Timeout,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return d.DialContext(ctx, "tcp", target.String())
			},
			DisableKeepAlives: true,
			Proxy:             nil, // never through a proxy: the host itself must answer
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	host := cfg.Domain
	if target.Port() != DefaultHTTPPort {
		host = net.JoinHostPort(cfg.Domain, strconv.Itoa(int(target.Port())))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+host+"/", nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, "", fmt.Errorf("no HTTP answer: %w", err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location"), nil
}

func cmp0(v, def uint16) uint16 {
	if v == 0 {
		return def
	}
	return v
}
