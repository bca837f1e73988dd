package manifests

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/ck8s/ck8sctl/agent/step"
)

// kubeconfigCandidates are searched in order when the playbook names no
// kubeconfig: k3s first (the staging hosts this tool targets), then
// kubeadm's admin config.
var kubeconfigCandidates = []string{"/etc/rancher/k3s/k3s.yaml", "/etc/kubernetes/admin.conf"}

// restConfig finds and loads the host's kubeconfig. Every credential in it
// is registered as a secret before anything can report it: client-go's
// errors quote parts of the file.
func restConfig(env *step.Env, want string) (*rest.Config, string, error) {
	path, err := findKubeconfig(env, want)
	if err != nil {
		return nil, "", err
	}
	cfg, err := clientcmd.LoadFromFile(env.Path(path))
	if err != nil {
		return nil, path, fmt.Errorf("reading kubeconfig %s: %w", path, err)
	}
	env.Secret(secrets(cfg)...)
	rc, err := clientcmd.NewDefaultClientConfig(*cfg, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, path, fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	return rc, path, nil
}

func findKubeconfig(env *step.Env, want string) (string, error) {
	if want != "" {
		if _, err := os.Stat(env.Path(want)); err != nil {
			return "", fmt.Errorf("kubeconfig %s (playbook manifests.kubeconfig): %w", want, unwrapPath(err))
		}
		return want, nil
	}
	tried := append([]string{}, kubeconfigCandidates...)
	if k := os.Getenv("KUBECONFIG"); k != "" {
		tried = append(tried, filepath.SplitList(k)...)
	}
	for _, p := range tried {
		if _, err := os.Stat(env.Path(p)); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no kubeconfig on the host (looked for %v and $KUBECONFIG); is Kubernetes installed? set manifests.kubeconfig to its path", kubeconfigCandidates)
}

func unwrapPath(err error) error {
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// secrets lists the credentials in a kubeconfig, raw and as they appear
// base64-encoded in the file.
func secrets(cfg *clientcmdapi.Config) []string {
	var out []string
	add := func(vals ...string) {
		for _, v := range vals {
			if v != "" {
				out = append(out, v, base64.StdEncoding.EncodeToString([]byte(v)))
			}
		}
	}
	for _, a := range cfg.AuthInfos {
		add(a.Token, a.Password, string(a.ClientKeyData))
		if a.TokenFile != "" {
			if b, err := os.ReadFile(a.TokenFile); err == nil {
				add(string(b))
			}
		}
		if a.Exec != nil {
			for _, e := range a.Exec.Env {
				add(e.Value)
			}
		}
		if a.AuthProvider != nil {
			for _, v := range a.AuthProvider.Config {
				add(v)
			}
		}
	}
	return out
}
