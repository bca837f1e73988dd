package k8senv

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"testing"
	"time"
)

// Pebble's ports on PebbleOptions.Listen. Each lab has its own gateway
// address, so fixed ports do not collide between parallel test packages.
const (
	pebblePort     = 14000
	pebbleMgmtPort = 15000
)

// PebbleOptions say where Pebble listens and how it validates challenges.
type PebbleOptions struct {
	// Listen is a root-namespace address, e.g. the lab bridge's gateway
	// (lab.Gateways): reachable from the lab hosts, and nowhere else.
	Listen netip.Addr
	// DNSServer (host:port, e.g. the lab's DNS server) is where Pebble
	// resolves the names it validates. Required: without it Pebble would
	// ask the machine's resolver, which tests must not.
	DNSServer string
	// HTTPPort and TLSPort are where Pebble connects for HTTP-01 and
	// TLS-ALPN-01; 0 means 80 and 443.
	HTTPPort, TLSPort int
}

// Pebble is a running Pebble ACME test CA.
type Pebble struct {
	// DirectoryURL is the ACME directory, https://<Listen>:14000/dir.
	DirectoryURL string
	// CACert is the PEM CA of Pebble's own HTTPS listeners (generated
	// here, not Pebble's built-in test CA), for ACME clients to trust.
	CACert []byte
	// Dir holds the config, certificates and pebble.log.
	Dir string

	mgmtURL string
	client  *http.Client
}

// pebbleConfig is Pebble's JSON config (cmd/pebble/main.go in v2.10.3).
// Certificate and PrivateKey are file paths.
type pebbleConfig struct {
	Pebble struct {
		ListenAddress                  string `json:"listenAddress"`
		ManagementListenAddress        string `json:"managementListenAddress"`
		Certificate                    string `json:"certificate"`
		PrivateKey                     string `json:"privateKey"`
		HTTPPort                       int    `json:"httpPort"`
		TLSPort                        int    `json:"tlsPort"`
		OCSPResponderURL               string `json:"ocspResponderURL"`
		ExternalAccountBindingRequired bool   `json:"externalAccountBindingRequired"`
	} `json:"pebble"`
}

// StartPebble runs Pebble in the root namespace on o.Listen, waits until
// its directory answers, and stops it in t.Cleanup. Needs the pebble
// binary, and root like the labs whose gateway it listens on.
func StartPebble(t testing.TB, o PebbleOptions) *Pebble {
	t.Helper()
	bins := RequireOnly(t, func(b Binaries) []string { return []string{b.Pebble} })
	p, err := startPebble(t, bins.Pebble, o)
	if err != nil {
		t.Fatalf("starting pebble on %s: %v", o.Listen, err)
	}
	return p
}

func startPebble(t testing.TB, bin string, o PebbleOptions) (*Pebble, error) {
	t.Helper()
	if !o.Listen.IsValid() || o.DNSServer == "" {
		return nil, errors.New("PebbleOptions.Listen and DNSServer are required")
	}
	if o.HTTPPort == 0 {
		o.HTTPPort = 80
	}
	if o.TLSPort == 0 {
		o.TLSPort = 443
	}
	p := &Pebble{Dir: t.TempDir()}
	c, err := newCA("ck8s-k8senv-pebble-listener-ca")
	if err != nil {
		return nil, err
	}
	serving, err := c.issue(leaf{cn: "pebble", ips: []net.IP{o.Listen.AsSlice()}, usage: x509ServerAuth})
	if err != nil {
		return nil, err
	}
	p.CACert = c.pem
	addr := func(port int) string { return net.JoinHostPort(o.Listen.String(), strconv.Itoa(port)) }
	var cfg pebbleConfig
	cfg.Pebble.ListenAddress = addr(pebblePort)
	cfg.Pebble.ManagementListenAddress = addr(pebbleMgmtPort)
	cfg.Pebble.Certificate = p.Dir + "/listener.crt"
	cfg.Pebble.PrivateKey = p.Dir + "/listener.key"
	cfg.Pebble.HTTPPort, cfg.Pebble.TLSPort = o.HTTPPort, o.TLSPort
	js, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writeFiles(p.Dir, map[string][]byte{
		"listener.crt": serving.certPEM, "listener.key": serving.keyPEM, "ca.crt": c.pem, "pebble.json": js,
	}); err != nil {
		return nil, err
	}
	p.DirectoryURL = "https://" + addr(pebblePort) + "/dir"
	p.mgmtURL = "https://" + addr(pebbleMgmtPort)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.pem)
	p.client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		// Never the environment's proxy: Pebble is on the lab bridge.
		Proxy: nil,
	}}
	// No sleeps before validating (tests would wait up to 15 s per
	// challenge), and no random bad-nonce rejections (they test client
	// retries, not ours).
	env := []string{"PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0"}
	proc, err := start(t, "pebble", "", p.Dir+"/pebble.log", env, bin,
		"-config", p.Dir+"/pebble.json", "-dnsserver", o.DNSServer)
	if err != nil {
		return nil, err
	}
	if err := proc.wait(context.Background(), time.Minute, func(ctx context.Context) error {
		_, err := p.get(ctx, p.DirectoryURL)
		return err
	}); err != nil {
		return nil, err
	}
	return p, nil
}

// Roots returns the PEM root certificate Pebble signs issued certificates
// with (from its management listener; it is new on every start).
func (p *Pebble) Roots(ctx context.Context) ([]byte, error) {
	b, err := p.get(ctx, p.mgmtURL+"/roots/0")
	if err != nil {
		return nil, err
	}
	if blk, _ := pem.Decode(b); blk == nil || blk.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("pebble roots: no PEM certificate in %q", b)
	}
	return b, nil
}

// HTTPClient returns a client that trusts Pebble's listeners (CACert).
func (p *Pebble) HTTPClient() *http.Client { return p.client }

func (p *Pebble) get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
	}
	return b, nil
}
