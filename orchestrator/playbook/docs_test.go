package playbook

import (
	"os"
	"strings"
	"testing"
)

// TestDocsCoverEveryKey: every key the decoder accepts has a row in the
// reference tables of docs/playbook.md (manifests: docs/manifests.md),
// written as the dotted path below its section, so the docs cannot fall
// behind the schema.
func TestDocsCoverEveryKey(t *testing.T) {
	for page, sections := range map[string]map[string][]string{
		"../../docs/playbook.md": {
			"": topKeys, "defaults": defaultKeys, "hosts": hostKeys, "firewall": firewallKeys, "dns": dnsKeys,
			"checks": checksKeys, "ports.": portsKeys, "tls.": tlsKeys, "http01.": http01Keys, "sweep.": sweepKeys,
		},
		"../../docs/manifests.md": {
			"manifests": {"kubeconfig", "wait"}, "certManager.": certManagerKeys, "acme.": acmeKeys,
			"ingress.": ingressKeys, "network.": networkKeys,
		},
	} {
		doc, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for section, keys := range sections {
			prefix := ""
			if strings.HasSuffix(section, ".") {
				prefix = section
			}
			for _, k := range keys {
				if !strings.Contains(string(doc), "| `"+prefix+k+"` |") {
					t.Errorf("%s: no row for %s key %q (want | `%s%s` |)", page, section, k, prefix, k)
				}
			}
		}
	}
}
