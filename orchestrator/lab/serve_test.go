package lab_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

// freePort returns a port free on both loopbacks at the time of the call.
func freePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if ln6, err := net.Listen("tcp6", net.JoinHostPort("::1", strconv.Itoa(p))); err == nil {
			ln6.Close()
			return p
		}
	}
	t.Fatal("no port free on both families")
	return 0
}

func TestServeDecoysDualStack(t *testing.T) {
	ports := []int{freePort(t), freePort(t)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- lab.ServeDecoys(ctx, ports) }()
	for _, p := range ports {
		for _, host := range []string{"127.0.0.1", "::1"} {
			url := "http://" + net.JoinHostPort(host, strconv.Itoa(p)) + "/"
			body := waitHTTP(t, url)
			if body != "ok\n" {
				t.Errorf("%s: body %q", url, body)
			}
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ServeDecoys: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServeDecoys did not return after cancel")
	}
}

func TestServeDecoysPortTaken(t *testing.T) {
	ln, err := net.Listen("tcp4", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = lab.ServeDecoys(context.Background(), []int{ln.Addr().(*net.TCPAddr).Port})
	if err == nil {
		t.Fatal("ServeDecoys on a taken port succeeded")
	}
}

func waitHTTP(t *testing.T, url string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v", url, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
