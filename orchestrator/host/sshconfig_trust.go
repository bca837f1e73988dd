package host

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// applyTrust takes the ssh_config keywords that decide which host keys
// and which client keys are trusted. A config that would switch host key
// checking off is refused, never quietly overridden: the user meant
// something, and ck8sctl will not do it.
func (c Config) applyTrust(h sshHost) (Config, error) {
	if s, ok := h.first("StrictHostKeyChecking"); ok {
		switch strings.ToLower(s.value) {
		case "yes", "ask": // ask has no terminal to ask on: strict
		case "accept-new":
			c.AcceptNewHostKeys = true
		case "no", "off":
			return c, fmt.Errorf("ssh config %s: StrictHostKeyChecking %s for %s: %w", s.where, s.value, h.alias, ErrInsecureSSHConfig)
		default:
			return c, fmt.Errorf("ssh config %s: StrictHostKeyChecking %q for %s: want yes, ask or accept-new", s.where, s.value, h.alias)
		}
	}
	if s, ok := h.first("IdentitiesOnly"); ok {
		switch strings.ToLower(s.value) {
		case "yes":
			c.IdentitiesOnly = true
		case "no":
		default:
			return c, fmt.Errorf("ssh config %s: IdentitiesOnly %q for %s: want yes or no", s.where, s.value, h.alias)
		}
	}
	return c, nil
}

// knownHostsFiles decides which known_hosts files verify the host. The
// playbook's knownHostsFile, when set, is the only one (it wins over
// ssh_config, as ssh's -o does over the file). Otherwise ssh_config's
// UserKnownHostsFile (default ~/.ssh/known_hosts) and
// GlobalKnownHostsFile (default none) all count, and KnownHostsFile
// becomes the first user file: where new keys are recorded, or "none"
// when UserKnownHostsFile is none.
func (c Config) knownHostsFiles(h *sshHost) Config {
	if c.KnownHostsFile != "" {
		c.knownHosts = []string{c.KnownHostsFile}
		return c
	}
	home, _ := os.UserHomeDir()
	user := []string{filepath.Join(home, ".ssh", "known_hosts")}
	var global []string
	if h != nil {
		if v := h.get("UserKnownHostsFile"); v != "" {
			user = knownHostsList(v, h.alias, c.User)
		}
		global = knownHostsList(h.get("GlobalKnownHostsFile"), h.alias, c.User)
	}
	c.KnownHostsFile = "none"
	if len(user) > 0 {
		c.KnownHostsFile = user[0]
	}
	c.knownHosts = append(user, global...)
	return c
}

// knownHostsList splits a space-separated list of files, expanded as
// IdentityFile is. "none" and /dev/null (the usual "remember nothing")
// name no file.
func knownHostsList(v, alias, user string) []string {
	var out []string
	for _, f := range strings.Fields(v) {
		if strings.EqualFold(f, "none") || f == os.DevNull {
			continue
		}
		out = append(out, expandPath(f, alias, user))
	}
	return out
}
