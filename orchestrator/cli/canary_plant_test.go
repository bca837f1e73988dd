package cli

import (
	"encoding/base64"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

// plant is one canary secret and proof, a word that travels the same path
// next to it: seeing the proof in a sink shows the secret went that way
// and was masked, not that the path was never taken.
type plant struct {
	what, secret, proof string
}

// canaryPlants are the lab canary's ten secrets, each where the tool
// really meets one. adminKey is the lab cluster's admin client key (PEM).
func canaryPlants(adminKey string) []plant {
	k3s := "K10" + strings.Repeat("9c8b7a6f", 8) + "::server:1f2e3d4c5b6a79880f1e"
	return []plant{
		{"host label (keyword shape), playbook → plan → facts", "lbl-tok-7d1e9a3c5b42", "\"apiToken\":\"***\""},
		{"host label (playbook mask: pattern)", "corp-8675309123", "\"ticket\":\"***\""},
		{"identity file passphrase ($CK8S_SSH_PASSPHRASE)", "canary pass phrase 2f9c", ""},
		{"kubeconfig client-key-data (base64 PEM) on the host", adminKey, "/etc/rancher/k3s/k3s.yaml"},
		{"kubeconfig token of a second user on the host", "kc-deployer-5e8d2c7a9b1f", "/etc/rancher/k3s/k3s.yaml"},
		{"Secret data in the bundle (drift diff, after)", "want-db-pass-4a7c19", "Secret cert-manager/db-creds (updated)"},
		{"Secret data edited by hand (drift diff, before)", "live-db-pass-93be20", "-  password: '*** (before)'"},
		{"k3s join token quoted by the API server's rejection", k3s, `ConfigMap "k3s-join" is invalid`},
		{"ProxyCommand relay's stderr (URL userinfo)", "relay-pw-61f0c2d8e4", "403 from relay https://ops:***@"},
		{"postgres --db URL password in the final error line", "pg-pw-0b5e7f3a91", "postgres://ck8s:***@127.0.0.1"},
	}
}

// hostKubeconfig is the lab cluster's admin kubeconfig plus a second
// user with a token, as k3s.yaml files grow; and the admin client key.
func hostKubeconfig(t *testing.T, admin []byte, token string) (file []byte, key string) {
	t.Helper()
	cfg, err := clientcmd.Load(admin)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range cfg.AuthInfos {
		key = string(a.ClientKeyData)
	}
	deployer := *cfg.AuthInfos[cfg.Contexts[cfg.CurrentContext].AuthInfo]
	deployer.ClientCertificateData, deployer.ClientKeyData, deployer.Token = nil, nil, token
	cfg.AuthInfos["deployer"] = &deployer
	if file, err = clientcmd.Write(*cfg); err != nil {
		t.Fatal(err)
	}
	if key == "" || !strings.Contains(string(file), base64.StdEncoding.EncodeToString([]byte(key))) {
		t.Fatal("the admin kubeconfig carries no client-key-data")
	}
	return file, key
}

// canaryBundle is a cert-manager "release manifest" with a Secret, and,
// when bad is set, a ConfigMap whose label holds the join token by
// mistake: the API server refuses it and quotes the value.
func canaryBundle(dbPass, bad string) string {
	b := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: cert-manager\n---\n" +
		"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-creds\n  namespace: cert-manager\ntype: Opaque\ndata:\n" +
		"  password: " + base64.StdEncoding.EncodeToString([]byte(dbPass)) + "\n  user: YXBw\n"
	if bad != "" {
		b += "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: k3s-join\n  namespace: cert-manager\n" +
			"  labels:\n    join: \"" + bad + "\"\ndata:\n  server: https://198.18.0.10:6443\n"
	}
	return b
}

// encryptedKey is a copy of the lab's key under passphrase in dir.
func encryptedKey(t *testing.T, l *lab.Lab, dir, passphrase string) string {
	t.Helper()
	p := filepath.Join(dir, "id_canary")
	b, err := exec.Command("cp", l.KeyFile, p).CombinedOutput()
	if err == nil {
		b, err = exec.Command("ssh-keygen", "-q", "-p", "-P", "", "-N", passphrase, "-f", p).CombinedOutput()
	}
	if err != nil {
		t.Fatalf("encrypting the key: %v: %s", err, b)
	}
	return p
}

// relayConfig is an ssh_config whose ProxyCommand is a relay that fails,
// telling on stderr which URL (with its credentials) refused it.
func relayConfig(t *testing.T, l *lab.Lab, dir, password string) string {
	t.Helper()
	relay := filepath.Join(dir, "relay.sh")
	writeFile(t, relay, fmt.Sprintf("#!/bin/sh\necho \"relay: 403 from relay https://ops:%s@%s:8443/ for $1:$2\" >&2\nexit 1\n", password, l.Gateway4))
	if err := exec.Command("chmod", "700", relay).Run(); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "ssh_config")
	writeFile(t, cfg, "Host *\n  ProxyCommand "+relay+" %h %p\n")
	return cfg
}
