package k8senv

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"k8s.io/client-go/rest"
)

// etcdHealthy asks etcd's /health through the namespace.
func (cp *ControlPlane) etcdHealthy(ctx context.Context) error {
	body, err := cp.get(ctx, &http.Client{Transport: &http.Transport{DialContext: Dialer(cp.NetNS)}}, etcdURL+"/health")
	if err != nil {
		return err
	}
	if !strings.Contains(body, `"health":"true"`) {
		return fmt.Errorf("etcd /health: %s", body)
	}
	return nil
}

// ready asks the apiserver's /readyz with the admin credentials.
func (cp *ControlPlane) ready(ctx context.Context) error {
	hc, err := rest.HTTPClientFor(cp.Config)
	if err != nil {
		return fmt.Errorf("apiserver client: %w", err)
	}
	defer hc.CloseIdleConnections()
	body, err := cp.get(ctx, hc, APIServerURL+"/readyz")
	if err != nil {
		return err
	}
	if body != "ok" {
		return fmt.Errorf("/readyz: %s", body)
	}
	return nil
}

// Ready reports whether the apiserver's /readyz says ok.
func (cp *ControlPlane) Ready(ctx context.Context) error { return cp.ready(ctx) }

func (cp *ControlPlane) get(ctx context.Context, hc *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
	}
	return strings.TrimSpace(string(b)), nil
}
