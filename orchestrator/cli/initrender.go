package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// starter is what `ck8sctl init` writes: a playbook with a comment on
// every key, so its reader learns the schema from it.
type starter struct {
	Domain       string
	User         string
	IdentityFile string
	Hosts        []starterHost
}

// starterHost is one host of the starter; the zero Port, User and
// IdentityFile fall back to the defaults block.
type starterHost struct {
	Name, Address      string
	Port               int
	User, IdentityFile string
	Sudo               bool
	Groups             []string
	From               string // the inventory's name for it
}

const starterHead = `# A ck8sctl playbook, written by ck8sctl init. Every key is described in
# docs/playbook.md. Try it without changing anything:
#   ck8sctl bootstrap -p THIS_FILE --check

# The domain the hosts serve: the DNS preflight checks that it resolves to
# each host's address, and the certificate is issued for it.
domain: %s

# SSH settings for every host that does not set its own.
defaults:
  user: %s
  port: 22
  identityFile: %s
  knownHostsFile: ~/.ssh/known_hosts   # host keys are checked against it
  sudo: false                          # true: run the agent through sudo (non-root user)

hosts:
`

const starterTail = `
# The host firewall the agent installs: only these ports stay open to
# everyone; a change is rolled back unless confirmed over a new SSH
# connection within confirmTimeout.
firewall:
  allowTCP: [22, 80, 443]
  sshSources: []                       # CIDRs that may reach SSH; empty: anyone
  backend: auto                        # auto | iptables | nftables
  confirmTimeout: 60s

# The DNS preflight, before any change (docs/dnscheck.md). Uncomment it
# with the nameservers that are authoritative for the domain.
# dns:
#   nameservers: ["192.0.2.53:53"]
#   caaIssuer: letsencrypt.org
`

func (s starter) render() string {
	user := s.User
	if user == "" {
		user = "root"
	}
	key := s.IdentityFile
	if key == "" {
		key = "~/.ssh/id_ed25519"
	}
	var b strings.Builder
	fmt.Fprintf(&b, starterHead, yamlString(s.Domain), yamlString(user), yamlString(key))
	if len(s.Hosts) == 0 {
		b.WriteString("  # Replace with your hosts: name is a DNS label, address an IP or DNS name.\n")
		s.Hosts = []starterHost{{Name: "staging-1", Address: "203.0.113.10"}}
	}
	for _, h := range s.Hosts {
		h.write(&b)
	}
	b.WriteString(starterTail)
	return b.String()
}

func (h starterHost) write(b *strings.Builder) {
	fmt.Fprintf(b, "  - name: %s\n    address: %s\n", yamlString(h.Name), yamlString(h.Address))
	if h.Port != 0 {
		fmt.Fprintf(b, "    port: %d\n", h.Port)
	}
	if h.User != "" {
		fmt.Fprintf(b, "    user: %s\n", yamlString(h.User))
	}
	if h.IdentityFile != "" {
		fmt.Fprintf(b, "    identityFile: %s\n", yamlString(h.IdentityFile))
	}
	if h.Sudo {
		b.WriteString("    sudo: true                         # ansible_become in the inventory\n")
	}
	if h.From != "" && h.From != h.Name {
		fmt.Fprintf(b, "    # %s in the inventory\n", h.From)
	}
	if len(h.Groups) > 0 {
		fmt.Fprintf(b, "    # inventory groups: %s (use --inventory to select by group)\n", strings.Join(h.Groups, ", "))
	}
}

// yamlString quotes s as a YAML double-quoted scalar unless it is plainly
// a string (a name, a path, a dotted address), so no value can change the
// document's structure or its type.
func yamlString(s string) string {
	if plainYAML(s) {
		return s
	}
	return strconv.Quote(s)
}

func plainYAML(s string) bool {
	rest, home := strings.CutPrefix(s, "~/")
	if rest == "" || strings.ContainsFunc(rest, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._/@", r))
	}) {
		return false
	}
	switch {
	case home:
		return true
	case rest[0] >= '0' && rest[0] <= '9':
		return strings.Count(rest, ".") >= 2 // an IPv4 address, never a number
	}
	switch strings.ToLower(rest) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null":
		return false
	}
	return true
}
