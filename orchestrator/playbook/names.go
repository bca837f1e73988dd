package playbook

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// labelProblem describes why s is not a DNS label (RFC 1123: letters,
// digits and inner hyphens, at most 63 characters), or returns "".
func labelProblem(s string) string {
	switch {
	case s == "":
		return "empty label"
	case len(s) > 63:
		return fmt.Sprintf("label %q is longer than 63 characters", s)
	case s[0] == '-' || s[len(s)-1] == '-':
		return fmt.Sprintf("label %q starts or ends with '-'", s)
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Sprintf("label %q contains %q", s, c)
		}
	}
	return ""
}

// hostnameProblem describes why s is not a DNS host name, or returns "". A
// name whose last label is all digits is refused: it is a mistyped IP
// address (203.0.113.999), and no top-level domain is numeric.
func hostnameProblem(s string) string {
	s = strings.TrimSuffix(s, ".")
	if len(s) > 253 {
		return "longer than 253 characters"
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if p := labelProblem(l); p != "" {
			return p
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "looks like an IP address but is not one"
	}
	return ""
}

// addressProblem describes why s is neither an IP address nor a host name.
func addressProblem(s string) string {
	if _, err := netip.ParseAddr(s); err == nil {
		return ""
	}
	if _, _, err := net.SplitHostPort(s); err == nil {
		return fmt.Sprintf("must be an IP address or host name without a port, got %q (use port:)", s)
	}
	if p := hostnameProblem(s); p != "" {
		return fmt.Sprintf("must be an IP address or host name, got %q: %s", s, p)
	}
	return ""
}

// parseHostPort splits "host", "host:port", "[v6]" or "[v6]:port"; a bare
// IPv6 address has no port. port is 0 when absent.
func parseHostPort(s string) (host string, port int, err error) {
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return a.String(), 0, nil
	}
	host = s
	if strings.Contains(s, ":") {
		var p string
		if host, p, err = net.SplitHostPort(s); err != nil {
			return "", 0, fmt.Errorf("%q is not host:port", s)
		}
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return "", 0, fmt.Errorf("port in %q must be between 1 and 65535", s)
		}
	}
	if p := addressProblem(host); p != "" {
		return "", 0, fmt.Errorf("host in %q: %s", s, p)
	}
	return host, port, nil
}

// nameserver normalises s to host:port, adding port 53 when s has none.
func nameserver(s string) (string, error) {
	host, port, err := parseHostPort(s)
	if err != nil {
		return "", err
	}
	if port == 0 {
		port = 53
	}
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}
