package lab

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"time"
)

// ServeDecoys answers on every port, IPv4 and IPv6 (separate sockets, as the
// real services would have), like the service a staging host runs there, until
// ctx ends. It binds all ports before serving any, so a caller that sees one
// port answer knows all are up. It returns nil when ctx ends.
func ServeDecoys(ctx context.Context, ports []int) error {
	cert, err := selfSigned()
	if err != nil {
		return fmt.Errorf("creating decoy certificate: %w", err)
	}
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for _, p := range ports {
		// "tcp6" sets IPV6_V6ONLY, so the two sockets never overlap.
		for _, a := range [][2]string{{"tcp4", "0.0.0.0"}, {"tcp6", "::"}} {
			ln, err := net.Listen(a[0], net.JoinHostPort(a[1], strconv.Itoa(p)))
			if err != nil {
				return fmt.Errorf("decoy listening: %w", err)
			}
			lns = append(lns, ln)
		}
	}
	errc := make(chan error, len(lns))
	for i, ln := range lns {
		go func() { errc <- serveDecoy(ln, ports[i/2], cert) }()
	}
	select {
	case <-ctx.Done():
		return nil
	case err := <-errc:
		return fmt.Errorf("decoy serving: %w", err)
	}
}

// serveDecoy serves one listener by what its port usually is.
func serveDecoy(ln net.Listener, port int, cert tls.Certificate) error {
	if port == 5432 {
		return servePostgres(ln)
	}
	status, body := decoyReply(port)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Server", "nginx")
			w.WriteHeader(status)
			io.WriteString(w, body)
		}),
		ReadHeaderTimeout: 5 * time.Second,
		// Port scans cause a stream of handshake errors nobody needs.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	switch port {
	case 443, 6443, 10250:
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		return srv.ServeTLS(ln, "", "")
	}
	return srv.Serve(ln)
}

func decoyReply(port int) (int, string) {
	switch port {
	case 80, 443:
		return http.StatusNotFound, "default backend - 404\n"
	case 6443:
		return http.StatusUnauthorized, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}` + "\n"
	case 10250:
		return http.StatusUnauthorized, "Unauthorized\n"
	case 9100:
		return http.StatusOK, "# HELP node_exporter_build_info A metric with a constant '1' value.\n# TYPE node_exporter_build_info gauge\nnode_exporter_build_info 1\n"
	}
	return http.StatusOK, "ok\n"
}

// servePostgres answers an SSLRequest with "N" (no TLS), as postgres does,
// then closes.
func servePostgres(ln net.Listener) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 8)
			if _, err := io.ReadFull(c, buf); err == nil {
				c.Write([]byte("N"))
			}
		}()
	}
}

func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "ck8s-lab-decoy"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		DNSNames:     []string{"ck8s-lab-decoy"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
