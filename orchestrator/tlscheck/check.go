package tlscheck

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/ck8s/ck8sctl/internal/fence"
)

// ErrOutOfScope means the address is outside Config.Allow. Nothing was
// sent to it. Not retryable: fix the address or the allow-list.
var ErrOutOfScope = errors.New("address is outside the allowed scope")

// Check connects to the domain's address and judges what it serves. It
// returns an error only for a bad Config or an address outside Allow or
// the network fence (CK8S_NETWORK_FENCE);
// everything found on the wire, including an unreachable address
// (Reachable false), is a finding in the report.
func Check(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.defaults()
	start := time.Now()
	now := cfg.Now()
	r := &Report{Domain: cfg.Domain, Roots: cfg.RootsName, MinValidDays: cfg.MinValid.Hours() / 24, CheckedAt: now.UTC()}
	defer func() { r.Seconds = time.Since(start).Seconds() }()
	addr, err := cfg.resolve(ctx)
	if err != nil {
		r.add("connect", Fail, "%v", err)
		r.finish()
		return r, nil
	}
	r.Addr = addr.String()
	// The caller's scope, then the process-wide fence: refused before a
	// packet is sent.
	if err := inScope(cfg.Allow, addr.Addr()); err != nil {
		return nil, err
	}
	if err := fence.Check(addr.Addr()); err != nil {
		return nil, fmt.Errorf("TLS check of %s at %s: %w", cfg.Domain, addr, err)
	}
	o, ok := handshake(ctx, &cfg, addr, r)
	if ok {
		judge(r, &cfg, o, now)
	}
	if cfg.HTTPRedirect {
		checkRedirect(ctx, &cfg, addr.Addr(), r)
	}
	r.finish()
	return r, nil
}

// handshake connects and completes a TLS handshake, recording a connect or
// handshake failure in r. It does not verify anything: judge does, so
// that every problem is reported rather than the first.
func handshake(ctx context.Context, cfg *Config, addr netip.AddrPort, r *Report) (Observed, bool) {
	d := net.Dialer{Timeout: cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", addr.String())
	if err != nil {
		r.add("connect", Fail, "connecting to %s: %v", addr, err)
		return Observed{}, false
	}
	defer conn.Close()
	r.Reachable = true
	var suites []uint16
	for _, s := range tls.CipherSuites() {
		suites = append(suites, s.ID) // RSA key exchange too: report an old server, don't miss it
	}
	tc := tls.Client(conn, &tls.Config{
		ServerName:         cfg.Domain,
		MinVersion:         tls.VersionTLS10, // so a TLS 1.0/1.1 server is judged, not just refused
		CipherSuites:       suites,
		InsecureSkipVerify: true, // judge verifies, against cfg.Roots, after the handshake
	})
	hctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no TLS answer within %s (does the port speak TLS?)", cfg.Timeout)
		}
		r.add("handshake", Fail, "TLS handshake with %s: %v", addr, err)
		return Observed{}, false
	}
	st := tc.ConnectionState()
	return Observed{Version: st.Version, Cipher: st.CipherSuite, Certs: st.PeerCertificates}, true
}

func inScope(allow []netip.Prefix, a netip.Addr) error {
	if allow == nil {
		return nil
	}
	for _, p := range allow {
		if p.Contains(a.Unmap().WithZone("")) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s is not in %v", ErrOutOfScope, a, allow)
}
