package host

// Parsing ssh_config values: ProxyJump hop lists and paths with ~ and %-tokens.

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// parseProxyJump turns "a,u@b:2222" into hops where the last one is dialled
// through the one before it, as ssh -J does.
func parseProxyJump(spec string) (*Config, error) {
	var prev *Config
	for hop := range strings.SplitSeq(spec, ",") {
		h, err := parseHop(strings.TrimSpace(hop))
		if err != nil {
			return nil, err
		}
		h.Jump = prev
		prev = &h
	}
	return prev, nil
}

// parseHop parses [ssh://][user@]host[:port], host possibly a [bracketed] IPv6.
func parseHop(s string) (Config, error) {
	s = strings.TrimPrefix(s, "ssh://")
	var h Config
	if i := strings.LastIndex(s, "@"); i >= 0 {
		h.User, s = s[:i], s[i+1:]
	}
	host, port := s, ""
	if strings.HasPrefix(s, "[") || strings.Count(s, ":") == 1 {
		var err error
		if host, port, err = net.SplitHostPort(s); err != nil {
			host = strings.Trim(s, "[]")
		}
	}
	if host == "" {
		return h, fmt.Errorf("bad hop %q", s)
	}
	h.Name, h.Address = host, host
	if port != "" {
		p, err := strconv.Atoi(port)
		if err != nil {
			return h, fmt.Errorf("bad port in hop %q", s)
		}
		h.Port = p
	}
	return h, nil
}

// expandPath expands ~ and the %d %h %r %u tokens ssh allows in IdentityFile.
func expandPath(p, alias, user string) string {
	home, _ := os.UserHomeDir()
	if p == "~" || strings.HasPrefix(p, "~/") {
		p = home + p[1:]
	}
	r := strings.NewReplacer("%d", home, "%h", alias, "%r", user, "%u", currentUser(), "%%", "%")
	return r.Replace(p)
}
