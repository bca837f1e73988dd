package phase

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/ck8s/ck8sctl/internal/fence"
	"github.com/ck8s/ck8sctl/internal/plan"
)

// Reasons a fetch failed, as FetchResult.Reason and the event name them.
const (
	ReasonRefused     = "refused"
	ReasonTimeout     = "timeout"
	ReasonWrongBody   = "wrong body"
	ReasonOffDomain   = "redirect off-domain"
	ReasonBadPort     = "redirect to a port other than 80/443"
	ReasonRedirects   = "too many redirects"
	ReasonUnreachable = "unreachable"
	ReasonFenced      = "outside the network fence"
	ReasonError       = "error"
)

// maxRedirects is what Let's Encrypt's validation follows.
const maxRedirects = 10

// FetchResult is one address's answer to the challenge URL.
type FetchResult struct {
	Addr   netip.Addr `json:"addr"`
	Family string     `json:"family"` // ipv4 or ipv6
	OK     bool       `json:"ok"`
	// Status is the final HTTP status, 0 when nothing answered.
	Status int    `json:"status,omitempty"`
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Redirects are the Location targets seen, in order; an off-domain
	// one is recorded, never followed.
	Redirects  []string `json:"redirects,omitempty"`
	DurationMS int64    `json:"durationMs"`
}

// fetcher fetches the challenge as a CA's validator would, but always
// through one given address of the host, never a resolver's choice.
type fetcher struct {
	domain              string
	timeout             time.Duration
	httpPort, httpsPort int
}

func (h *HTTP01) fetcher(domain string) *fetcher {
	f := &fetcher{domain: strings.TrimSuffix(strings.ToLower(domain), "."), timeout: h.Timeout, httpPort: h.HTTPPort, httpsPort: h.HTTPSPort}
	if f.timeout <= 0 {
		f.timeout = 10 * time.Second
	}
	if f.httpPort == 0 {
		f.httpPort = 80
	}
	if f.httpsPort == 0 {
		f.httpsPort = 443
	}
	return f
}

// redirectError is a redirect the validator would refuse; the client
// stops at it without sending anything to its target.
type redirectError struct{ reason, to string }

func (e *redirectError) Error() string { return e.reason + " to " + e.to }

// client dials only a, whatever host name a URL or redirect names.
func (f *fetcher) client(a netip.Addr, redirects *[]string, timeout time.Duration) *http.Client {
	var d net.Dialer
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, hostport string) (net.Conn, error) {
			if err := fence.Check(a); err != nil {
				return nil, err
			}
			_, port, _ := net.SplitHostPort(hostport)
			p := f.httpPort
			if port == "443" {
				p = f.httpsPort
			}
			return d.DialContext(ctx, "tcp", netip.AddrPortFrom(a, uint16(p)).String())
		},
		// Let's Encrypt does not check the certificate after a redirect
		// to https: http-01 exists to get the first valid one.
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true},
		DisableKeepAlives: true,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			*redirects = append(*redirects, req.URL.String())
			return f.allowRedirect(req, len(via))
		},
	}
}

// allowRedirect applies the validator's rules: http or https, ports 80 or
// 443, at most 10 hops; and the rehearsal's own: the same domain, since a
// redirect to another host is someone else's answer, not this host's.
func (f *fetcher) allowRedirect(req *http.Request, hops int) error {
	u := req.URL
	switch {
	case hops > maxRedirects:
		return &redirectError{ReasonRedirects, u.String()}
	case u.Scheme != "http" && u.Scheme != "https",
		!strings.EqualFold(strings.TrimSuffix(u.Hostname(), "."), f.domain):
		return &redirectError{ReasonOffDomain, u.String()}
	case u.Port() != "" && u.Port() != "80" && u.Port() != "443":
		return &redirectError{ReasonBadPort, u.String()}
	}
	return nil
}

// fetch GETs path on the domain through a. want is the expected body;
// empty accepts any HTTP answer (port 80 held by an ingress).
func (f *fetcher) fetch(ctx context.Context, a netip.Addr, path, want string) FetchResult {
	r := FetchResult{Addr: a, Family: family(a)}
	start := time.Now()
	defer func() { r.DurationMS = time.Since(start).Milliseconds() }()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+f.domain+path, nil)
	if err != nil {
		r.Reason, r.Detail = ReasonError, err.Error()
		return r
	}
	req.Header.Set("User-Agent", "ck8sctl http-01 rehearsal")
	resp, err := f.client(a, &r.Redirects, f.timeout).Do(req)
	if err != nil {
		if resp != nil { // the redirect that was refused
			r.Status = resp.StatusCode
		}
		r.Reason, r.Detail = classify(err), err.Error()
		return r
	}
	defer resp.Body.Close()
	r.Status = resp.StatusCode
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<10))
	if err != nil {
		r.Reason, r.Detail = classify(err), "reading the body: "+err.Error()
		return r
	}
	if want != "" && (resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != want) {
		r.Reason, r.Detail = ReasonWrongBody, fmt.Sprintf("HTTP %d, %d byte(s): %.60q", resp.StatusCode, len(body), body)
		return r
	}
	r.OK = true
	return r
}

// stop sends the DELETE that ends a serving agent's window, with the
// plan's stop secret: the token alone does not end it.
func (f *fetcher) stop(ctx context.Context, a netip.Addr, path, secret string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, "http://"+f.domain+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set(plan.HTTP01StopHeader, secret)
	var redirects []string
	resp, err := f.client(a, &redirects, min(f.timeout, 2*time.Second)).Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("stopping the rehearsal: HTTP %d", resp.StatusCode)
	}
	return nil
}

func classify(err error) string {
	var re *redirectError
	var ne net.Error
	switch {
	case errors.As(err, &re):
		return re.reason
	case errors.Is(err, syscall.ECONNREFUSED):
		return ReasonRefused
	case errors.Is(err, fence.ErrOutside):
		return ReasonFenced
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return ReasonTimeout
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return ReasonUnreachable
	}
	return ReasonError
}

func family(a netip.Addr) string {
	if a.Unmap().Is4() {
		return "ipv4"
	}
	return "ipv6"
}
