package cli

import (
	"strings"
	"testing"
)

// Which invocations run under the supervisor: the ones that work, found
// past the global flags and their values.
func TestSupervised(t *testing.T) {
	for args, want := range map[string]bool{
		"ck8sctl harden -p pb.yaml":                 true,
		"ck8sctl --log-level debug sweep -p x":      true,
		"ck8sctl --log-format=json events":          true,
		"ck8sctl --log-level lab harden":            true, // "lab" is the flag's value
		"ck8sctl serve --config c.yaml":             false,
		"ck8sctl --log-format json lab up":          false,
		"ck8sctl":                                   false,
		"ck8sctl --version":                         false,
		"ck8sctl harden --help":                     false,
		"ck8sctl completion bash":                   false,
		"ck8sctl harden --generate-bash-completion": false,
		"ck8sctl -- harden":                         false,
		"ck8sctl --log-level debug help":            false,
	} {
		if got := supervised(strings.Fields(args)); got != want {
			t.Errorf("supervised(%q) = %v, want %v", args, got, want)
		}
	}
}
